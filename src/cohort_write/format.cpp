#include "cohort_write/format.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>

#include "write/number.h"

namespace khe::cohort_write {

double round_significant(double v, int digits) {
  if (!std::isfinite(v) || v == 0.0) return v == 0.0 ? 0.0 : v;
  // Through the decimal text, so the result is the double nearest the printed digits.
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*e", digits - 1, v);
  const double r = std::strtod(buf, nullptr);
  return r == 0.0 ? 0.0 : r;
}

const char* endpoint_label(cohort::Endpoint e) {
  switch (e) {
    case cohort::Endpoint::durable_platelet_response_week4:
      return "Durable platelet response at week 4";
    case cohort::Endpoint::platelet_response:
      return "Platelet response";
    case cohort::Endpoint::fibrinogen_stabilized:
      return "Fibrinogen stabilized";
    case cohort::Endpoint::relapse:
      return "Relapse";
    case cohort::Endpoint::time_to_platelet_response:
      return "Time to platelet response";
  }
  return "Endpoint";
}

const char* responders_label(cohort::Endpoint e) {
  switch (e) {
    case cohort::Endpoint::relapse:
      return "relapsed";
    case cohort::Endpoint::fibrinogen_stabilized:
      return "stabilized";
    case cohort::Endpoint::time_to_platelet_response:
      return "responded";
    case cohort::Endpoint::durable_platelet_response_week4:
    case cohort::Endpoint::platelet_response:
      break;
  }
  return "responders";
}

const char* grouping_label(cohort::Grouping g) {
  switch (g) {
    case cohort::Grouping::arm:
      return "by arm (ResearchSubject)";
    case cohort::Grouping::regimen:
      return "by first-line regimen";
    case cohort::Grouping::none:
      break;
  }
  return "all patients as one group";
}

std::string percent(double proportion) {
  if (!std::isfinite(proportion)) return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f%%", write::round_to(100.0 * proportion, 1));
  return buf;
}

std::string p_text(double p) {
  if (!std::isfinite(p)) return "-";
  if (p < 0.0001) return "< 0.0001";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2g", p);  // "0.0032", "0.041", "0.41", "1"
  return buf;
}

std::string confidence_text(double confidence) {
  return write::format_number(100.0 * confidence, 2) + "%";
}

std::string bytes_text(std::uint64_t bytes) {
  const double b = static_cast<double>(bytes);
  if (b >= 1e9) return write::format_number(b / 1e9, 2) + " GB";
  if (b >= 1e6) return write::format_number(b / 1e6, 1) + " MB";
  if (b >= 1e3) return write::format_number(b / 1e3, 0) + " kB";
  return std::to_string(bytes) + " B";
}

std::string days_text(const std::optional<double>& days) {
  if (!days || !std::isfinite(*days)) return "not reached";
  return write::format_number(*days, 1);
}

std::string median_ci_text(const stats::KaplanMeier& km) {
  if (km.n == 0) return "-";
  return (km.median_low ? days_text(km.median_low) : std::string("-")) + " to " +
         days_text(km.median_high);
}

std::vector<std::pair<std::string, int>> reason_counts(
    const std::vector<cohort::NotEvaluable>& list) {
  std::map<std::string, int> counts;
  for (const auto& n : list) ++counts[n.reason];
  std::vector<std::pair<std::string, int>> out(counts.begin(), counts.end());
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  return out;
}

std::vector<std::pair<std::string, int>> reason_counts(const cohort::EndpointResult& e) {
  if (e.not_evaluable_counts) return *e.not_evaluable_counts;
  return reason_counts(e.not_evaluable);
}

std::int64_t not_evaluable_total(const cohort::EndpointResult& e) {
  if (!e.not_evaluable_counts) return static_cast<std::int64_t>(e.not_evaluable.size());
  std::int64_t total = 0;
  for (const auto& [reason, count] : *e.not_evaluable_counts) total += count;
  return total;
}

int evaluable(const cohort::GroupResult& g) {
  if (g.proportion) return g.proportion->n;
  if (g.kaplan_meier) return g.kaplan_meier->n;
  return 0;
}

int responders(const cohort::GroupResult& g) {
  if (g.proportion) return g.proportion->events;
  if (g.kaplan_meier) return g.kaplan_meier->events;
  return 0;
}

}  // namespace khe::cohort_write
