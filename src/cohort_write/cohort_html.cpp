#include "cohort_write/cohort_html.h"

#include <algorithm>
#include <string_view>

#include "cohort_write/cohort_json.h"
#include "cohort_write/format.h"
#include "write/chart_assets.h"
#include "write/html_writer.h"
#include "write/number.h"

namespace khe::cohort_write {
namespace {

using write::html_escape;

constexpr const char* kStyle =
    "body{font-family:system-ui,sans-serif;max-width:60rem;margin:1.5rem auto;"
    "padding:0 1rem;color:#111;line-height:1.35}"
    "h1{font-size:1.3rem;padding:.5rem "
    ".75rem;border-radius:4px;background:#eee;margin-bottom:.3rem}"
    "h2{font-size:1.1rem;margin:1.4rem 0 .4rem;border-bottom:1px solid #ccc}"
    "h3{font-size:.95rem;margin:.8rem 0 .3rem}"
    ".sub{color:#444;margin:.2rem 0}.key{font-family:monospace;font-weight:400;color:#555;"
    "font-size:.85em;margin-left:.4rem}"
    "table{border-collapse:collapse;margin:.3rem 0;font-size:.92em}"
    "th,td{border:1px solid #bbb;padding:.2rem .5rem;text-align:right;vertical-align:top}"
    "th{background:#f2f2f2}td.l,th.l{text-align:left}"
    ".stat{margin:.3rem 0}.none{color:#555;font-style:italic}"
    ".khe-chart{overflow-x:auto;margin:.4rem 0}.khe-chart canvas{display:block}"
    ".khe-chart-note{margin:.15rem 0;color:#555;font-style:italic;font-size:.9em}"
    "ul{margin:.2rem 0;padding-left:1.2rem}"
    "footer{margin-top:1.2rem;font-size:.85em;color:#444;border-top:1px solid #ccc}"
    ".reminder{font-weight:600;margin-top:.4rem}"
    "@page{margin:14mm 12mm}"
    "@media print{body{margin:0;max-width:none;font-size:10pt;"
    "-webkit-print-color-adjust:exact;print-color-adjust:exact}"
    "h1{border:1px solid #000}h2,h3{break-after:avoid}tr,li{break-inside:avoid}"
    ".khe-chart{overflow:visible;break-inside:avoid}}";

// No network at all: only the page's own inline scripts and styles may run.
constexpr const char* kSecurityPolicy =
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'";

// Draws every Kaplan-Meier plot from the embedded data (web/chart/khe-chart.js).
constexpr const char* kChartInit =
    "(function(){var d=JSON.parse(document.getElementById(\"khe-cohort-km\").textContent);"
    "d.forEach(function(e){var el=document.getElementById(\"km-\"+e.endpoint);"
    "try{KheChart.renderKaplanMeier(el,e);el.setAttribute(\"data-state\",\"done\");}"
    "catch(x){el.textContent=\"The Kaplan-Meier plot could not be drawn.\";"
    "el.setAttribute(\"data-state\",\"failed\");}});})();";

std::string esc(const std::string& s) { return html_escape(s); }
std::string td(const std::string& s) { return "<td>" + esc(s) + "</td>"; }
std::string tdl(const std::string& s) { return "<td class=\"l\">" + esc(s) + "</td>"; }
std::string th(const std::string& s) { return "<th>" + esc(s) + "</th>"; }
std::string thl(const std::string& s) { return "<th class=\"l\">" + esc(s) + "</th>"; }

std::string capitalized(std::string s) {
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

std::string interval(double low, double high) { return percent(low) + " to " + percent(high); }

std::string binary_tables(const cohort::EndpointResult& e, double confidence) {
  std::string out = "<table class=\"groups\">\n<thead><tr>" + thl("Group") + th("Patients") +
                    th("Not evaluable") + th("n") + th(capitalized(responders_label(e.endpoint))) +
                    th("Proportion") + th(confidence_text(confidence) + " CI (Wilson)") +
                    "</tr></thead>\n<tbody>\n";
  for (const auto& g : e.groups) {
    out += "<tr>" + tdl(g.group) + td(std::to_string(g.patients)) +
           td(std::to_string(g.not_evaluable)) + td(std::to_string(evaluable(g))) +
           td(std::to_string(responders(g)));
    if (g.proportion) {
      out += td(percent(g.proportion->estimate)) +
             td(interval(g.proportion->ci.low, g.proportion->ci.high));
    } else {
      out += td("-") + td("-");
    }
    out += "</tr>\n";
  }
  out += "</tbody>\n</table>\n";
  if (e.comparisons.empty()) return out;
  out += "<h3>Comparison</h3>\n<table class=\"comparisons\">\n<thead><tr>" + thl("Groups") +
         th("Difference") + th(confidence_text(confidence) + " CI") + thl("Interval method") +
         th("Fisher's exact p") + "</tr></thead>\n<tbody>\n";
  for (const auto& c : e.comparisons) {
    out += "<tr>" + tdl(c.group1 + " vs " + c.group2) + td(percent(c.difference.difference)) +
           td(interval(c.difference.ci.low, c.difference.ci.high)) + tdl(c.method) +
           td(p_text(c.fisher_p)) + "</tr>\n";
  }
  out += "</tbody>\n</table>\n";
  return out;
}

std::string km_tables(const cohort::EndpointResult& e, double confidence) {
  std::string out = "<table class=\"groups\">\n<thead><tr>" + thl("Group") + th("Patients") +
                    th("Not evaluable") + th("n") + th(capitalized(responders_label(e.endpoint))) +
                    th("Censored") + th("Median (days)") +
                    th(confidence_text(confidence) + " CI (days)") + "</tr></thead>\n<tbody>\n";
  for (const auto& g : e.groups) {
    const stats::KaplanMeier km = g.kaplan_meier ? *g.kaplan_meier : stats::KaplanMeier{};
    out += "<tr>" + tdl(g.group) + td(std::to_string(g.patients)) +
           td(std::to_string(g.not_evaluable)) + td(std::to_string(km.n)) +
           td(std::to_string(km.events)) + td(std::to_string(km.n - km.events)) +
           td(days_text(km.median)) + td(median_ci_text(km)) + "</tr>\n";
  }
  out += "</tbody>\n</table>\n";
  if (e.log_rank) {
    out += "<p class=\"stat\">Log-rank test: chi-square " +
           esc(write::format_number(e.log_rank->chi_square, 2)) + ", df " +
           std::to_string(e.log_rank->df) + ", p = " + esc(p_text(e.log_rank->p)) + "</p>\n";
  }
  const std::string name = cohort::name(e.endpoint);
  out += "<div id=\"km-" + name + "\" class=\"khe-chart km\" data-endpoint=\"" + name +
         "\" data-state=\"pending\"><p class=\"khe-chart-note\">The Kaplan-Meier plot needs "
         "JavaScript.</p></div>\n";
  return out;
}

std::string not_evaluable(const cohort::EndpointResult& e) {
  const std::int64_t total = not_evaluable_total(e);
  if (total == 0) return "<h3>Not evaluable</h3>\n<p class=\"none\">None.</p>\n";
  std::string out = "<h3>Not evaluable (" + std::to_string(total) + ")</h3>\n";
  out += "<table class=\"reasons\">\n<thead><tr>" + thl("Reason") + th("Patients") +
         "</tr></thead>\n<tbody>\n";
  for (const auto& [reason, count] : reason_counts(e)) {
    out += "<tr>" + tdl(reason) + td(std::to_string(count)) + "</tr>\n";
  }
  out += "</tbody>\n</table>\n";
  if (e.not_evaluable_counts) {
    return out +
           "<p class=\"none\">Combined from centres' aggregates: the patients are listed at "
           "each centre.</p>\n";
  }
  const std::size_t listed = std::min(e.not_evaluable.size(), kHtmlNotEvaluableListed);
  out += "<table class=\"not-evaluable\">\n<thead><tr>" + thl("Patient") + thl("Group") +
         thl("Reason") + "</tr></thead>\n<tbody>\n";
  for (std::size_t i = 0; i < listed; ++i) {
    const auto& n = e.not_evaluable[i];
    out += "<tr>" + tdl(n.patient_id) + tdl(n.group.empty() ? "(none)" : n.group) + tdl(n.reason) +
           "</tr>\n";
  }
  out += "</tbody>\n</table>\n";
  if (listed < e.not_evaluable.size()) {
    out += "<p class=\"none\">The first " + std::to_string(listed) + " by patient id; " +
           std::to_string(e.not_evaluable.size() - listed) +
           " more are in the JSON report (--format json).</p>\n";
  }
  return out;
}

}  // namespace

std::string to_html(const cohort::CohortResult& r) {
  const auto& p = r.provenance;
  const auto& in = r.input;
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"";
  out += kSecurityPolicy;
  out +=
      "\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>khe-cds cohort analysis</title>\n<style>";
  out += kStyle;
  out += "</style>\n</head>\n<body>\n<h1>Cohort analysis</h1>\n";
  out += "<p class=\"sub\">" + esc(std::string("Grouping: ") + grouping_label(r.by)) + ", as of " +
         esc(format_instant(p.as_of)) + "; " + std::to_string(in.patients) +
         " patients read.</p>\n";

  std::string km_data = "[";
  bool any_km = false;
  for (const auto& e : r.endpoints) {
    const std::string name = cohort::name(e.endpoint);
    const bool tte = cohort::is_time_to_event(e.endpoint);
    out += "<section class=\"endpoint\" id=\"endpoint-" + name + "\">\n<h2>" +
           esc(endpoint_label(e.endpoint)) + "<span class=\"key\">" + name + "</span></h2>\n";
    if (tte) out += "<p class=\"sub\">Days from the start of KMP-directed therapy (day 0).</p>\n";
    if (e.groups.empty()) {
      out += "<p class=\"none\">No group has a patient.</p>\n";
    } else if (tte) {
      out += km_tables(e, r.confidence);
      if (any_km) km_data += ",";
      km_data += km_chart_json(e, r.confidence);
      any_km = true;
    } else {
      out += binary_tables(e, r.confidence);
    }
    out += not_evaluable(e);
    out += "</section>\n";
  }
  km_data += "]";

  out += "<section class=\"input\">\n<h2>Input</h2>\n<ul>\n";
  out += "<li>" + std::to_string(in.files) + (in.files == 1 ? " file, " : " files, ") +
         esc(bytes_text(in.bytes)) + ", " + std::to_string(in.resources) + " resources</li>\n";
  out += "<li>" + std::to_string(in.patients) + " patients, of them " +
         std::to_string(in.unreadable) + " with an unreadable record</li>\n";
  out += "<li>" + std::to_string(in.orphans) +
         " resources naming no patient of the input (counted, not used)</li>\n";
  out += "</ul>\n</section>\n";
  out += "<footer>\n<div>Provenance: engine " + esc(p.engine_version) + ", knowledge " +
         esc(p.knowledge_version) + ", profile " + esc(p.profile) + ", as of " +
         esc(format_instant(p.as_of)) + ", input SHA-256 " + esc(in.sha256) + "</div>\n";
  for (const auto& c : r.combined_from) {
    out += "<div>Combined from " + esc(c.file) + ": as of " + esc(format_instant(c.as_of)) +
           ", input SHA-256 " + esc(c.input_sha256) + "</div>\n";
  }
  out += "<div>Intervals: Wilson score for proportions, " + esc(stats::kNewcombeMethod) +
         " for differences, Kaplan-Meier with Greenwood variance (log) for time to event.</div>\n";
  out +=
      "<div class=\"reminder\">Statistics describe the cohort; they decide nothing for any "
      "one patient.</div>\n</footer>\n";
  if (any_km) {
    out += "<script type=\"application/json\" id=\"khe-cohort-km\">\n";
    out += write::script_safe_json(km_data);
    out += "\n</script>\n<script>";
    out += write::chart_library_js();
    out += "</script>\n<script>";
    out += write::chart_module_js();
    out += "</script>\n<script>";
    out += kChartInit;
    out += "</script>\n";
  }
  out += "</body>\n</html>\n";
  return out;
}

}  // namespace khe::cohort_write
