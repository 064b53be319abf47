// Target attainment simulation (src/pk/pta.h) on the embedded Fan 2024 and Chen 2020 models.
#include "pk/pta.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <tuple>
#include <vector>

#include "pk/pk_test_support.h"
#include "pk/predict.h"

namespace khe::pk {
namespace {

using testing::chen;
using testing::fan;

PtaOptions base() {
  PtaOptions o;
  o.weight_min_kg = 5;
  o.weight_max_kg = 20;
  o.mg_per_kg_day = 0.06;
  o.interval_h = 12;
  o.target_low_ng_per_ml = 5;
  o.target_high_ng_per_ml = 15;
  o.n = 20000;
  o.seed = 42;
  return o;
}

PtaResult run(const Model& m, const PtaOptions& o) {
  auto r = simulate_pta(m, o);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string());
  return r.ok() ? *r : PtaResult{};
}

TEST(PkPta, PercentagesSumToHundredAndCountsToN) {
  for (double dose : {0.02, 0.06, 0.2}) {
    PtaOptions o = base();
    o.mg_per_kg_day = dose;
    const PtaResult r = run(fan(), o);
    EXPECT_EQ(r.below + r.within + r.above, o.n);
    EXPECT_NEAR(r.below_pct + r.within_pct + r.above_pct, 100.0, 1e-9);
    ASSERT_EQ(r.quantiles.size(), 7u);
    for (std::size_t i = 1; i < r.quantiles.size(); ++i)
      EXPECT_LE(r.quantiles[i - 1].ng_per_ml, r.quantiles[i].ng_per_ml);
  }
}

TEST(PkPta, DeterministicForASeed) {
  const PtaResult a = run(fan(), base());
  const PtaResult b = run(fan(), base());
  EXPECT_EQ(a.below, b.below);
  EXPECT_EQ(a.within, b.within);
  EXPECT_EQ(std::memcmp(&a.mean_ng_per_ml, &b.mean_ng_per_ml, sizeof(double)), 0);
  for (std::size_t i = 0; i < a.quantiles.size(); ++i)
    EXPECT_EQ(std::memcmp(&a.quantiles[i].ng_per_ml, &b.quantiles[i].ng_per_ml, sizeof(double)), 0);
  PtaOptions other = base();
  other.seed = 43;
  EXPECT_NE(run(fan(), other).mean_ng_per_ml, a.mean_ng_per_ml);
  // The counts-only path draws the same stream.
  auto c = simulate_pta_counts(fan(), base());
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->within, a.within);
  EXPECT_EQ(c->mean_ng_per_ml, a.mean_ng_per_ml);
}

// No IIV, no residual error, one weight: every child is the typical child, so the result
// is the classification of the analytic steady-state trough (predict.h).
TEST(PkPta, NoVariabilityEqualsAnalyticTrough) {
  for (const Model* m : {&fan(), &chen()}) {
    PtaOptions o = base();
    o.weight_min_kg = o.weight_max_kg = 12.5;
    o.inter_individual_variability = false;
    o.residual_error = false;
    o.n = 1000;
    const double c =
        steady_state_trough(testing::typical(*m, 12.5), Milligrams(0.06 * 12.5 / 2), Hours(12))
            .value;
    for (auto [lo, hi, expected] : std::vector<std::tuple<double, double, int>>{
             {c * 0.5, c * 2, 1}, {c * 1.1, c * 2, 0}, {0.0, c * 0.9, 2}}) {
      o.target_low_ng_per_ml = lo;
      o.target_high_ng_per_ml = hi;
      const PtaResult r = run(*m, o);
      EXPECT_EQ(r.below_pct, expected == 0 ? 100.0 : 0.0) << m->id;
      EXPECT_EQ(r.within_pct, expected == 1 ? 100.0 : 0.0) << m->id;
      EXPECT_EQ(r.above_pct, expected == 2 ? 100.0 : 0.0) << m->id;
      for (const PtaQuantile& q : r.quantiles) EXPECT_NEAR(q.ng_per_ml, c, 1e-12 * c);
    }
  }
}

// A weight range without variability: the quantiles are those of the typical trough over
// the weights (monotone in weight for Fan 2024), so the median is the trough at the median
// weight up to Monte Carlo error.
TEST(PkPta, WeightRangeWithoutVariabilityMatchesTypicalMedian) {
  PtaOptions o = base();
  o.inter_individual_variability = false;
  o.residual_error = false;
  o.n = 100000;
  const PtaResult r = run(fan(), o);
  const double mid =
      steady_state_trough(testing::typical(fan(), 12.5), Milligrams(0.06 * 12.5 / 2), Hours(12))
          .value;
  EXPECT_NEAR(r.quantiles[3].ng_per_ml, mid, 0.01 * mid);
}

TEST(PkPta, HigherDoseMoreAbove) {
  double previous_above = -1.0, previous_below = 101.0;
  for (double dose : {0.03, 0.06, 0.09, 0.12}) {
    PtaOptions o = base();
    o.mg_per_kg_day = dose;
    const PtaResult r = run(fan(), o);
    EXPECT_GT(r.above_pct, previous_above) << dose;
    EXPECT_LT(r.below_pct, previous_below) << dose;
    previous_above = r.above_pct;
    previous_below = r.below_pct;
  }
}

TEST(PkPta, CategoricalCovariate) {
  PtaOptions o = base();
  o.mg_per_kg_day = 0.1;
  const PtaResult non = run(chen(), o);
  o.categories["CYP3A5"] = "expresser";  // clearance × 1.999 → lower troughs
  const PtaResult expr = run(chen(), o);
  EXPECT_LT(expr.quantiles[3].ng_per_ml, non.quantiles[3].ng_per_ml);
  o.categories["CYP3A5"] = "unknown-category";
  EXPECT_FALSE(simulate_pta(chen(), o).ok());
}

// sirolimus-pk.md §2.3/§4.2: with the paper's Table 4 q12h doses (target 5–15 ng/mL) the
// typical trough is 8.6–9.7 ng/mL in every weight band and the paper reports a target
// attainment of about 77 %. We get 73–75 % per band (uniform weights, IIV and the additive
// residual error of 3.41 ng/mL, which dominates the spread: without it nearly every child
// would be in range). Tolerance ±5 percentage points: our Monte Carlo error at
// n = 200 000 is < 0.2 points; the rest covers what the paper does not publish (weight
// distribution within each band, whether its 77 % pooled the bands, rounding of "about").
TEST(PkPta, FanTable4DosesGiveAbout77PercentIn5To15) {
  struct Band {
    double lo, hi, dose;
  };
  for (const Band& b :
       {Band{3.3, 10, 0.05}, Band{10, 20, 0.06}, Band{20, 40, 0.07}, Band{40, 65, 0.08}}) {
    PtaOptions o = base();
    o.weight_min_kg = b.lo;
    o.weight_max_kg = b.hi;
    o.mg_per_kg_day = b.dose;
    o.n = 200000;
    const PtaResult r = run(fan(), o);
    EXPECT_NEAR(r.within_pct, 77.0, 5.0) << b.lo << "-" << b.hi << " kg";
  }
}

TEST(PkPta, BadArgumentsAreErrors) {
  auto bad = [](auto change) {
    PtaOptions o = base();
    change(o);
    return !simulate_pta(fan(), o).ok() && !simulate_pta_counts(fan(), o).ok();
  };
  EXPECT_TRUE(bad([](PtaOptions& o) { o.weight_min_kg = 30; }));  // A > B
  EXPECT_TRUE(bad([](PtaOptions& o) { o.weight_min_kg = 0; }));
  EXPECT_TRUE(bad([](PtaOptions& o) { o.weight_max_kg = std::nan(""); }));
  EXPECT_TRUE(bad([](PtaOptions& o) { o.mg_per_kg_day = 0; }));
  EXPECT_TRUE(bad([](PtaOptions& o) { o.mg_per_kg_day = -0.1; }));
  EXPECT_TRUE(bad([](PtaOptions& o) { o.interval_h = 0; }));
  EXPECT_TRUE(bad([](PtaOptions& o) { o.n = 0; }));
  EXPECT_TRUE(bad([](PtaOptions& o) { o.n = kPtaMaxChildren + 1; }));
  EXPECT_TRUE(bad([](PtaOptions& o) { o.target_low_ng_per_ml = 15; }));  // LOW == HIGH
  EXPECT_TRUE(bad([](PtaOptions& o) { o.target_low_ng_per_ml = -1; }));
  EXPECT_TRUE(bad([](PtaOptions& o) { o.target_high_ng_per_ml = INFINITY; }));
  EXPECT_FALSE(bad([](PtaOptions&) {}));
}

}  // namespace
}  // namespace khe::pk
