// analyse(): hand-made outcomes grouped and counted; proportions, every pair of groups,
// Kaplan-Meier curves and the log-rank test; not-evaluable patients listed with reasons.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "cohort/cohort.h"

namespace khe::cohort {
namespace {

constexpr int kDurable = static_cast<int>(Endpoint::durable_platelet_response_week4);
constexpr int kTime = static_cast<int>(Endpoint::time_to_platelet_response);

PatientOutcome patient(const std::string& id, const std::string& group, std::optional<bool> durable,
                       const std::string& reason = "") {
  PatientOutcome o;
  o.patient_id = id;
  o.group = group;
  if (group.empty()) o.no_group = "no ResearchSubject";
  if (durable)
    o.endpoints[kDurable].responder = *durable;
  else
    o.endpoints[kDurable].not_evaluable = reason;
  return o;
}

PatientOutcome timed(const std::string& id, const std::string& group, double t, bool event) {
  PatientOutcome o;
  o.patient_id = id;
  o.group = group;
  o.endpoints[kTime].time = stats::Survival{t, event};
  return o;
}

// A: 3 of 4 evaluable (one not), B: 1 of 3, and one child without an arm.
std::vector<PatientOutcome> two_arms() {
  return {patient("a1", "A", true),
          patient("a2", "A", true),
          patient("a3", "A", false),
          patient("a4", "A", true),
          patient("a5", "A", std::nullopt, "no platelet count on days 25-31"),
          patient("b1", "B", false),
          patient("b2", "B", true),
          patient("b3", "B", false),
          patient("x0", "", std::nullopt, "no KMP-directed therapy start (spec §8)")};
}

TEST(CohortAnalyse, GroupsCountsAndProportions) {
  const auto r = analyse(two_arms(), {Endpoint::durable_platelet_response_week4}, 0.95);
  ASSERT_EQ(r.size(), 1u);
  const EndpointResult& e = r[0];
  EXPECT_EQ(e.endpoint, Endpoint::durable_platelet_response_week4);
  ASSERT_EQ(e.groups.size(), 2u);
  EXPECT_EQ(e.groups[0].group, "A");
  EXPECT_EQ(e.groups[0].patients, 5);
  EXPECT_EQ(e.groups[0].not_evaluable, 1);
  ASSERT_TRUE(e.groups[0].proportion);
  EXPECT_EQ(e.groups[0].proportion->events, 3);
  EXPECT_EQ(e.groups[0].proportion->n, 4);
  const auto wilson = stats::proportion(3, 4, 0.95);
  EXPECT_DOUBLE_EQ(e.groups[0].proportion->ci.low, wilson.ci.low);
  EXPECT_DOUBLE_EQ(e.groups[0].proportion->ci.high, wilson.ci.high);
  EXPECT_FALSE(e.groups[0].kaplan_meier);
  EXPECT_EQ(e.groups[1].group, "B");
  EXPECT_EQ(e.groups[1].patients, 3);
  EXPECT_EQ(e.groups[1].not_evaluable, 0);
  EXPECT_EQ(e.groups[1].proportion->events, 1);
  EXPECT_EQ(e.groups[1].proportion->n, 3);
  EXPECT_FALSE(e.log_rank);
}

TEST(CohortAnalyse, ComparisonOfTwoGroups) {
  const auto e = analyse(two_arms(), {Endpoint::durable_platelet_response_week4}, 0.95)[0];
  ASSERT_EQ(e.comparisons.size(), 1u);
  const Comparison& c = e.comparisons[0];
  EXPECT_EQ(c.group1, "A");
  EXPECT_EQ(c.group2, "B");
  const auto d = stats::newcombe_difference(3, 4, 1, 3, 0.95);
  EXPECT_DOUBLE_EQ(c.difference.difference, d.difference);
  EXPECT_DOUBLE_EQ(c.difference.ci.low, d.ci.low);
  EXPECT_DOUBLE_EQ(c.difference.ci.high, d.ci.high);
  EXPECT_EQ(c.method, stats::kNewcombeMethod);
  EXPECT_DOUBLE_EQ(c.fisher_p, stats::fisher_exact_two_sided(3, 1, 1, 2));
}

TEST(CohortAnalyse, TheReferenceGroupIsAlwaysSecond) {
  const auto e = analyse(two_arms(), {Endpoint::durable_platelet_response_week4}, 0.95, "A")[0];
  ASSERT_EQ(e.comparisons.size(), 1u);
  const Comparison& c = e.comparisons[0];
  EXPECT_EQ(c.group1, "B");
  EXPECT_EQ(c.group2, "A");
  const auto d = stats::newcombe_difference(1, 3, 3, 4, 0.95);
  EXPECT_DOUBLE_EQ(c.difference.difference, d.difference);
  EXPECT_DOUBLE_EQ(c.difference.ci.low, d.ci.low);
  EXPECT_DOUBLE_EQ(c.difference.ci.high, d.ci.high);
  EXPECT_DOUBLE_EQ(c.fisher_p, stats::fisher_exact_two_sided(1, 2, 3, 1));
  // A reference already second changes nothing.
  const auto same = analyse(two_arms(), {Endpoint::durable_platelet_response_week4}, 0.95, "B");
  EXPECT_EQ(same[0].comparisons[0].group1, "A");
}

TEST(CohortAnalyse, NotEvaluableListedWithReasonsSortedById) {
  const auto e = analyse(two_arms(), {Endpoint::durable_platelet_response_week4}, 0.95)[0];
  ASSERT_EQ(e.not_evaluable.size(), 2u);
  EXPECT_EQ(e.not_evaluable[0].patient_id, "a5");
  EXPECT_EQ(e.not_evaluable[0].group, "A");
  EXPECT_EQ(e.not_evaluable[0].reason, "no platelet count on days 25-31");
  // Without a group: listed with the reason there is none, for every endpoint.
  EXPECT_EQ(e.not_evaluable[1].patient_id, "x0");
  EXPECT_EQ(e.not_evaluable[1].group, "");
  EXPECT_EQ(e.not_evaluable[1].reason, "no ResearchSubject");
  const auto t = analyse(two_arms(), {Endpoint::time_to_platelet_response}, 0.95)[0];
  ASSERT_FALSE(t.not_evaluable.empty());
  EXPECT_EQ(t.not_evaluable.back().patient_id, "x0");
  EXPECT_EQ(t.not_evaluable.back().reason, "no ResearchSubject");
}

TEST(CohortAnalyse, ValueMissingWithoutReasonIsStillListed) {
  PatientOutcome o;
  o.patient_id = "p";
  o.group = "A";
  const auto e = analyse({o}, {Endpoint::relapse}, 0.95)[0];
  ASSERT_EQ(e.not_evaluable.size(), 1u);
  EXPECT_EQ(e.not_evaluable[0].reason, "no value");
  ASSERT_EQ(e.groups.size(), 1u);
  EXPECT_FALSE(e.groups[0].proportion);  // nobody evaluable: no proportion
}

TEST(CohortAnalyse, EveryPairOfThreeGroupsInOrder) {
  auto outcomes = two_arms();
  outcomes.push_back(patient("c1", "C", true));
  outcomes.push_back(patient("c2", "C", true));
  const auto e = analyse(outcomes, {Endpoint::durable_platelet_response_week4}, 0.95)[0];
  ASSERT_EQ(e.comparisons.size(), 3u);
  EXPECT_EQ(e.comparisons[0].group1 + e.comparisons[0].group2, "AB");
  EXPECT_EQ(e.comparisons[1].group1 + e.comparisons[1].group2, "AC");
  EXPECT_EQ(e.comparisons[2].group1 + e.comparisons[2].group2, "BC");
}

TEST(CohortAnalyse, GroupWithNobodyEvaluableIsLeftOutOfComparisons) {
  auto outcomes = two_arms();
  outcomes.push_back(patient("c1", "C", std::nullopt, "no platelet count on days 25-31"));
  const auto e = analyse(outcomes, {Endpoint::durable_platelet_response_week4}, 0.95)[0];
  ASSERT_EQ(e.groups.size(), 3u);
  EXPECT_FALSE(e.groups[2].proportion);
  ASSERT_EQ(e.comparisons.size(), 1u);
  EXPECT_EQ(e.comparisons[0].group2, "B");
}

TEST(CohortAnalyse, OneGroupHasNoComparison) {
  const std::vector<PatientOutcome> all = {patient("p1", "all", true), patient("p2", "all", false)};
  const auto e = analyse(all, {Endpoint::durable_platelet_response_week4}, 0.95)[0];
  EXPECT_EQ(e.groups.size(), 1u);
  EXPECT_TRUE(e.comparisons.empty());
}

TEST(CohortAnalyse, TimeToEventKaplanMeierAndLogRank) {
  const std::vector<PatientOutcome> outcomes = {
      timed("a1", "A", 7, true),  timed("a2", "A", 10, true), timed("a3", "A", 14, false),
      timed("a4", "A", 10, true), timed("b1", "B", 14, true), timed("b2", "B", 21, true),
      timed("b3", "B", 28, false)};
  const auto e = analyse(outcomes, {Endpoint::time_to_platelet_response}, 0.95)[0];
  ASSERT_EQ(e.groups.size(), 2u);
  EXPECT_TRUE(e.comparisons.empty());
  EXPECT_FALSE(e.groups[0].proportion);
  ASSERT_TRUE(e.groups[0].kaplan_meier);
  EXPECT_EQ(e.groups[0].kaplan_meier->n, 4);
  EXPECT_EQ(e.groups[0].kaplan_meier->events, 3);
  const auto table_a = stats::tabulate({{7, true}, {10, true}, {14, false}, {10, true}});
  ASSERT_EQ(e.groups[0].table.size(), table_a.size());
  EXPECT_EQ(e.groups[0].table[1].events, 2);
  const auto km = stats::kaplan_meier(table_a, 0.95);
  ASSERT_TRUE(km.median);
  EXPECT_EQ(e.groups[0].kaplan_meier->median, km.median);
  ASSERT_TRUE(e.log_rank);
  const auto lr =
      stats::log_rank({table_a, stats::tabulate({{14, true}, {21, true}, {28, false}})});
  EXPECT_DOUBLE_EQ(e.log_rank->p, lr.p);
  EXPECT_EQ(e.log_rank->df, 1);
}

TEST(CohortAnalyse, NoLogRankWithOneGroup) {
  const std::vector<PatientOutcome> outcomes = {timed("a1", "all", 7, true),
                                                timed("a2", "all", 9, false)};
  const auto e = analyse(outcomes, {Endpoint::time_to_platelet_response}, 0.95)[0];
  EXPECT_FALSE(e.log_rank);
  ASSERT_TRUE(e.groups[0].kaplan_meier);
}

TEST(CohortAnalyse, EndpointsInTheOrderAsked) {
  const auto r =
      analyse(two_arms(), {Endpoint::relapse, Endpoint::durable_platelet_response_week4}, 0.9);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].endpoint, Endpoint::relapse);
  EXPECT_EQ(r[1].endpoint, Endpoint::durable_platelet_response_week4);
  // A narrower confidence level gives a narrower interval.
  const auto p90 = *r[1].groups[0].proportion;
  const auto p95 = *analyse(two_arms(), {Endpoint::durable_platelet_response_week4}, 0.95)[0]
                        .groups[0]
                        .proportion;
  EXPECT_GT(p90.ci.low, p95.ci.low);
}

TEST(CohortAnalyse, OrderOfOutcomesDoesNotMatter) {
  auto outcomes = two_arms();
  for (int i = 0; i < 5; ++i) outcomes.push_back(timed("t" + std::to_string(i), "B", i + 3, i % 2));
  const auto want = analyse(
      outcomes, {Endpoint::durable_platelet_response_week4, Endpoint::time_to_platelet_response},
      0.95);
  std::mt19937 rng(7);
  for (int round = 0; round < 5; ++round) {
    std::shuffle(outcomes.begin(), outcomes.end(), rng);
    const auto got = analyse(
        outcomes, {Endpoint::durable_platelet_response_week4, Endpoint::time_to_platelet_response},
        0.95);
    for (std::size_t k = 0; k < want.size(); ++k) {
      ASSERT_EQ(got[k].not_evaluable.size(), want[k].not_evaluable.size());
      for (std::size_t i = 0; i < want[k].not_evaluable.size(); ++i)
        EXPECT_EQ(got[k].not_evaluable[i].patient_id, want[k].not_evaluable[i].patient_id);
      ASSERT_EQ(got[k].groups.size(), want[k].groups.size());
      for (std::size_t g = 0; g < want[k].groups.size(); ++g) {
        EXPECT_EQ(got[k].groups[g].group, want[k].groups[g].group);
        EXPECT_EQ(got[k].groups[g].table.size(), want[k].groups[g].table.size());
      }
      EXPECT_EQ(got[k].log_rank.has_value(), want[k].log_rank.has_value());
      if (want[k].log_rank) {
        EXPECT_DOUBLE_EQ(got[k].log_rank->p, want[k].log_rank->p);
      }
    }
  }
}

// The trial's primary analysis from counts alone: 35/37 vs 24/36 (issue 6 verification).
TEST(CohortAnalyse, TrialPrimaryEndpointCounts) {
  std::vector<PatientOutcome> outcomes;
  for (int i = 0; i < 37; ++i)
    outcomes.push_back(patient("sp" + std::to_string(i), "sirolimus_prednisolone", i < 35));
  for (int i = 0; i < 36; ++i)
    outcomes.push_back(patient("s" + std::to_string(i), "sirolimus", i < 24));
  const auto e = analyse(outcomes, {Endpoint::durable_platelet_response_week4}, 0.95)[0];
  ASSERT_EQ(e.comparisons.size(), 1u);
  // Groups sort by name: "sirolimus" first, so the difference is sirolimus - combination.
  EXPECT_EQ(e.comparisons[0].group1, "sirolimus");
  EXPECT_NEAR(e.comparisons[0].difference.difference, -0.2793, 5e-4);
  EXPECT_NEAR(e.comparisons[0].difference.ci.low, -0.447, 1e-3);
  EXPECT_NEAR(e.comparisons[0].difference.ci.high, -0.099, 1e-3);
}

}  // namespace
}  // namespace khe::cohort
