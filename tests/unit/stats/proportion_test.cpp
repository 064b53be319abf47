// Wilson and Newcombe intervals, hand-worked values and properties.
#include "stats/proportion.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

namespace khe::stats {
namespace {

double round3(double x) { return std::round(x * 1000.0) / 1000.0; }

TEST(StatsProportion, WilsonKnownValue) {
  // R: prop.test(35, 37, correct = FALSE)$conf.int = 0.8229... 0.9850...
  const Proportion p = proportion(35, 37);
  EXPECT_EQ(p.n, 37);
  EXPECT_EQ(p.events, 35);
  EXPECT_DOUBLE_EQ(p.estimate, 35.0 / 37.0);
  EXPECT_NEAR(p.ci.low, 0.8229, 1e-4);
  EXPECT_NEAR(p.ci.high, 0.9850, 1e-4);
}

TEST(StatsProportion, WilsonZeroAndAll) {
  // 0/10: [0, z^2 / (n + z^2)]; 10/10: [n / (n + z^2), 1].
  const double z2 = 1.959963984540054 * 1.959963984540054;
  const Proportion none = proportion(0, 10);
  EXPECT_EQ(none.ci.low, 0.0);
  EXPECT_NEAR(none.ci.high, z2 / (10 + z2), 1e-12);
  EXPECT_NEAR(none.ci.high, 0.2775, 1e-4);
  const Proportion all = proportion(10, 10);
  EXPECT_EQ(all.ci.high, 1.0);
  EXPECT_NEAR(all.ci.low, 10 / (10 + z2), 1e-12);
}

TEST(StatsProportion, NewcombeTrialNumbers) {
  // The trial: 35/37 vs 24/36, published as a difference of 27.9% (10.0-44.7%).
  const Difference d = newcombe_difference(35, 37, 24, 36);
  EXPECT_NEAR(d.difference, 0.27928, 1e-5);
  EXPECT_EQ(round3(d.difference), 0.279);
  EXPECT_EQ(round3(d.ci.low), 0.099);
  EXPECT_EQ(round3(d.ci.high), 0.447);
  // Unrounded (R, from prop.test's Wilson intervals): 0.0994538 .. 0.4472217.
  EXPECT_NEAR(d.ci.low, 0.0994538, 1e-7);
  EXPECT_NEAR(d.ci.high, 0.4472217, 1e-7);
}

TEST(StatsProportion, NewcombeIsAntisymmetric) {
  const Difference a = newcombe_difference(7, 20, 12, 25);
  const Difference b = newcombe_difference(12, 25, 7, 20);
  EXPECT_DOUBLE_EQ(a.difference, -b.difference);
  EXPECT_NEAR(a.ci.low, -b.ci.high, 1e-15);
  EXPECT_NEAR(a.ci.high, -b.ci.low, 1e-15);
}

TEST(StatsProportion, WilsonContainsEstimateWithinUnitInterval) {
  for (int n = 1; n <= 60; ++n) {
    for (int x = 0; x <= n; ++x) {
      for (double conf : {0.8, 0.9, 0.95, 0.99}) {
        const Proportion p = proportion(x, n, conf);
        ASSERT_LE(0.0, p.ci.low) << x << "/" << n;
        ASSERT_LE(p.ci.low, p.estimate) << x << "/" << n;
        ASSERT_LE(p.estimate, p.ci.high) << x << "/" << n;
        ASSERT_LE(p.ci.high, 1.0) << x << "/" << n;
        const Difference d = newcombe_difference(x, n, n / 2, n, conf);
        ASSERT_LE(d.ci.low, d.difference);
        ASSERT_LE(d.difference, d.ci.high);
        ASSERT_LE(-1.0, d.ci.low);
        ASSERT_LE(d.ci.high, 1.0);
      }
    }
  }
}

TEST(StatsProportion, WiderWithMoreConfidence) {
  const Proportion a = proportion(12, 40, 0.9), b = proportion(12, 40, 0.99);
  EXPECT_LT(b.ci.low, a.ci.low);
  EXPECT_GT(b.ci.high, a.ci.high);
}

TEST(StatsProportion, PreconditionsThrow) {
  EXPECT_THROW(proportion(1, 0), std::invalid_argument);
  EXPECT_THROW(proportion(-1, 5), std::invalid_argument);
  EXPECT_THROW(proportion(6, 5), std::invalid_argument);
  EXPECT_THROW(proportion(1, 5, 1.0), std::invalid_argument);
  EXPECT_THROW(proportion(1, 5, 0.0), std::invalid_argument);
  EXPECT_THROW(newcombe_difference(1, 5, 3, 2), std::invalid_argument);
}

}  // namespace
}  // namespace khe::stats
