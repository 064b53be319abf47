// Time-to-event statistics: Kaplan-Meier curves (Greenwood variance, R survfit's defaults)
// and the log-rank test. Computed from a table of distinct times with counts, not from
// individual patients, so tables from several centres can be summed and give exactly the
// pooled analysis (the federated cohort of issue 7).
#pragma once

#include <optional>
#include <vector>

#include "stats/proportion.h"

namespace khe::stats {

// One subject's follow-up: `time` (days, >= 0) to the event, or to censoring.
struct Survival {
  double time = 0.0;
  bool event = false;
};

// Counts at one distinct time: events and censorings at exactly that time. A table holds
// each time once, in increasing order (invariant kept by tabulate() and add()).
struct TimeCount {
  double time = 0.0;
  int events = 0;
  int censored = 0;
};
using SurvivalTable = std::vector<TimeCount>;

SurvivalTable tabulate(const std::vector<Survival>& subjects);
// The table of the union of the subjects of `a` and `b`.
SurvivalTable add(const SurvivalTable& a, const SurvivalTable& b);

// One step of the Kaplan-Meier curve, at a time with at least one event.
struct KmStep {
  double time = 0.0;
  int at_risk = 0;
  int events = 0;
  double survival = 1.0;  // S(t) just after `time`
  double std_err = 0.0;   // Greenwood standard error of S(t)
  Interval ci;            // pointwise, R survfit's default conf.type = "log", clipped to [0, 1]
};

struct KaplanMeier {
  int n = 0;
  int events = 0;
  std::vector<KmStep> steps;
  // Median time to event and its confidence interval as R's print(survfit) reports them
  // (the first time the curve, resp. the lower and upper bands, fall to 0.5 or below, with
  // R's averaging when a curve sits exactly at 0.5); empty when never reached.
  std::optional<double> median;
  std::optional<double> median_low;
  std::optional<double> median_high;
};
// std_err is the Greenwood standard error of S(t) itself, S * sqrt(sum d / (n (n - d))); R's
// survfit()$std.err is sqrt(sum ...), that of the cumulative hazard. Where S(t) = 0, R's band
// is NA: here std_err = 0 and ci = [0, 0]. Precondition: a valid table, 0 < confidence < 1;
// violations throw std::invalid_argument (as do tabulate() on a negative or non-finite time
// and add() on a table out of order).
KaplanMeier kaplan_meier(const SurvivalTable& table, double confidence = 0.95);

// The log-rank test of equal hazards across groups (R's survdiff with rho = 0).
struct LogRank {
  std::vector<int> observed;     // events per group
  std::vector<double> expected;  // expected events per group under the null
  double chi_square = 0.0;
  // groups - 1, counting as R does only the groups with expected > 0 (so an empty group, or
  // one whose subjects all left before the first event, adds no degree of freedom).
  int df = 0;
  double p = 1.0;  // 1 when df < 1 or the variance is singular (chi_square then 0)
};
// Precondition: at least two groups, each table valid (increasing distinct times >= 0, counts
// >= 0); violations throw std::invalid_argument. Groups with no subjects count as groups with
// nothing.
LogRank log_rank(const std::vector<SurvivalTable>& groups);

}  // namespace khe::stats
