// COURSE-1 (therapy episodes, timeline) and RESP-2 (lesion response).
#include <gtest/gtest.h>

#include "builder.h"

namespace khe::test {
namespace {

using model::Analyte;
using model::MedicationSource;
using model::MedicationStatus;

constexpr double kDay = 24;  // hours

void kind(Builder& b, MedicationSource k) { b.record().medications.back().source_kind = k; }

std::vector<engine::TherapyEpisode> episodes_of(const engine::Report& r, const std::string& drug) {
  std::vector<engine::TherapyEpisode> out;
  for (const auto& e : r.therapy)
    if (e.drug == drug) out.push_back(e);
  return out;
}

TEST(COURSE_1, RequestAndStatementOfOneCourseCountOnce) {
  Builder b = Builder::khe_kmp();
  b.med("sirolimus", 30, 0.4, 12);
  kind(b, MedicationSource::request);
  b.med("sirolimus", 30, 0.4, 12);  // the same course, recorded as a statement too
  const auto eps = episodes_of(b.eval(), "sirolimus");
  ASSERT_EQ(eps.size(), 1u);
  EXPECT_EQ(eps[0].resources.size(), 2u);
  ASSERT_EQ(eps[0].doses.size(), 1u);
  EXPECT_DOUBLE_EQ(eps[0].doses[0].dose->value, 0.4);
  EXPECT_FALSE(eps[0].end.has_value());  // still given at as-of
  EXPECT_TRUE(eps[0].counts_for_therapy_start);
}

TEST(COURSE_1, AdministrationsInsideACourseAreCountedNotDuplicated) {
  Builder b = Builder::khe_kmp();
  b.med("sirolimus", 10, 0.4, 12);
  for (double d : {9.5, 9.0, 8.5}) b.med("sirolimus", d, 0.4, 12).administered();
  const auto eps = episodes_of(b.eval(), "sirolimus");
  ASSERT_EQ(eps.size(), 1u);
  EXPECT_EQ(eps[0].administrations, 3);
  EXPECT_EQ(eps[0].doses.size(), 1u);  // the steps come from the course, not each dose given
}

TEST(COURSE_1, DoseChangeRecordedAsNewRequestIsADoseStep) {
  Builder b = Builder::khe_kmp();
  b.med("sirolimus", 60, 0.4, 12);  // never closed by the EHR
  kind(b, MedicationSource::request);
  b.med("sirolimus", 20, 0.6, 12);
  kind(b, MedicationSource::request);
  const auto eps = episodes_of(b.eval(), "sirolimus");
  ASSERT_EQ(eps.size(), 1u);
  ASSERT_EQ(eps[0].doses.size(), 2u);
  EXPECT_DOUBLE_EQ(eps[0].doses[0].dose->value, 0.4);
  EXPECT_DOUBLE_EQ(eps[0].doses[1].dose->value, 0.6);
  EXPECT_EQ(eps[0].doses[1].time, b.as_of() - Seconds(20 * 86400));
  EXPECT_FALSE(eps[0].end.has_value());
}

TEST(COURSE_1, StopAndRestartAreTwoEpisodes) {
  Builder b = Builder::khe_kmp();
  b.med("sirolimus", 100, 0.4, 12).ended(60);
  b.med("sirolimus", 20, 0.5, 12);
  const auto eps = episodes_of(b.eval(), "sirolimus");
  ASSERT_EQ(eps.size(), 2u);
  ASSERT_TRUE(eps[0].end.has_value());
  EXPECT_EQ(*eps[0].end, b.as_of() - Seconds(60 * 86400));
  EXPECT_FALSE(eps[1].end.has_value());
}

TEST(COURSE_1, MergeGapJoinsCloseRecordsOnly) {
  Builder within = Builder::khe_kmp();
  within.med("prednisolone", 40, 10, 24).ended(30);
  within.med("prednisolone", 29, 8, 24).ended(10);  // 1 day later: the same course
  EXPECT_EQ(episodes_of(within.eval(), "prednisolone").size(), 1u);

  Builder beyond = Builder::khe_kmp();
  beyond.med("prednisolone", 40, 10, 24).ended(30);
  beyond.med("prednisolone", 27, 8, 24).ended(10);  // 3 days later: a new course
  EXPECT_EQ(episodes_of(beyond.eval(), "prednisolone").size(), 2u);
}

TEST(COURSE_1, OpenRequestIsSupersededByALaterStop) {
  Builder b = Builder::khe_kmp();
  b.med("sirolimus", 100, 0.4, 12);  // active request nobody closed
  kind(b, MedicationSource::request);
  b.med("sirolimus", 50, 0.4, 12).ended(40);  // the team recorded the stop
  const auto eps = episodes_of(b.eval(), "sirolimus");
  ASSERT_EQ(eps.size(), 1u);
  ASSERT_TRUE(eps[0].end.has_value());
  EXPECT_EQ(*eps[0].end, b.as_of() - Seconds(40 * 86400));
}

TEST(COURSE_1, AdministrationsAloneFormAnEpisodeWithTheirOwnDoseSteps) {
  Builder b = Builder::khe_kmp();
  b.med("vincristine", 21, 0.3, 168).administered();
  b.med("vincristine", 14, 0.3, 168).administered();
  b.med("vincristine", 7, 0.35, 168).administered();
  const auto eps = episodes_of(b.eval(), "vincristine");
  // Weekly doses are 7 days apart, more than the merge gap: each is its own episode.
  ASSERT_EQ(eps.size(), 3u);
  EXPECT_EQ(eps[0].administrations, 1);
  ASSERT_TRUE(eps[0].end.has_value());
  EXPECT_EQ(eps[2].doses.size(), 1u);
  EXPECT_DOUBLE_EQ(eps[2].doses[0].dose->value, 0.35);
}

TEST(COURSE_1, PlannedAndFutureRecordsAreNotTherapy) {
  Builder b = Builder::khe_kmp();
  b.med("sirolimus", 5, 0.4, 12);
  b.record().medications.back().status = MedicationStatus::planned;
  b.med("prednisolone", -3, 10, 24);  // starts after as-of
  EXPECT_TRUE(b.eval().therapy.empty());
}

TEST(COURSE_1, TimelineHasSeriesThresholdsBandsAndTransfusions) {
  Builder b = Builder::khe_kmp(150);
  b.platelets(15, 40 * kDay);                      // before therapy start (day 0)
  b.med("sirolimus", 39, 0.4, 12);                 // day 0
  b.procedure("platelet-transfusion", 30 * kDay);  // confounds the next count
  b.platelets(60, 30 * kDay - 2);
  b.platelets(150, 20 * kDay);
  b.platelets(160, 10 * kDay);  // resolves KMP 10 days after the first count above 100
  const auto r = b.eval();
  const auto& t = r.timeline;

  const engine::Series* plt = nullptr;
  for (const auto& s : t.series)
    if (s.analyte == "platelets") plt = &s;
  ASSERT_NE(plt, nullptr);
  EXPECT_EQ(plt->unit, "10*9/L");
  ASSERT_EQ(plt->points.size(), 5u);  // 4 here + khe_kmp's own count
  int confounded = 0;
  for (const auto& p : plt->points) confounded += p.confounded;
  EXPECT_EQ(confounded, 1);

  const auto& P = *default_knowledge().profile("default");
  ASSERT_EQ(t.thresholds.size(), 4u);
  EXPECT_EQ(t.thresholds[0].value, P.num("KMP-1", "response_above"));
  EXPECT_EQ(t.thresholds[1].value, P.num("KMP-2", "severe_below"));
  EXPECT_EQ(t.thresholds[2].value, P.num("KMP-3", "fibrinogen_below"));
  EXPECT_EQ(t.thresholds[3].value, P.num("KMP-3", "severe_fibrinogen_below"));

  ASSERT_EQ(t.events.size(), 1u);
  EXPECT_EQ(t.events[0].code, "platelet-transfusion");

  ASSERT_TRUE(r.response && r.response->resolution_date);
  ASSERT_EQ(t.target_bands.size(), 2u);
  EXPECT_EQ(t.target_bands[0].phase, "kmp");
  EXPECT_EQ(t.target_bands[0].low, P.numbers("TARGET-1", "kmp").front());
  EXPECT_EQ(t.target_bands[1].phase, "no_kmp");
  // KMP ends with the first non-confounded count above 100, not with the transfused one.
  EXPECT_EQ(t.target_bands[1].from, b.as_of() - Seconds(20 * 86400));
  EXPECT_EQ(t.target_bands[1].to, b.as_of());
}

TEST(COURSE_1, LongTermBandAfterAYearOfSirolimus) {
  Builder b = Builder::khe_kmp(150);
  b.med("sirolimus", 400, 0.4, 12);
  const auto bands = b.eval().timeline.target_bands;
  ASSERT_EQ(bands.size(), 2u);  // no KMP at start: without-KMP range, then long term
  EXPECT_EQ(bands[0].phase, "no_kmp");
  EXPECT_EQ(bands[1].phase, "long_term");
  EXPECT_EQ(bands[1].from, b.as_of() - Seconds(35 * 86400));
}

TEST(COURSE_1, KmpBandReturnsWithAFallingCountAndMatchesTodaysTarget) {
  Builder b = Builder::khe_kmp(40);  // KMP again at as-of
  b.platelets(15, 60 * kDay).med("sirolimus", 59, 0.4, 12);
  b.platelets(150, 30 * kDay).platelets(160, 20 * kDay);
  const auto r = b.eval();
  const auto& bands = r.timeline.target_bands;
  ASSERT_EQ(bands.size(), 3u);
  EXPECT_EQ(bands[0].phase, "kmp");
  EXPECT_EQ(bands[1].phase, "no_kmp");
  EXPECT_EQ(bands[2].phase, "kmp");
  EXPECT_EQ(bands[2].from, b.as_of() - Seconds(2 * 3600));
  EXPECT_EQ(bands.back().to, b.as_of());
}

// --- RESP-2: lesion response

// KMP at day 0 (40 days before as-of) so the response has a therapy start.
Builder treated() {
  Builder b = Builder::khe_kmp(150);
  b.platelets(20, 41 * kDay).med("sirolimus", 40, 0.4, 12);
  return b;
}

std::optional<engine::LesionResponse> lesion_of(const Builder& b) {
  const auto r = b.eval();
  if (!r.response) return std::nullopt;
  return r.response->lesion;
}

TEST(RESP_2, FallOfThirtyPercentIsRegression) {
  Builder b = treated();
  b.lab(Analyte::lesion_diameter, 5.0, 42 * kDay).lab(Analyte::lesion_diameter, 3.5, 1 * kDay);
  auto l = lesion_of(b);
  ASSERT_TRUE(l);
  EXPECT_NEAR(l->change_percent, -30, 1e-9);
  EXPECT_EQ(l->category, "regression");
  EXPECT_EQ(l->why.rule_id, "RESP-2");
}

TEST(RESP_2, SmallerChangesAreStableAndGrowthIsProgression) {
  Builder stable = treated();
  stable.lab(Analyte::lesion_diameter, 5.0, 42 * kDay).lab(Analyte::lesion_diameter, 4.0, kDay);
  EXPECT_EQ(lesion_of(stable)->category, "stable");  // -20%

  Builder grown = treated();
  grown.lab(Analyte::lesion_diameter, 5.0, 42 * kDay).lab(Analyte::lesion_diameter, 6.0, kDay);
  EXPECT_EQ(lesion_of(grown)->category, "progression");  // +20%
}

TEST(RESP_2, LesionMeasuredAtZeroHasResolved) {
  Builder b = treated();
  b.lab(Analyte::lesion_diameter, 4.0, 42 * kDay).lab(Analyte::lesion_diameter, 0.0, kDay);
  EXPECT_EQ(lesion_of(b)->category, "resolved");
}

TEST(RESP_2, BaselineSoonAfterStartWhenNoneBefore) {
  Builder soon = treated();
  soon.lab(Analyte::lesion_diameter, 4.0, 37 * kDay).lab(Analyte::lesion_diameter, 2.0, kDay);
  auto l = lesion_of(soon);
  ASSERT_TRUE(l);
  EXPECT_DOUBLE_EQ(l->baseline.value, 4.0);

  Builder late = treated();  // first size 20 days into therapy: no baseline
  late.lab(Analyte::lesion_diameter, 4.0, 20 * kDay).lab(Analyte::lesion_diameter, 2.0, kDay);
  EXPECT_FALSE(lesion_of(late));
}

TEST(RESP_2, NoLesionResponseWithoutALaterSizeOrATherapyStart) {
  Builder only_baseline = treated();
  only_baseline.lab(Analyte::lesion_diameter, 5.0, 42 * kDay);
  EXPECT_FALSE(lesion_of(only_baseline));

  Builder untreated = Builder::khe_kmp();
  untreated.lab(Analyte::lesion_diameter, 5.0, 42 * kDay).lab(Analyte::lesion_diameter, 2.0, kDay);
  EXPECT_FALSE(untreated.eval().response.has_value());
}

TEST(RESP_2, CensoredSizesAreNotCompared) {
  Builder b = treated();
  b.lab(Analyte::lesion_diameter, 5.0, 42 * kDay)
      .lab(Analyte::lesion_diameter, 1.0, kDay, model::Comparator::lt);
  EXPECT_FALSE(lesion_of(b));
}

}  // namespace
}  // namespace khe::test
