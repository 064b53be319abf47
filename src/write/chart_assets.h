// The course chart's scripts, compiled in from web/chart at build time (cmake/chart.cmake):
// Chart.js (minified UMD build, pinned by web/chart/package-lock.json) and khe-chart.js,
// which defines window.KheChart.render(container, report). Neither contains "</script".
#pragma once

#include <string_view>

namespace khe::write {

std::string_view chart_library_js();
std::string_view chart_module_js();

}  // namespace khe::write
