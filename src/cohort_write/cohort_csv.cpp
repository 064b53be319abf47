#include "cohort_write/cohort_csv.h"

#include <array>
#include <cmath>
#include <cstdio>
#include <optional>

#include "cohort_write/format.h"
#include "write/number.h"

namespace khe::cohort_write {
namespace {

// The columns, in order (docs/cohort.md describes each).
enum Column {
  kRow,
  kEndpoint,
  kGroup,
  kGroup2,
  kPatients,
  kNotEvaluable,
  kN,
  kResponders,
  kProportion,
  kDifference,
  kCiLow,
  kCiHigh,
  kMedian,
  kMedianCiLow,
  kMedianCiHigh,
  kChiSquare,
  kDf,
  kP,
  kMethod,
  kTest,
  kConfidence,
  kColumns
};
constexpr std::array<const char*, kColumns> kHeader = {
    "row",    "endpoint",      "group",          "group2",     "patients", "not_evaluable",
    "n",      "responders",    "proportion",     "difference", "ci_low",   "ci_high",
    "median", "median_ci_low", "median_ci_high", "chi_square", "df",       "p",
    "method", "test",          "confidence"};

constexpr const char* kWilson = "Wilson score";
constexpr const char* kKaplanMeier = "Kaplan-Meier (Greenwood; log CI)";
constexpr const char* kFisher = "Fisher exact (two-sided)";
constexpr const char* kLogRank = "log-rank";

using Row = std::array<std::string, kColumns>;

std::string num(double v, int decimals) {
  return std::isfinite(v) ? write::format_number(v, decimals) : std::string();
}
std::string num(const std::optional<double>& v, int decimals) {
  return v ? num(*v, decimals) : std::string();
}
std::string p_num(double p) {
  if (!std::isfinite(p)) return "";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", kPSignificant, p);
  return buf;
}

void emit(std::string& out, const Row& row) {
  for (int c = 0; c < kColumns; ++c) {
    if (c > 0) out += ',';
    out += csv_field(row[c]);
  }
  out += "\r\n";
}

Row start(const char* kind, const cohort::EndpointResult& e, double confidence) {
  Row r;
  r[kRow] = kind;
  r[kEndpoint] = cohort::name(e.endpoint);
  r[kConfidence] = num(confidence, kProportionDecimals);
  return r;
}

}  // namespace

std::string csv_field(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string to_csv(const cohort::CohortResult& result) {
  std::string out;
  Row header;
  for (int c = 0; c < kColumns; ++c) header[c] = kHeader[c];
  emit(out, header);
  for (const auto& e : result.endpoints) {
    const bool tte = cohort::is_time_to_event(e.endpoint);
    for (const auto& g : e.groups) {
      Row r = start("group", e, result.confidence);
      r[kGroup] = g.group;
      r[kPatients] = std::to_string(g.patients);
      r[kNotEvaluable] = std::to_string(g.not_evaluable);
      r[kN] = std::to_string(evaluable(g));
      r[kResponders] = std::to_string(responders(g));
      if (tte) {
        r[kMethod] = kKaplanMeier;
        if (g.kaplan_meier) {
          r[kMedian] = num(g.kaplan_meier->median, kTimeDecimals);
          r[kMedianCiLow] = num(g.kaplan_meier->median_low, kTimeDecimals);
          r[kMedianCiHigh] = num(g.kaplan_meier->median_high, kTimeDecimals);
        }
      } else {
        r[kMethod] = kWilson;
        if (g.proportion) {
          r[kProportion] = num(g.proportion->estimate, kProportionDecimals);
          r[kCiLow] = num(g.proportion->ci.low, kProportionDecimals);
          r[kCiHigh] = num(g.proportion->ci.high, kProportionDecimals);
        }
      }
      emit(out, r);
    }
  }
  for (const auto& e : result.endpoints) {
    for (const auto& c : e.comparisons) {
      Row r = start("comparison", e, result.confidence);
      r[kGroup] = c.group1;
      r[kGroup2] = c.group2;
      r[kDifference] = num(c.difference.difference, kProportionDecimals);
      r[kCiLow] = num(c.difference.ci.low, kProportionDecimals);
      r[kCiHigh] = num(c.difference.ci.high, kProportionDecimals);
      r[kP] = p_num(c.fisher_p);
      r[kMethod] = c.method;
      r[kTest] = kFisher;
      emit(out, r);
    }
  }
  for (const auto& e : result.endpoints) {
    if (!e.log_rank) continue;
    Row r = start("log_rank", e, result.confidence);
    r[kChiSquare] = num(e.log_rank->chi_square, kStatisticDecimals);
    r[kDf] = std::to_string(e.log_rank->df);
    r[kP] = p_num(e.log_rank->p);
    r[kTest] = kLogRank;
    emit(out, r);
  }
  return out;
}

}  // namespace khe::cohort_write
