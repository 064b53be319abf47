// Fisher's exact test: known p values, symmetry, large tables.
#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>

#include "stats/proportion.h"

namespace khe::stats {
namespace {

TEST(StatsFisher, TeaTasting) {
  // R: fisher.test(matrix(c(3, 1, 1, 3), 2))$p.value = 0.4857143 (= 34/70).
  EXPECT_NEAR(fisher_exact_two_sided(3, 1, 1, 3), 34.0 / 70.0, 1e-12);
}

TEST(StatsFisher, SmallTablesKnownValues) {
  // R: fisher.test(matrix(c(1, 9, 11, 3), 2))$p.value = 0.002759456.
  EXPECT_NEAR(fisher_exact_two_sided(1, 11, 9, 3), 0.002759456, 1e-9);
  // Margins forcing one table: p = 1.
  EXPECT_DOUBLE_EQ(fisher_exact_two_sided(0, 0, 0, 0), 1.0);
  EXPECT_DOUBLE_EQ(fisher_exact_two_sided(5, 0, 0, 0), 1.0);
  // The trial: 35/37 vs 24/36 responders. R: fisher.test(matrix(c(35, 24, 2, 12), 2)).
  EXPECT_NEAR(fisher_exact_two_sided(35, 2, 24, 12), 0.002859556, 1e-9);
}

TEST(StatsFisher, SymmetricUnderTransposeAndSwap) {
  for (int a = 0; a < 6; ++a) {
    for (int b = 0; b < 6; ++b) {
      const double p = fisher_exact_two_sided(a, b, 4, 2);
      EXPECT_NEAR(p, fisher_exact_two_sided(a, 4, b, 2), 1e-12);
      EXPECT_NEAR(p, fisher_exact_two_sided(4, 2, a, b), 1e-12);
      EXPECT_NEAR(p, fisher_exact_two_sided(b, a, 2, 4), 1e-12);
      EXPECT_GT(p, 0.0);
      EXPECT_LE(p, 1.0);
    }
  }
}

TEST(StatsFisher, LargeTablesAreAccurateAndFast) {
  const auto start = std::chrono::steady_clock::now();
  // Equal proportions in thousands: p near 1; very different ones: p tiny but positive.
  EXPECT_NEAR(fisher_exact_two_sided(1500, 1500, 1500, 1500), 1.0, 1e-9);
  const double tiny = fisher_exact_two_sided(1200, 800, 800, 1200);
  // R: fisher.test(matrix(c(1200, 800, 800, 1200), 2))$p.value = 9.890213e-37.
  EXPECT_NEAR(tiny / 9.890213e-37, 1.0, 1e-6);
  for (int i = 0; i < 50; ++i) (void)fisher_exact_two_sided(2000 + i, 3000, 2500, 2600 - i);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(StatsFisher, NegativeCountThrows) {
  EXPECT_THROW(fisher_exact_two_sided(-1, 1, 1, 1), std::invalid_argument);
}

}  // namespace
}  // namespace khe::stats
