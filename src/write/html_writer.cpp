#include "write/html_writer.h"

#include <string>
#include <string_view>

#include "write/chart_assets.h"
#include "write/json_writer.h"
#include "write/summary.h"

namespace khe::write {
namespace {

constexpr const char* kStyle =
    "body{font-family:system-ui,sans-serif;max-width:60rem;margin:1.5rem auto;"
    "padding:0 1rem;color:#111;line-height:1.35}"
    "h1{font-size:1.3rem;padding:.5rem .75rem;border-radius:4px;background:#eee}"
    "h1.critical{background:#b00020;color:#fff}h1.warning{background:#ffd54f}"
    "h2{font-size:1.05rem;margin:1rem 0 .3rem;border-bottom:1px solid #ccc}"
    "ul{margin:.2rem 0;padding-left:1.2rem}li.d1{margin-left:1.5rem;color:#444;"
    "font-size:.92em;list-style:circle}.critical{color:#b00020;font-weight:600}"
    ".warning{color:#8a5a00;font-weight:600}.info{color:#245}"
    "a{color:#245;word-break:break-all}.rule{font-family:monospace;color:#555;margin-left:.4rem;"
    "white-space:nowrap}"
    "footer{margin-top:1rem;font-size:.85em;color:#444}"
    ".reminder{font-weight:600;margin-top:.5rem}"
    ".course{margin-top:1rem}.khe-chart{overflow-x:auto}"
    ".khe-chart-panel{margin:.15rem 0}.khe-chart canvas{display:block}"
    ".khe-chart-note{margin:.15rem 0;color:#555;font-style:italic;font-size:.9em}"
    "@page{margin:14mm 12mm}"
    "@media print{body{margin:0;max-width:none;font-size:10pt;"
    "-webkit-print-color-adjust:exact;print-color-adjust:exact}"
    "h1{border:1px solid #000}h2{break-after:avoid}li{break-inside:avoid}"
    "a{color:#000}.course{break-inside:avoid}.khe-chart{overflow:visible}"
    ".khe-chart-panel{break-inside:avoid}}";

// The chart goes right before this section (or at the end when the report has none).
constexpr std::string_view kCourseBefore = "Evidence";

// No network at all: only the page's own inline scripts and styles may run.
constexpr const char* kSecurityPolicy =
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'";

// Draws the course chart from the embedded report (web/chart/khe-chart.js).
constexpr const char* kChartInit =
    "(function(){var el=document.getElementById(\"khe-course-chart\");"
    "try{KheChart.render(el,JSON.parse(document.getElementById(\"khe-report-data\")"
    ".textContent));el.setAttribute(\"data-state\",\"done\");}"
    "catch(e){el.textContent=\"The course chart could not be drawn.\";"
    "el.setAttribute(\"data-state\",\"failed\");throw e;}})();";

const char* tone_class(Tone t) {
  switch (t) {
    case Tone::critical:
      return "critical";
    case Tone::warning:
      return "warning";
    case Tone::info:
      return "info";
    case Tone::plain:
      break;
  }
  return "";
}

std::string tags(const SummaryLine& l) {
  const std::string t = rule_tags(l.rules);
  return t.empty() ? "" : "<span class=\"rule\">" + html_escape(t) + "</span>";
}

// The course chart section: a container that KheChart.render fills (the text inside is
// what a reader without scripts sees).
std::string course_section() {
  return "<section class=\"course\">\n<h2>Course</h2>\n"
         "<div id=\"khe-course-chart\" class=\"khe-chart\" data-state=\"pending\">"
         "<p class=\"khe-chart-note\">The course chart needs JavaScript.</p></div>\n"
         "</section>\n";
}

std::string script(std::string_view code) {
  std::string out = "<script>";
  out += code;
  out += "</script>\n";
  return out;
}

}  // namespace

std::string script_safe_json(const std::string& json) {
  std::string out;
  out.reserve(json.size() + 64);
  for (char c : json) {
    switch (c) {
      case '<':
        out += "\\u003c";
        break;
      case '>':
        out += "\\u003e";
        break;
      case '&':
        out += "\\u0026";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string html_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string to_html(const engine::Report& report, const knowledge::Knowledge& knowledge) {
  const Summary s = summarize(report, knowledge);
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"";
  out += kSecurityPolicy;
  out +=
      "\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>khe-cds report</title>\n<style>";
  out += kStyle;
  out += "</style>\n</head>\n<body>\n";
  out += std::string("<h1 class=\"") + tone_class(s.headline.tone) + "\">" +
         html_escape(s.headline.text) + tags(s.headline) + "</h1>\n";
  bool course_done = false;
  for (const auto& section : s.sections) {
    if (!course_done && section.title == kCourseBefore) {
      out += course_section();
      course_done = true;
    }
    out += "<h2>" + html_escape(section.title) + "</h2>\n<ul>\n";
    for (const auto& l : section.lines) {
      std::string cls = l.indent > 0 ? "d1" : "";
      const std::string tone = tone_class(l.tone);
      if (!tone.empty()) cls += (cls.empty() ? "" : " ") + tone;
      out += cls.empty() ? "<li>" : "<li class=\"" + cls + "\">";
      out += html_escape(l.text);
      if (!l.link.empty()) {
        out += " <a href=\"" + html_escape(l.link) + "\">" + html_escape(l.link) + "</a>";
      }
      out += tags(l) + "</li>\n";
    }
    out += "</ul>\n";
  }
  if (!course_done) out += course_section();
  out += "<footer>\n<div>Provenance: " + html_escape(s.provenance) + "</div>\n";
  out += "<div class=\"reminder\">" + html_escape(s.reminder) + "</div>\n</footer>\n";
  out += "<script type=\"application/json\" id=\"khe-report-data\">\n";
  out += script_safe_json(to_json(report));
  out += "</script>\n";
  out += script(chart_library_js());
  out += script(chart_module_js());
  out += script(kChartInit);
  out += "</body>\n</html>\n";
  return out;
}

}  // namespace khe::write
