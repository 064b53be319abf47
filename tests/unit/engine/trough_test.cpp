// Sirolimus troughs: TARGET-1 phases, DOSE-SIR-ADJ-1 conditions and scaling, DOSE-SIR-TOX-1.
#include <cmath>

#include "builder.h"

namespace khe::test {
namespace {

using model::Analyte;

// A 10-month-old without KMP on sirolimus 0.3 mg every 12 h for 30 days, whose last dose
// was given 12 h before the level (a true trough) drawn 2 h before as-of.
// The linear rule alone (DOSE-SIR-ADJ-1 without the model-based estimate), as a centre
// that switches the model off would run it: the tests of the rule's arithmetic use it.
const knowledge::Knowledge& linear_knowledge() {
  static const knowledge::Knowledge k = knowledge_with_profile(
      R"({"id": "test-centre", "description": "linear trough rule only",
          "overrides": {"DOSE-SIR-ADJ-1": {"model_based": false}}})");
  return k;
}

Builder on_sirolimus(double level, double days_on_dose = 30, double hours_after_dose = 12) {
  Builder b;
  b.age_days(300).dx("khe").platelets(200).body(8, 70);
  b.med("sirolimus", days_on_dose, 0.3, 12);
  b.med("sirolimus", (2 + hours_after_dose) / 24.0, 0.3, 12).administered();
  b.lab(Analyte::sirolimus_level, level, 2);
  return b;
}

TEST(TARGET_1, RangeFollowsThePhase) {
  auto no_kmp = on_sirolimus(9).eval();
  ASSERT_TRUE(no_kmp.sirolimus_trough);
  EXPECT_EQ(no_kmp.sirolimus_trough->phase, "no_kmp");
  EXPECT_EQ(no_kmp.sirolimus_trough->target_low, 5);
  EXPECT_EQ(no_kmp.sirolimus_trough->status, "in_range");

  auto kmp = on_sirolimus(7);
  kmp.platelets(60, 1);
  auto r = kmp.eval();
  EXPECT_EQ(r.sirolimus_trough->phase, "kmp");  // 8-15 while KMP is present
  EXPECT_EQ(r.sirolimus_trough->status, "below");
  EXPECT_TRUE(has_alert(r, "trough_below_target"));

  auto long_term = on_sirolimus(7);
  long_term.med("sirolimus", 400, 0.3, 12).ended(30);  // first started more than a year ago
  auto lt = long_term.eval();
  EXPECT_EQ(lt.sirolimus_trough->phase, "long_term");  // 2-5
  EXPECT_TRUE(has_alert(lt, "trough_above_target"));

  EXPECT_FALSE(
      Builder().dx("khe").platelets(200).lab(Analyte::sirolimus_level, 9).eval().sirolimus_trough);
}

TEST(DOSE_SIR_ADJ_1, LowTroughRaisesTheDoseByAtMostHalf) {
  auto r = on_sirolimus(3.5).eval(linear_knowledge(),
                                  "test-centre");  // 0.3 x 10 / 3.5 = 0.86 -> limited to 0.45
  ASSERT_TRUE(r.sirolimus_trough->interpretable);
  ASSERT_TRUE(r.sirolimus_trough->adjustment);
  const auto& d = *r.sirolimus_trough->adjustment;
  EXPECT_NEAR(d.calculated.value, 0.45, 1e-12);
  EXPECT_NEAR(d.dose.value, 0.45, 1e-12);
  EXPECT_NEAR(d.volume->value, 0.45, 1e-12);
  EXPECT_EQ(d.concentration->value, 1.0);
  EXPECT_EQ(d.interval_h, 12);
  EXPECT_NE(d.basis.find("limited"), std::string::npos);
  EXPECT_TRUE(has_alert(r, "sirolimus_dose_adjustment"));
}

TEST(DOSE_SIR_ADJ_1, HighTroughScalesDownToTheMiddle) {
  auto r = on_sirolimus(16).eval(linear_knowledge(),
                                 "test-centre");  // 0.3 x 10 / 16 = 0.1875 (within -50%)
  ASSERT_TRUE(r.sirolimus_trough->adjustment);
  EXPECT_NEAR(r.sirolimus_trough->adjustment->calculated.value, 0.1875, 1e-12);
  EXPECT_NEAR(r.sirolimus_trough->adjustment->dose.value, 0.19, 1e-12);
  EXPECT_FALSE(has_alert(r, "sirolimus_trough_high"));
}

TEST(DOSE_SIR_ADJ_1, TroughBelowThreeNeverRaisesTheDose) {
  auto r = on_sirolimus(2.5).eval();
  EXPECT_FALSE(r.sirolimus_trough->adjustment);
  EXPECT_TRUE(has_alert(r, "check_adherence_and_sampling"));
}

TEST(DOSE_SIR_ADJ_1, ConditionsThatMakeALevelNotInterpretable) {
  auto reasons = [](Builder b) {
    auto r = b.eval();
    EXPECT_FALSE(r.sirolimus_trough->adjustment);
    EXPECT_TRUE(has_alert(r, "trough_not_interpretable"));
    return r.sirolimus_trough->not_interpretable_because;
  };
  auto has = [](const std::vector<std::string>& v, const std::string& part) {
    return std::any_of(v.begin(), v.end(),
                       [&](const std::string& s) { return s.find(part) != std::string::npos; });
  };
  EXPECT_TRUE(has(reasons(on_sirolimus(3.5, 30, 6)), "not a trough"));
  EXPECT_TRUE(has(reasons(on_sirolimus(3.5, 5)), "steady state"));
  auto no_time = Builder();
  no_time.age_days(300)
      .dx("khe")
      .platelets(200)
      .body(8, 70)
      .med("sirolimus", 30, 0.3, 12)
      .lab(Analyte::sirolimus_level, 3.5, 2);
  EXPECT_TRUE(has(reasons(no_time), "last dose before the sample is not recorded"));
  auto azole = on_sirolimus(3.5);
  azole.med("fluconazole", 5);
  EXPECT_TRUE(has(reasons(azole), "fluconazole started or stopped"));
  auto floor = Builder();
  floor.age_days(300)
      .dx("khe")
      .platelets(200)
      .body(8, 70)
      .med("sirolimus", 30, 0.3, 12)
      .med("sirolimus", 14 / 24.0, 0.3, 12)
      .administered()
      .lab(Analyte::sirolimus_level, 2, 2, model::Comparator::lt);
  EXPECT_TRUE(has(reasons(floor), "assay's lower limit"));
  // A young infant needs 10 days at the dose, not 7.
  auto infant = on_sirolimus(3.5, 8);
  infant.age_days(120);
  EXPECT_TRUE(has(reasons(infant), "at least 10"));
  EXPECT_TRUE(on_sirolimus(3.5, 8).eval().sirolimus_trough->interpretable);
}

TEST(DOSE_SIR_TOX_1, HighAndToxicTroughs) {
  auto high = on_sirolimus(22).eval();
  ASSERT_TRUE(has_alert(high, "sirolimus_trough_high"));
  EXPECT_FALSE(find_alert(high, "sirolimus_trough_high")->details.empty());
  EXPECT_NE(high.urgency, engine::Urgency::emergent);
  auto toxic = on_sirolimus(32);
  toxic.flag("infection");
  auto t = toxic.eval();
  EXPECT_TRUE(has_alert(t, "sirolimus_toxicity_emergent_review"));
  EXPECT_EQ(t.urgency, engine::Urgency::emergent);
  EXPECT_FALSE(has_alert(on_sirolimus(32).eval(), "sirolimus_toxicity_emergent_review"));
}

// "> 30 with mucositis, pneumonitis or infection -> emergent review": the team's recent
// record of mucositis or pneumonitis (AE-2 codes, graded or flagged) counts like an infection.
TEST(DOSE_SIR_TOX_1, MucositisOrPneumonitisWithAVeryHighTroughIsEmergent) {
  auto graded = [](double days_ago, const std::string& code) {
    auto b = on_sirolimus(32);
    b.flag(code, true, days_ago * 24);
    b.record().findings.back().flag.reset();
    b.record().findings.back().grade = 2;
    return b.eval();
  };
  const auto mucositis = graded(1, "ae-oral-mucositis");
  EXPECT_TRUE(has_alert(mucositis, "sirolimus_toxicity_emergent_review"));
  EXPECT_EQ(mucositis.urgency, engine::Urgency::emergent);
  auto pneumonitis = on_sirolimus(32);
  pneumonitis.flag("ae-pneumonitis", true, 48);
  EXPECT_TRUE(has_alert(pneumonitis.eval(), "sirolimus_toxicity_emergent_review"));
  // Older than the window, or recorded as gone: no emergent review.
  EXPECT_FALSE(has_alert(graded(10, "ae-oral-mucositis"), "sirolimus_toxicity_emergent_review"));
  auto gone = on_sirolimus(32);
  gone.flag("ae-pneumonitis", false, 24);
  EXPECT_FALSE(has_alert(gone.eval(), "sirolimus_toxicity_emergent_review"));
  // A trough of 25 with mucositis is high, not emergent.
  auto lower = on_sirolimus(25);
  lower.flag("ae-oral-mucositis", true, 24);
  EXPECT_FALSE(has_alert(lower.eval(), "sirolimus_toxicity_emergent_review"));
}

// ---------------------------------------------------------------- exact boundaries

// A child on sirolimus `dose` mg every 12 h with exact times: the current course began
// `days_on_dose` days and the last dose `hours_after_dose` hours before the level, which
// was drawn 2 h before as-of. Platelets 200: no KMP.
Builder exact(double level, double days_on_dose = 30, double hours_after_dose = 12,
              double dose = 0.3, int age = 300) {
  Builder b;
  b.age_days(age).dx("khe").platelets(200).body(8, 70);
  b.med("sirolimus", 30, dose, 12).med("sirolimus", 1, dose, 12).administered();
  b.lab(Analyte::sirolimus_level, level, 2);
  auto& meds = b.record().medications;
  const Instant sample = b.as_of() - Seconds(2 * 3600);
  meds[0].start = sample - Seconds(std::llround(days_on_dose * 86400));
  meds[1].start = sample - Seconds(std::llround(hours_after_dose * 3600));
  return b;
}

bool has_reason_part(const engine::Report& r, const std::string& part) {
  const auto& v = r.sirolimus_trough->not_interpretable_because;
  return std::any_of(v.begin(), v.end(),
                     [&](const std::string& s) { return s.find(part) != std::string::npos; });
}

using Details = std::vector<std::string>;

TEST(TARGET_1, BoundsOfTheRangeAreInside) {
  for (double v : {5.0, 15.0}) {
    auto r = exact(v).eval();
    ASSERT_TRUE(r.sirolimus_trough);
    EXPECT_EQ(r.sirolimus_trough->status, "in_range") << v;
    EXPECT_FALSE(has_alert(r, "trough_below_target")) << v;
    EXPECT_FALSE(has_alert(r, "trough_above_target")) << v;
    EXPECT_FALSE(r.sirolimus_trough->adjustment) << v;
  }
  auto low = exact(4.9).eval();
  EXPECT_EQ(low.sirolimus_trough->status, "below");
  ASSERT_TRUE(has_alert(low, "trough_below_target"));
  EXPECT_EQ(find_alert(low, "trough_below_target")->details,
            Details{"4.9 ng/mL; target 5-15 ng/mL (no_kmp)"});
  auto high = exact(15.1).eval();
  EXPECT_EQ(high.sirolimus_trough->status, "above");
  ASSERT_TRUE(has_alert(high, "trough_above_target"));
  EXPECT_EQ(find_alert(high, "trough_above_target")->details,
            Details{"15.1 ng/mL; target 5-15 ng/mL (no_kmp)"});
  EXPECT_FALSE(has_alert(high, "trough_below_target"));
}

TEST(TARGET_1, KmpRangeBelow100AndRangeWithoutKmpAtExactly100) {
  auto at100 = exact(7);
  at100.platelets(100, 1);  // KMP-1: exactly 100 is absent
  auto r = at100.eval();
  EXPECT_EQ(r.kmp_status, engine::KmpStatus::absent);
  EXPECT_EQ(r.sirolimus_trough->phase, "no_kmp");
  EXPECT_EQ(r.sirolimus_trough->status, "in_range");
  auto at99 = exact(7);
  at99.platelets(99, 1);
  auto k = at99.eval();
  EXPECT_EQ(k.sirolimus_trough->phase, "kmp");
  EXPECT_EQ(k.sirolimus_trough->target_low, 8);
  EXPECT_EQ(k.sirolimus_trough->target_high, 15);
  EXPECT_EQ(find_alert(k, "trough_below_target")->details,
            Details{"7 ng/mL; target 8-15 ng/mL (kmp)"});
}

TEST(TARGET_1, SuspectedKmpUsesTheKmpRange) {
  // A vascular tumour of unknown type with platelets < 100 is "suspected" KMP; on sirolimus
  // it is treated as KMP (the safer reading of "KMP present 8-15").
  Builder b;
  b.age_days(300).dx("vascular-tumor-unspecified").platelets(60).body(8, 70);
  b.med("sirolimus", 30, 0.3, 12).med("sirolimus", 14 / 24.0, 0.3, 12).administered();
  b.lab(Analyte::sirolimus_level, 7, 2);
  auto r = b.eval();
  ASSERT_EQ(r.kmp_status, engine::KmpStatus::suspected);
  EXPECT_EQ(r.sirolimus_trough->phase, "kmp");
  EXPECT_EQ(r.sirolimus_trough->status, "below");
}

TEST(TARGET_1, KmpRangeUntilResolutionWhenNoCountIsFresh) {
  // KMP at the start of sirolimus and no platelet count in the last 7 days: the status is
  // indeterminate, but KMP has not resolved, so the KMP range still applies (the safer
  // reading: "KMP absent or after resolution" is not known to hold).
  auto child = [](std::vector<std::pair<double, double>> counts) {
    Builder b;
    b.age_days(300).dx("khe").body(8, 70);
    b.med("sirolimus", 30, 0.3, 12).med("sirolimus", 14 / 24.0, 0.3, 12).administered();
    for (auto [value, days_ago] : counts) b.platelets(value, days_ago * 24);
    b.lab(Analyte::sirolimus_level, 7, 2);
    return b.eval();
  };
  auto open = child({{40, 31}, {90, 10}});
  EXPECT_EQ(open.kmp_status, engine::KmpStatus::indeterminate);
  EXPECT_EQ(open.sirolimus_trough->phase, "kmp");
  EXPECT_TRUE(has_alert(open, "trough_below_target"));
  // Resolved (two counts above 100, 10 days apart), then no fresh count: 5-15.
  auto resolved = child({{40, 31}, {130, 25}, {150, 15}});
  EXPECT_EQ(resolved.kmp_status, engine::KmpStatus::indeterminate);
  ASSERT_TRUE(resolved.response && resolved.response->resolution_date);
  EXPECT_EQ(resolved.sirolimus_trough->phase, "no_kmp");
  EXPECT_EQ(resolved.sirolimus_trough->status, "in_range");
  // Sirolimus not started for KMP (no therapy start) and no fresh count: 5-15.
  auto no_kmp = child({{150, 31}, {160, 10}});
  EXPECT_EQ(no_kmp.sirolimus_trough->phase, "no_kmp");
}

TEST(TARGET_1, LongTermRangeOnlyAfterMoreThan365Days) {
  auto phase = [](double first_days_ago, double platelets = 200) {
    auto b = exact(4);
    b.med("sirolimus", first_days_ago, 0.3, 12).ended(31);  // the first course
    b.platelets(platelets, 1);
    return b.eval().sirolimus_trough->phase;
  };
  EXPECT_EQ(phase(365), "no_kmp");  // "> 12 months": exactly 365 days is not yet
  EXPECT_EQ(phase(365 + 1 / 24.0), "long_term");
  EXPECT_EQ(phase(500, 60), "kmp");  // KMP present keeps the KMP range however long
  auto lt = exact(4);
  lt.med("sirolimus", 400, 0.3, 12).ended(31);
  auto r = lt.eval();
  EXPECT_EQ(r.sirolimus_trough->target_low, 2);
  EXPECT_EQ(r.sirolimus_trough->target_high, 5);
  EXPECT_EQ(r.sirolimus_trough->status, "in_range");
}

TEST(TARGET_1, MaintenanceRangeWhenTheCentreChoosesIt) {
  const auto k = knowledge_with_profile(
      R"({"id": "test-centre", "description": "maintenance arm of NCT04448873",
          "overrides": {"TARGET-1": {"long_term_range": "maintenance"},
                        "DOSE-SIR-ADJ-1": {"model_based": false}}})");
  auto b = exact(9);
  b.med("sirolimus", 400, 0.3, 12).ended(31);
  auto r = b.eval(k, "test-centre");
  ASSERT_TRUE(r.sirolimus_trough);
  EXPECT_EQ(r.sirolimus_trough->phase, "maintenance");
  EXPECT_EQ(r.sirolimus_trough->target_low, 5);
  EXPECT_EQ(r.sirolimus_trough->target_high, 7);
  EXPECT_EQ(r.sirolimus_trough->status, "above");
  ASSERT_TRUE(r.sirolimus_trough->adjustment);  // 0.3 x 6 / 9 = 0.2
  EXPECT_NEAR(r.sirolimus_trough->adjustment->calculated.value, 0.2, 1e-12);
  EXPECT_EQ(b.eval().sirolimus_trough->phase, "long_term");  // the default: 2-5
}

TEST(DOSE_SIR_ADJ_1, SteadyStateFromSevenDaysAtTheDose) {
  auto seven = exact(3.5, 7).eval();
  EXPECT_TRUE(seven.sirolimus_trough->interpretable);
  EXPECT_TRUE(seven.sirolimus_trough->adjustment);
  EXPECT_TRUE(has_alert(seven, "sirolimus_dose_adjustment"));
  auto almost = exact(3.5, 7 - 1 / 24.0).eval();
  EXPECT_FALSE(almost.sirolimus_trough->interpretable);
  EXPECT_FALSE(almost.sirolimus_trough->adjustment);
  EXPECT_TRUE(has_alert(almost, "trough_not_interpretable"));
  EXPECT_FALSE(has_alert(almost, "sirolimus_dose_adjustment"));
  EXPECT_TRUE(has_reason_part(almost, "steady state"));
  // Under 6 months corrected age: 10 days.
  EXPECT_TRUE(exact(3.5, 10, 12, 0.3, 120).eval().sirolimus_trough->interpretable);
  EXPECT_FALSE(exact(3.5, 10 - 1 / 24.0, 12, 0.3, 120).eval().sirolimus_trough->interpretable);
  // Corrected, not chronological: born at 30 weeks, 200 days old is 130 days corrected.
  auto preterm = exact(3.5, 8, 12, 0.3, 200);
  preterm.lab(Analyte::gestational_age, 30, 200 * 24);
  EXPECT_TRUE(has_reason_part(preterm.eval(), "at least 10"));
  EXPECT_TRUE(exact(3.5, 8, 12, 0.3, 200).eval().sirolimus_trough->interpretable);
}

TEST(DOSE_SIR_ADJ_1, TroughIs11To13HoursAfterTheLastDose) {
  for (double h : {11.0, 12.0, 13.0})
    EXPECT_TRUE(exact(3.5, 30, h).eval().sirolimus_trough->interpretable) << h;
  for (double h : {10.9, 13.1}) {
    auto r = exact(3.5, 30, h).eval();
    EXPECT_FALSE(r.sirolimus_trough->interpretable) << h;
    EXPECT_FALSE(r.sirolimus_trough->adjustment) << h;
    EXPECT_TRUE(has_reason_part(r, "not a trough")) << h;
  }
}

TEST(DOSE_SIR_ADJ_1, LevelAtTheAssayLimitIsNotInterpretable) {
  // "the value is above the assay's lower limit" (1 ng/mL): a level of exactly 1 is not.
  auto r = exact(1).eval();
  EXPECT_EQ(r.sirolimus_trough->status, "below");
  EXPECT_FALSE(r.sirolimus_trough->interpretable);
  EXPECT_TRUE(has_reason_part(r, "assay's lower limit"));
  EXPECT_FALSE(r.sirolimus_trough->adjustment);
  EXPECT_TRUE(has_alert(r, "trough_not_interpretable"));
  EXPECT_FALSE(has_alert(r, "sirolimus_dose_adjustment"));
  // Below 3 ng/mL: check adherence and sampling, whether or not the level is interpretable.
  EXPECT_TRUE(has_alert(r, "check_adherence_and_sampling"));
  auto just_above = exact(1.1).eval();
  EXPECT_TRUE(just_above.sirolimus_trough->interpretable);
  EXPECT_FALSE(just_above.sirolimus_trough->adjustment);  // never an automatic increase
  EXPECT_TRUE(has_alert(just_above, "check_adherence_and_sampling"));
  EXPECT_FALSE(has_alert(just_above, "sirolimus_dose_adjustment"));
}

TEST(DOSE_SIR_ADJ_1, ThreeIsTheLowestTroughThatRaisesTheDose) {
  auto three =
      exact(3).eval(linear_knowledge(), "test-centre");  // 0.3 x 10 / 3 = 1.0 -> limited to +50%
  ASSERT_TRUE(three.sirolimus_trough->adjustment);
  EXPECT_NEAR(three.sirolimus_trough->adjustment->dose.value, 0.45, 1e-12);
  EXPECT_FALSE(has_alert(three, "check_adherence_and_sampling"));
  auto under = exact(2.99).eval(linear_knowledge(), "test-centre");
  EXPECT_FALSE(under.sirolimus_trough->adjustment);
  EXPECT_TRUE(has_alert(under, "check_adherence_and_sampling"));
  // A trough not interpretable for another reason but >= 3 does not ask for the check.
  EXPECT_FALSE(has_alert(exact(3.5, 5).eval(linear_knowledge(), "test-centre"),
                         "check_adherence_and_sampling"));
}

TEST(DOSE_SIR_ADJ_1, ScalesToTheMiddleOfTheKmpRange) {
  auto b = exact(7.9);
  b.platelets(60, 1);  // KMP present: 8-15, middle 11.5
  auto r = b.eval(linear_knowledge(), "test-centre");
  ASSERT_EQ(r.sirolimus_trough->phase, "kmp");
  ASSERT_TRUE(r.sirolimus_trough->adjustment);
  const auto& d = *r.sirolimus_trough->adjustment;
  EXPECT_NEAR(d.calculated.value, 0.3 * 11.5 / 7.9, 1e-12);  // 0.4367, within +50%
  EXPECT_NEAR(d.dose.value, 0.44, 1e-12);
  EXPECT_NEAR(d.volume->value, 0.44, 1e-12);
  EXPECT_EQ(d.basis.find("limited"), std::string::npos);
  EXPECT_EQ(d.why.rule_id, "DOSE-SIR-ADJ-1");
  EXPECT_EQ(find_alert(r, "sirolimus_dose_adjustment")->details,
            Details{"0.44 mg = 0.44 mL of oral solution 1 mg/mL every 12 h "
                    "(0.3 mg x 11.5 / 7.9 ng/mL)"});
}

TEST(DOSE_SIR_ADJ_1, DecreaseLimitedToHalfPerStep) {
  auto r = exact(40).eval(linear_knowledge(),
                          "test-centre");  // 0.3 x 10 / 40 = 0.075 -> limited to 0.15
  ASSERT_TRUE(r.sirolimus_trough->adjustment);
  EXPECT_NEAR(r.sirolimus_trough->adjustment->calculated.value, 0.15, 1e-12);
  EXPECT_NE(r.sirolimus_trough->adjustment->basis.find("limited to 50% per step"),
            std::string::npos);
  EXPECT_TRUE(has_alert(r, "sirolimus_trough_high"));
}

TEST(DOSE_SIR_ADJ_1, SmallNewDoseUsesThePharmacyDilution) {
  auto r = exact(16, 30, 12, 0.12)
               .eval(linear_knowledge(), "test-centre");  // 0.12 x 10 / 16 = 0.075 mg, under 0.1 mg
  ASSERT_TRUE(r.sirolimus_trough->adjustment);
  const auto& d = *r.sirolimus_trough->adjustment;
  EXPECT_NEAR(d.dose.value, 0.075, 1e-9);
  ASSERT_TRUE(d.concentration && d.volume);
  EXPECT_EQ(d.concentration->value, 0.1);
  EXPECT_NEAR(d.volume->value, 0.75, 1e-9);
  EXPECT_EQ(d.formulation, "pharmacy dilution 0.1 mg/mL");
  EXPECT_NE(find_alert(r, "sirolimus_dose_adjustment")
                ->details.at(0)
                .find("0.75 mL of pharmacy dilution 0.1 mg/mL"),
            std::string::npos);
}

TEST(DOSE_SIR_ADJ_1, NewDoseNeverAboveTheCeiling) {
  auto r =
      exact(4, 30, 12, 1.8)
          .eval(linear_knowledge(), "test-centre");  // 1.8 x 10 / 4 = 4.5 -> +50% = 2.7 -> 2 mg
  ASSERT_TRUE(r.sirolimus_trough->adjustment);
  const auto& d = *r.sirolimus_trough->adjustment;
  EXPECT_TRUE(d.capped);
  EXPECT_NEAR(d.dose.value, 2.0, 1e-12);
  EXPECT_NEAR(d.volume->value, 2.0, 1e-12);
}

TEST(DOSE_SIR_ADJ_1, UnderSixMonthsTheNewDoseRoundsDown) {
  // 0.3 x 10 / 16 = 0.1875: 0.19 at 10 months (HighTroughScalesDownToTheMiddle), 0.18 here.
  auto r = exact(16, 30, 12, 0.3, 120).eval(linear_knowledge(), "test-centre");
  ASSERT_TRUE(r.sirolimus_trough->adjustment);
  EXPECT_NEAR(r.sirolimus_trough->adjustment->dose.value, 0.18, 1e-12);
}

TEST(DOSE_SIR_ADJ_1, LevelInRangeIsNeverJudgedForAdjustment) {
  auto r = exact(9, 3).eval();  // before steady state, but nothing to change
  EXPECT_EQ(r.sirolimus_trough->status, "in_range");
  EXPECT_FALSE(has_alert(r, "trough_not_interpretable"));
  EXPECT_FALSE(r.sirolimus_trough->adjustment);
}

TEST(DOSE_SIR_TOX_1, ThresholdsAreStrictlyAbove) {
  EXPECT_FALSE(has_alert(exact(20).eval(), "sirolimus_trough_high"));
  auto high = exact(20.5).eval();
  ASSERT_TRUE(has_alert(high, "sirolimus_trough_high"));
  EXPECT_EQ(find_alert(high, "sirolimus_trough_high")->details,
            Details{default_knowledge().profile("default")->text("DOSE-SIR-TOX-1", "advice")});
  auto at30 = exact(30);
  at30.flag("infection");
  auto a = at30.eval();
  EXPECT_TRUE(has_alert(a, "sirolimus_trough_high"));
  EXPECT_FALSE(has_alert(a, "sirolimus_toxicity_emergent_review"));
  auto fever = exact(30.5);
  fever.lab(Analyte::temperature, 38.5, 3);
  auto f = fever.eval();
  EXPECT_TRUE(has_alert(f, "sirolimus_toxicity_emergent_review"));
  EXPECT_EQ(f.urgency, engine::Urgency::emergent);
  EXPECT_TRUE(has_reason(f, "DOSE-SIR-TOX-1"));
}

TEST(DOSE_SIR_TOX_1, HighLevelIsFlaggedEvenWhenNotATrough) {
  auto r = exact(25, 30, 6).eval();  // 6 h after the dose: cannot guide the dose
  EXPECT_FALSE(r.sirolimus_trough->interpretable);
  EXPECT_TRUE(has_alert(r, "trough_not_interpretable"));
  EXPECT_TRUE(has_alert(r, "sirolimus_trough_high"));
}

}  // namespace
}  // namespace khe::test
