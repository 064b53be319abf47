// Monitoring (MON-1..5): which tests are due, when, and which are overdue.
#include "builder.h"

namespace khe::test {
namespace {

using model::Analyte;

const engine::MonitoringItem* item(const engine::Report& r, const std::string& test) {
  for (const auto& m : r.monitoring)
    if (m.test == test) return &m;
  return nullptr;
}

TEST(MON_1, EmergentEvery24HoursOr12WhileBleeding) {
  auto r = Builder().dx("khe").platelets(15, 30).fibrinogen(0.8, 30).eval();  // emergent
  ASSERT_EQ(r.urgency, engine::Urgency::emergent);
  const auto* plt = item(r, "platelets");
  ASSERT_NE(plt, nullptr);
  EXPECT_EQ(plt->interval_h, 24);
  EXPECT_TRUE(plt->overdue);  // 30 h since the last count
  EXPECT_EQ(plt->why.rule_id, "MON-1");
  auto bleeding =
      Builder().dx("khe").platelets(15, 10).fibrinogen(0.8, 10).flag("active-bleeding").eval();
  EXPECT_EQ(item(bleeding, "platelets")->interval_h, 12);
  auto transfused = Builder()
                        .dx("khe")
                        .platelets(15, 10)
                        .fibrinogen(0.8, 10)
                        .procedure("cryoprecipitate-transfusion", 6, "indication-active-bleeding")
                        .eval();
  EXPECT_EQ(item(transfused, "fibrinogen")->interval_h, 12);
}

TEST(MON_2, ActiveKmpTwiceWeeklyThenWeekly) {
  auto r = Builder().dx("khe").platelets(70, 24).fibrinogen(2, 24).eval();
  const auto* plt = item(r, "platelets");
  ASSERT_NE(plt, nullptr);
  EXPECT_EQ(plt->interval_h, 84);
  EXPECT_FALSE(plt->overdue);
  EXPECT_EQ(plt->why.rule_id, "MON-2");
  const auto* dd = item(r, "ddimer_feu");  // never measured: due now
  ASSERT_NE(dd, nullptr);
  EXPECT_FALSE(dd->last.has_value());
  // Past the first 4 weeks of therapy: weekly.
  Builder later;
  later.dx("khe")
      .body(6, 62)
      .med("sirolimus", 40, 0.25, 12)
      .platelets(20, 41 * 24)
      .platelets(70, 24)
      .fibrinogen(2, 24);
  EXPECT_EQ(item(later.eval(), "platelets")->interval_h, 168);
}

TEST(MON_3, SirolimusTroughAndSafetyLabs) {
  Builder b;
  b.age_days(300).dx("khe").platelets(200).body(8, 70).med("sirolimus", 3, 0.3, 12);
  auto r = b.eval();
  const auto* trough = item(r, "sirolimus_level");
  ASSERT_NE(trough, nullptr);
  // First trough 7 days after the start: due in 4 days, not now.
  EXPECT_FALSE(trough->overdue);
  EXPECT_EQ(days_between(date_of(b.as_of()), date_of(trough->due)), 4);
  const auto* alt = item(r, "alt");
  ASSERT_NE(alt, nullptr);
  EXPECT_EQ(alt->interval_h, 30 * 24);
  EXPECT_EQ(alt->why.rule_id, "MON-3");
  // Young infants: first trough on day 4.
  Builder infant;
  infant.age_days(100).dx("khe").platelets(200).body(5, 58).med("sirolimus", 3, 0.2, 12);
  EXPECT_EQ(
      days_between(date_of(infant.as_of()), date_of(item(infant.eval(), "sirolimus_level")->due)),
      1);
  // A trough 40 days ago on a long course: every 28 days, so overdue.
  Builder late;
  late.age_days(300)
      .dx("khe")
      .platelets(200)
      .body(8, 70)
      .med("sirolimus", 120, 0.3, 12)
      .lab(Analyte::sirolimus_level, 8, 40 * 24);
  const auto late_report = late.eval();  // items point into the report: keep it alive
  EXPECT_TRUE(item(late_report, "sirolimus_level")->overdue);
  EXPECT_EQ(item(late_report, "alt")->interval_h, 90 * 24);  // after the first 3 months
}

TEST(MON_4, CorticosteroidBloodPressureAndGlucose) {
  auto r = Builder().dx("khe").platelets(200).med("prednisolone", 10, 10, 24).eval();
  ASSERT_NE(item(r, "bp_systolic"), nullptr);
  EXPECT_EQ(item(r, "glucose")->interval_h, 7 * 24);
  EXPECT_EQ(item(Builder().dx("khe").platelets(200).eval(), "glucose"), nullptr);
}

TEST(MON_5, ObservationUnderOneYear) {
  auto r = Builder()
               .age_days(200)
               .dx("khe")
               .platelets(300, 24)
               .coded("lesion-growth", "growth-stable")
               .eval();
  ASSERT_EQ(*r.regimen, engine::Regimen::observation);
  ASSERT_NE(item(r, "platelets"), nullptr);
  EXPECT_EQ(item(r, "platelets")->interval_h, 28 * 24);
  auto older = Builder()
                   .age_days(500)
                   .dx("khe")
                   .platelets(300, 24)
                   .coded("lesion-growth", "growth-stable")
                   .eval();
  EXPECT_TRUE(older.monitoring.empty());
}

TEST(MON_1, OverdueItemsComeFirst) {
  auto r = Builder()
               .dx("khe")
               .platelets(15, 30)
               .fibrinogen(0.8, 2)
               .med("prednisolone", 10, 10, 24)
               .eval();
  ASSERT_GE(r.monitoring.size(), 3u);
  EXPECT_TRUE(r.monitoring.front().overdue);
  for (std::size_t i = 1; i < r.monitoring.size(); ++i) {
    if (!r.monitoring[i - 1].overdue) {
      EXPECT_FALSE(r.monitoring[i].overdue);
    }
  }
}

}  // namespace
}  // namespace khe::test
