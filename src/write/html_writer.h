// The clinician's summary as one self-contained, printable HTML page (A4 and Letter): the
// summary sections, then the course chart (web/chart/khe-chart.js drawing with Chart.js,
// both inlined) fed by the JSON report embedded in the page. Inline CSS and scripts only,
// no external assets; a Content-Security-Policy forbids any network access. Every piece of
// summary text is escaped, and the same report always gives the same bytes.
#pragma once

#include <string>

#include "engine/report.h"
#include "knowledge/knowledge.h"

namespace khe::write {

std::string to_html(const engine::Report& report, const knowledge::Knowledge& knowledge);

// Escapes &, <, >, " and ' for HTML text and attribute values.
std::string html_escape(const std::string& text);

// JSON made safe inside a <script> element: every <, > and & is written \u003c, \u003e,
// \u0026. They only occur inside JSON strings, where the escape means the same text, and
// without them no "</script" or "<!--" can end or confuse the element.
std::string script_safe_json(const std::string& json);

}  // namespace khe::write
