// What the cohort writers share: the human names of endpoints and groupings, the rounding
// of the figures (one place, so JSON, CSV, text and HTML show the same numbers) and the
// summary of not-evaluable reasons. Display only: nothing here decides anything.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cohort/cohort.h"

namespace khe::cohort_write {

// Decimals of the machine forms (JSON, CSV). Proportions, intervals, differences and
// survival: 6 places; times (days): 4 places; p-values: 6 significant digits (a p of 1e-12
// must not round to 0).
inline constexpr int kProportionDecimals = 6;
inline constexpr int kTimeDecimals = 4;
inline constexpr int kStatisticDecimals = 6;
inline constexpr int kPSignificant = 6;

// `v` rounded to `digits` significant digits (non-finite values unchanged, -0 becomes 0).
double round_significant(double v, int digits);

// "Durable platelet response at week 4"
const char* endpoint_label(cohort::Endpoint e);
// The column of the patients with the endpoint: "responders", "relapsed", "stabilized".
const char* responders_label(cohort::Endpoint e);
// "by arm (ResearchSubject)", "by first-line regimen", "all patients as one group"
const char* grouping_label(cohort::Grouping g);

// "94.6%" (one decimal); "-" when not finite.
std::string percent(double proportion);
// A p-value for reading: "0.0032", "0.41", "< 0.0001".
std::string p_text(double p);
// "95%" for 0.95, "90%", "97.5%".
std::string confidence_text(double confidence);
// "1.2 MB", "850 kB", "312 B" (decimal units).
std::string bytes_text(std::uint64_t bytes);
// Days, rounded to at most 1 decimal: "14", "10.5"; "not reached" when empty.
std::string days_text(const std::optional<double>& days);

// The median's interval: "7 to 21", "7 to not reached"; an absent lower bound (the curve's
// band never defined there) is "-"; "-" for an empty curve.
std::string median_ci_text(const stats::KaplanMeier& km);

// Each distinct reason of `list` with its count, most frequent first (ties by reason).
std::vector<std::pair<std::string, int>> reason_counts(
    const std::vector<cohort::NotEvaluable>& list);

// The not-evaluable patients of an endpoint counted by reason (from the list, or the counts
// of a combined result, which has no list), and their number.
std::vector<std::pair<std::string, int>> reason_counts(const cohort::EndpointResult& e);
std::int64_t not_evaluable_total(const cohort::EndpointResult& e);

// Evaluable patients and those with the endpoint, for a binary endpoint's group (0 and 0
// when the group has no evaluable patient).
int evaluable(const cohort::GroupResult& g);
int responders(const cohort::GroupResult& g);

}  // namespace khe::cohort_write
