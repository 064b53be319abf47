// The HTML report: the inlined course chart, the embedded JSON report, the security policy
// that forbids any network access, print CSS and reproducible bytes.
#include <string>

#include <gtest/gtest.h>

#include "knowledge/knowledge.h"
#include "write/chart_assets.h"
#include "write/html_writer.h"
#include "write/json_writer.h"

namespace khe::write {
namespace {

engine::Report chart_report() {
  engine::Report r;
  r.engine_version = "0.1.0";
  r.knowledge_version = "test";
  r.profile = "default";
  r.as_of = start_of(Date(std::chrono::year{2026} / 8 / 3)) + hours(12);
  r.input_sha256 = std::string(64, 'b');
  engine::Alert a;
  a.code = "closing";
  a.severity = engine::AlertSeverity::info;
  a.message = "</script><script>alert(1)</script> <!-- x";
  a.why.rule_id = "PJP-1";
  r.alerts.push_back(a);
  return r;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(cliHtml, InlinesTheChartLibraryAndModule) {
  ASSERT_GT(chart_library_js().size(), 10000u);
  EXPECT_NE(chart_library_js().find("Chart.js v4"), std::string_view::npos);
  EXPECT_NE(chart_module_js().find("KheChart"), std::string_view::npos);
  const std::string html = to_html(chart_report(), knowledge::Knowledge{});
  EXPECT_NE(html.find(chart_library_js()), std::string::npos);
  EXPECT_NE(html.find(chart_module_js()), std::string::npos);
  EXPECT_NE(html.find("<div id=\"khe-course-chart\""), std::string::npos);
  EXPECT_NE(html.find("KheChart.render("), std::string::npos);
  EXPECT_EQ(html.find("<script src"), std::string::npos);
}

TEST(cliHtml, ForbidsAnyNetworkAccess) {
  const std::string html = to_html(chart_report(), knowledge::Knowledge{});
  const auto csp = html.find("<meta http-equiv=\"Content-Security-Policy\" content=\"");
  ASSERT_NE(csp, std::string::npos);
  EXPECT_LT(csp, html.find("<style>"));
  EXPECT_NE(html.find("default-src 'none'; script-src 'unsafe-inline'; style-src "
                      "'unsafe-inline'"),
            std::string::npos);
}

TEST(cliHtml, EmbedsTheJsonReportWithoutEndingTheScript) {
  const engine::Report r = chart_report();
  const std::string html = to_html(r, knowledge::Knowledge{});
  const std::string open = "<script type=\"application/json\" id=\"khe-report-data\">\n";
  const auto from = html.find(open);
  ASSERT_NE(from, std::string::npos);
  const auto to = html.find("</script>", from);
  ASSERT_NE(to, std::string::npos);
  const std::string embedded = html.substr(from + open.size(), to - from - open.size());
  EXPECT_EQ(embedded, script_safe_json(to_json(r)));
  EXPECT_EQ(embedded.find("</"), std::string::npos);
  EXPECT_EQ(embedded.find("<!--"), std::string::npos);
  // Four script elements end: the report data, Chart.js, khe-chart.js and the init call.
  EXPECT_EQ(count(html, "</script>"), 4u);
}

TEST(cliHtml, ScriptSafeJsonKeepsTheSameValue) {
  EXPECT_EQ(script_safe_json(R"({"a":"</script>","b":"<!--x","c":"a&b"})"),
            R"({"a":"\u003c/script\u003e","b":"\u003c!--x","c":"a\u0026b"})");
  EXPECT_EQ(script_safe_json("{}\n"), "{}\n");
}

TEST(cliHtml, PrintsOnA4AndLetter) {
  const std::string html = to_html(chart_report(), knowledge::Knowledge{});
  EXPECT_NE(html.find("@page{"), std::string::npos);
  EXPECT_NE(html.find("@media print{"), std::string::npos);
  EXPECT_EQ(html.find("size:A4"), std::string::npos);  // the printer's paper decides
}

TEST(cliHtml, SameReportSameBytes) {
  EXPECT_EQ(to_html(chart_report(), knowledge::Knowledge{}),
            to_html(chart_report(), knowledge::Knowledge{}));
}

}  // namespace
}  // namespace khe::write
