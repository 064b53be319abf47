// Sirolimus troughs: TARGET-1 phases, DOSE-SIR-ADJ-1 conditions and scaling, DOSE-SIR-TOX-1.
#include "builder.h"

namespace khe::test {
namespace {

using model::Analyte;

// A 10-month-old without KMP on sirolimus 0.3 mg every 12 h for 30 days, whose last dose
// was given 12 h before the level (a true trough) drawn 2 h before as-of.
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
  auto r = on_sirolimus(3.5).eval();  // 0.3 x 10 / 3.5 = 0.86 -> limited to 0.45
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
  auto r = on_sirolimus(16).eval();  // 0.3 x 10 / 16 = 0.1875 (within -50%)
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

}  // namespace
}  // namespace khe::test
