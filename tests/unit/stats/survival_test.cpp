// Survival tables, Kaplan-Meier and log-rank: hand-worked values (checked in R) and
// properties on random data.
#include "stats/survival.h"

#include <gtest/gtest.h>

#include <random>
#include <stdexcept>

namespace khe::stats {
namespace {

std::vector<Survival> subjects(const std::vector<double>& t, const std::vector<int>& e) {
  std::vector<Survival> out;
  for (std::size_t i = 0; i < t.size(); ++i) out.push_back({t[i], e[i] != 0});
  return out;
}

bool same(const SurvivalTable& a, const SurvivalTable& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].time != b[i].time || a[i].events != b[i].events || a[i].censored != b[i].censored) {
      return false;
    }
  }
  return true;
}

std::vector<Survival> random_subjects(std::mt19937_64& rng, int max_n) {
  std::vector<Survival> out(rng() % static_cast<unsigned>(max_n + 1));
  for (auto& s : out) {
    s.time = static_cast<double>(rng() % 20);
    s.event = rng() % 3 != 0;
  }
  return out;
}

TEST(StatsSurvivalTable, TabulateSortsAndCounts) {
  const SurvivalTable t = tabulate(subjects({5, 2, 2, 0, 5, 2}, {0, 1, 0, 1, 1, 1}));
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[0].time, 0.0);
  EXPECT_EQ(t[0].events, 1);
  EXPECT_EQ(t[1].time, 2.0);
  EXPECT_EQ(t[1].events, 2);
  EXPECT_EQ(t[1].censored, 1);
  EXPECT_EQ(t[2].events, 1);
  EXPECT_EQ(t[2].censored, 1);
  EXPECT_TRUE(tabulate({}).empty());
}

TEST(StatsSurvivalTable, AddEqualsTabulateOfUnion) {
  std::mt19937_64 rng(20240601);
  for (int i = 0; i < 500; ++i) {
    const auto a = random_subjects(rng, 30), b = random_subjects(rng, 30);
    auto both = a;
    both.insert(both.end(), b.begin(), b.end());
    ASSERT_TRUE(same(add(tabulate(a), tabulate(b)), tabulate(both)));
    ASSERT_TRUE(same(add(tabulate(b), tabulate(a)), tabulate(both)));
  }
}

TEST(StatsSurvivalTable, PreconditionsThrow) {
  EXPECT_THROW(tabulate({{-1.0, true}}), std::invalid_argument);
  EXPECT_THROW(tabulate({{std::nan(""), true}}), std::invalid_argument);
  const SurvivalTable unsorted = {{3, 1, 0}, {1, 1, 0}};
  EXPECT_THROW(add(unsorted, {}), std::invalid_argument);
  EXPECT_THROW(kaplan_meier(unsorted), std::invalid_argument);
  EXPECT_THROW(kaplan_meier({{1, -1, 0}}), std::invalid_argument);
  EXPECT_THROW(kaplan_meier({{1, 1, 0}}, 1.5), std::invalid_argument);
  EXPECT_THROW(log_rank({tabulate({{1, true}})}), std::invalid_argument);
}

TEST(StatsKaplanMeier, HandWorkedMatchesR) {
  // R: summary(survfit(Surv(c(1,2,2,3,4,5,6), c(1,1,0,1,1,0,1)) ~ 1)).
  const KaplanMeier km =
      kaplan_meier(tabulate(subjects({1, 2, 2, 3, 4, 5, 6}, {1, 1, 0, 1, 1, 0, 1})));
  EXPECT_EQ(km.n, 7);
  EXPECT_EQ(km.events, 5);
  ASSERT_EQ(km.steps.size(), 5u);
  const double surv[] = {0.8571428571, 0.7142857143, 0.5357142857, 0.3571428571, 0.0};
  const double se[] = {0.1322600143, 0.1707469442, 0.2007865365, 0.1979302525, 0.0};
  const double low[] = {0.6334465290, 0.4470909479, 0.2569813362, 0.1205319178, 0.0};
  const int at_risk[] = {7, 6, 4, 3, 1};
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(km.steps[i].at_risk, at_risk[i]);
    EXPECT_NEAR(km.steps[i].survival, surv[i], 1e-9);
    EXPECT_NEAR(km.steps[i].std_err, se[i], 1e-9);
    EXPECT_NEAR(km.steps[i].ci.low, low[i], 1e-9);
    EXPECT_EQ(km.steps[i].ci.high, i < 4 ? 1.0 : 0.0);
  }
  // summary(fit)$table: median 4, 0.95LCL 2, 0.95UCL NA.
  EXPECT_EQ(km.median, 4.0);
  EXPECT_EQ(km.median_low, 2.0);
  EXPECT_FALSE(km.median_high.has_value());
}

TEST(StatsKaplanMeier, MedianAveragesWhereCurveSitsAtHalf) {
  // R: 4 events at 1..4: S = 0.5 on [2, 3) so the median is 2.5; LCL 1, UCL NA.
  const KaplanMeier km = kaplan_meier(tabulate(subjects({1, 2, 3, 4}, {1, 1, 1, 1})));
  EXPECT_EQ(km.median, 2.5);
  EXPECT_EQ(km.median_low, 1.0);
  EXPECT_FALSE(km.median_high.has_value());
}

TEST(StatsKaplanMeier, MedianNotReachedAndEmpty) {
  const KaplanMeier km = kaplan_meier(tabulate(subjects({1, 2, 3, 4, 5}, {1, 0, 0, 0, 0})));
  EXPECT_FALSE(km.median.has_value());
  const KaplanMeier none = kaplan_meier({});
  EXPECT_EQ(none.n, 0);
  EXPECT_TRUE(none.steps.empty());
  EXPECT_FALSE(none.median.has_value());
}

TEST(StatsKaplanMeier, SurvivalNonIncreasingWithinBand) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 500; ++i) {
    const KaplanMeier km = kaplan_meier(tabulate(random_subjects(rng, 40)));
    double previous = 1.0;
    for (const KmStep& s : km.steps) {
      ASSERT_LE(s.survival, previous);
      ASSERT_GE(s.survival, 0.0);
      ASSERT_LE(s.ci.low, s.survival);
      ASSERT_GE(s.ci.high, s.survival);
      ASSERT_LE(s.ci.high, 1.0);
      previous = s.survival;
    }
    if (km.median && km.median_low) {
      ASSERT_LE(*km.median_low, *km.median);
    }
    if (km.median && km.median_high) {
      ASSERT_GE(*km.median_high, *km.median);
    }
  }
}

TEST(StatsLogRank, HandWorkedMatchesR) {
  // R: survdiff(Surv(tt, ee) ~ g), two groups (see the KM example for group 1).
  const auto g1 = tabulate(subjects({1, 2, 2, 3, 4, 5, 6}, {1, 1, 0, 1, 1, 0, 1}));
  const auto g2 = tabulate(subjects({2, 4, 6, 8, 9, 10}, {1, 0, 1, 1, 0, 1}));
  const LogRank lr = log_rank({g1, g2});
  EXPECT_EQ(lr.observed, (std::vector<int>{5, 4}));
  EXPECT_NEAR(lr.expected[0], 2.757905983, 1e-9);
  EXPECT_NEAR(lr.expected[1], 6.242094017, 1e-9);
  EXPECT_NEAR(lr.chi_square, 3.529307288, 1e-9);
  EXPECT_EQ(lr.df, 1);
  EXPECT_NEAR(lr.p, 0.06029297319, 1e-10);
  // An empty third group adds no degree of freedom (R never sees it).
  const LogRank with_empty = log_rank({g1, g2, {}});
  EXPECT_EQ(with_empty.df, 1);
  EXPECT_NEAR(with_empty.chi_square, lr.chi_square, 1e-12);
  EXPECT_EQ(with_empty.expected[2], 0.0);
}

TEST(StatsLogRank, DegenerateCases) {
  const auto censored = tabulate(subjects({1, 2}, {0, 0}));
  const LogRank none = log_rank({censored, censored});
  EXPECT_EQ(none.df, 0);
  EXPECT_EQ(none.chi_square, 0.0);
  EXPECT_EQ(none.p, 1.0);
  // Everyone at risk dies at the one event time: no variance.
  const auto one = tabulate(subjects({1}, {1}));
  const LogRank flat = log_rank({one, one});
  EXPECT_EQ(flat.chi_square, 0.0);
  EXPECT_EQ(flat.p, 1.0);
}

TEST(StatsLogRank, ObservedSumsToExpected) {
  std::mt19937_64 rng(11);
  for (int i = 0; i < 200; ++i) {
    std::vector<SurvivalTable> groups;
    for (int g = 0; g < 3; ++g) groups.push_back(tabulate(random_subjects(rng, 25)));
    const LogRank lr = log_rank(groups);
    double o = 0, e = 0;
    for (std::size_t g = 0; g < 3; ++g) {
      o += lr.observed[g];
      e += lr.expected[g];
    }
    ASSERT_NEAR(o, e, 1e-9);
    ASSERT_GE(lr.p, 0.0);
    ASSERT_LE(lr.p, 1.0);
  }
}

}  // namespace
}  // namespace khe::stats
