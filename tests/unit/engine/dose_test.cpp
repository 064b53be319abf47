// Doses: DOSE-SIR-1..3, DOSE-PRED-1, DOSE-VCR-1, DOSE-RND-1, BODY-1, TAPER-1 — and the
// property tests over the whole range of body sizes.
#include <cmath>

#include "builder.h"

namespace khe::test {
namespace {

using engine::Regimen;
using model::Analyte;

double mosteller(double kg, double cm) { return std::sqrt(kg * cm / 3600.0); }

TEST(DOSE_SIR_1, PerSquareMetreEvery12Hours) {
  auto r = Builder::khe_kmp(20).age_days(400).eval();  // 6 kg, 62 cm, 13 months
  const auto* d = find_dose(r, "sirolimus");
  ASSERT_NE(d, nullptr);
  double calc = 0.8 * mosteller(6, 62);
  EXPECT_NEAR(d->calculated.value, calc, 1e-12);
  EXPECT_NEAR(d->dose.value, std::round(calc * 100) / 100, 1e-12);
  EXPECT_EQ(d->interval_h, 12);
  EXPECT_EQ(d->route, "oral");
  ASSERT_TRUE(d->volume && d->concentration);
  EXPECT_EQ(d->concentration->value, 1.0);
  EXPECT_NEAR(d->volume->value, d->dose.value, 1e-12);
  EXPECT_NE(d->basis.find("0.8 mg/m2 x"), std::string::npos);
  ASSERT_TRUE(d->body.weight && d->body.height && d->body.bsa && d->body.weight_time);
}

TEST(DOSE_SIR_1, CeilingOf2mg) {
  auto r = Builder().age_days(5000).dx("khe").platelets(40).fibrinogen(2).body(120, 200).eval();
  const auto* d = find_dose(r, "sirolimus");
  ASSERT_NE(d, nullptr);
  EXPECT_TRUE(d->capped);
  EXPECT_EQ(d->dose.value, 2.0);
}

TEST(DOSE_SIR_1, SmallDoseUsesPharmacyDilution) {
  auto r = Builder().age_days(20).dx("khe").platelets(40).fibrinogen(2).body(2.5, 45).eval();
  const auto* d = find_dose(r, "sirolimus");
  ASSERT_NE(d, nullptr);  // 0.8 x 0.177 x 0.5 = 0.07 mg
  EXPECT_EQ(d->concentration->value, 0.1);
  EXPECT_NE(d->formulation.find("0.1 mg/mL"), std::string::npos);
  EXPECT_LE(d->dose.value, d->calculated.value);
}

TEST(DOSE_SIR_2, InfantCaution) {
  EXPECT_TRUE(has_alert(Builder::khe_kmp(20).age_days(120).eval(), "sirolimus_infant_caution"));
  EXPECT_FALSE(has_alert(Builder::khe_kmp(20).age_days(300).eval(), "sirolimus_infant_caution"));
  auto light = Builder().age_days(300).dx("khe").platelets(20).fibrinogen(2).body(4.5, 60).eval();
  EXPECT_TRUE(has_alert(light, "sirolimus_infant_caution"));
}

TEST(DOSE_SIR_3, HalvedUnderOneMonthCorrected) {
  auto r = Builder().age_days(20).dx("khe").platelets(20).fibrinogen(2).body(3.5, 50).eval();
  const auto* d = find_dose(r, "sirolimus");
  ASSERT_NE(d, nullptr);
  EXPECT_TRUE(d->halved);
  EXPECT_NEAR(d->calculated.value, 0.4 * mosteller(3.5, 50), 1e-12);
  EXPECT_TRUE(has_alert(r, "sirolimus_neonatal_dose_halved"));
  EXPECT_FALSE(find_alert(r, "sirolimus_neonatal_dose_halved")->details.empty());
  EXPECT_FALSE(
      find_dose(Builder().age_days(40).dx("khe").platelets(20).fibrinogen(2).body(3.5, 50).eval(),
                "sirolimus")
          ->halved);
}

TEST(DOSE_RND_1, RoundsDownUnderSixMonthsAndNeverUpMoreThan5Percent) {
  // 5.6 kg, 60 cm: 0.8 x 0.30551 = 0.24441 mg -> 0.24 mL (down, infant)
  auto infant = Builder().age_days(93).dx("khe").platelets(18).fibrinogen(0.8).body(5.6, 60).eval();
  EXPECT_NEAR(find_dose(infant, "sirolimus")->dose.value, 0.24, 1e-12);
  // Older child: nearest step.
  auto older = Builder().age_days(730).dx("khe").platelets(40).fibrinogen(2).body(12.5, 87).eval();
  const auto* d = find_dose(older, "sirolimus");  // 0.43972 -> 0.44
  EXPECT_NEAR(d->dose.value, 0.44, 1e-12);
  EXPECT_LE(d->dose.value, d->calculated.value * 1.05);
}

TEST(DOSE_PRED_1, TwoMgPerKgPerDayCapped) {
  auto r = Builder::khe_kmp(20).eval();
  const auto* d = find_dose(r, "prednisolone");
  ASSERT_NE(d, nullptr);
  EXPECT_NEAR(d->daily->value, 12.0, 1e-12);
  EXPECT_EQ(d->interval_h, 24);
  auto big = Builder().age_days(5000).dx("khe").platelets(20).fibrinogen(2).body(45, 150).eval();
  EXPECT_EQ(find_dose(big, "prednisolone")->daily->value, 60.0);
  EXPECT_TRUE(find_dose(big, "prednisolone")->capped);
  // the IV methylprednisolone alternative is computed (1.6 mg/kg/day, cap 48)
  EXPECT_NE(find_dose(big, "prednisolone")->notes[0].find("48 mg/day"), std::string::npos);
}

TEST(DOSE_VCR_1, WeightBasedUpTo10KgBsaAbove) {
  auto small = Builder::khe_kmp(20).eval("consensus-2013");  // 6 kg
  const auto* v = find_dose(small, "vincristine");
  ASSERT_NE(v, nullptr);
  EXPECT_NEAR(v->calculated.value, 0.3, 1e-12);
  EXPECT_EQ(v->interval_h, 168);
  auto big = Builder().age_days(2000).dx("khe").platelets(20).fibrinogen(2).body(20, 110).eval(
      "consensus-2013");
  EXPECT_NEAR(find_dose(big, "vincristine")->calculated.value, 1.5 * mosteller(20, 110), 1e-12);
  auto huge = Builder().age_days(6000).dx("khe").platelets(20).fibrinogen(2).body(80, 180).eval(
      "consensus-2013");
  EXPECT_EQ(find_dose(huge, "vincristine")->dose.value, 2.0);
  EXPECT_TRUE(has_alert(small, "vincristine_iv_only"));
  EXPECT_NE(find_alert(small, "vincristine_iv_only")->message.find("intravenous use only"),
            std::string::npos);
}

TEST(DOSE_VCR_1, IntervalTooShort) {
  Builder b = Builder::khe_kmp(20);
  b.med("vincristine", 10, 0.3).administered().med("vincristine", 6, 0.3).administered();
  EXPECT_TRUE(has_alert(b.eval("consensus-2013"), "vincristine_interval_too_short"));
  Builder ok = Builder::khe_kmp(20);
  ok.med("vincristine", 14, 0.3).administered().med("vincristine", 7, 0.3).administered();
  EXPECT_FALSE(has_alert(ok.eval("consensus-2013"), "vincristine_interval_too_short"));
}

TEST(BODY_1, MissingWeightOrHeightNeverGuessed) {
  auto no_w = Builder().dx("khe").platelets(20).fibrinogen(2).eval();
  EXPECT_TRUE(no_w.doses.empty());
  EXPECT_TRUE(has_alert(no_w, "weight_needed"));
  auto no_h = Builder().dx("khe").platelets(20).fibrinogen(2).lab(Analyte::weight, 6).eval();
  EXPECT_EQ(find_dose(no_h, "sirolimus"), nullptr);
  EXPECT_NE(find_dose(no_h, "prednisolone"), nullptr);  // weight-based still computed
  EXPECT_TRUE(has_alert(no_h, "height_needed"));
}

TEST(BODY_1, StaleWeightByAgeBand) {
  auto stale =
      Builder().age_days(60).dx("khe").platelets(20).fibrinogen(2).body(4.5, 55, 8 * 24).eval();
  EXPECT_TRUE(has_alert(stale, "weight_stale"));
  EXPECT_NE(find_dose(stale, "sirolimus"), nullptr);  // still computed
  auto fine =
      Builder().age_days(400).dx("khe").platelets(20).fibrinogen(2).body(9, 75, 20 * 24).eval();
  EXPECT_FALSE(has_alert(fine, "weight_stale"));
}

TEST(BODY_1, WeightChangeOver10PercentInAWeek) {
  auto r =
      Builder::khe_kmp(20).lab(Analyte::weight, 5.0, 5 * 24).lab(Analyte::weight, 5.8, 2).eval();
  EXPECT_TRUE(has_alert(r, "weight_change_check_oedema_or_lesion"));
  auto small =
      Builder::khe_kmp(20).lab(Analyte::weight, 5.5, 5 * 24).lab(Analyte::weight, 5.8, 2).eval();
  EXPECT_FALSE(has_alert(small, "weight_change_check_oedema_or_lesion"));
}

TEST(TAPER_1, StressDoseAfterLongCourse) {
  auto r = Builder::khe_kmp(150).med("prednisolone", 60, 12, 24).ended(20).flag("infection").eval();
  EXPECT_TRUE(has_alert(r, "consider_stress_dose_steroid"));
  auto short_course =
      Builder::khe_kmp(150).med("prednisolone", 30, 12, 24).ended(20).flag("infection").eval();
  EXPECT_FALSE(has_alert(short_course, "consider_stress_dose_steroid"));
}

// Property: for weights 0.5-120 kg and heights 30-200 cm every dose is within one measuring
// step of its formula, never above its cap, never more than 5% above the formula, and
// never above it at all under 6 months.
TEST(DoseProperties, WithinRoundingAndNeverAboveCap) {
  for (int age : {10, 100, 400, 3000}) {
    for (double kg = 0.5; kg <= 120; kg *= 1.37) {
      for (double cm = 30; cm <= 200; cm += 17) {
        for (const char* profile : {"default", "consensus-2013"}) {
          auto r = Builder().age_days(age).dx("khe").platelets(20).fibrinogen(2).body(kg, cm).eval(
              profile);
          ASSERT_FALSE(r.doses.empty());
          for (const auto& d : r.doses) {
            SCOPED_TRACE(d.drug + " kg=" + std::to_string(kg) + " cm=" + std::to_string(cm) +
                         " age=" + std::to_string(age));
            double bsa = mosteller(kg, cm);
            double formula = d.drug == "sirolimus"      ? 0.8 * bsa * (age < 30 ? 0.5 : 1.0)
                             : d.drug == "prednisolone" ? 2 * kg
                             : kg <= 10                 ? 0.05 * kg
                                                        : 1.5 * bsa;
            double cap = d.drug == "sirolimus" ? 2 : d.drug == "prednisolone" ? 60 : 2;
            EXPECT_NEAR(d.calculated.value, std::min(formula, cap), 1e-9);
            EXPECT_LE(d.dose.value, cap + 1e-12);
            EXPECT_LE(d.dose.value, d.calculated.value * 1.05 + 1e-12);
            if (age < 180) {
              EXPECT_LE(d.dose.value, d.calculated.value + 1e-12);
            }
            double step = d.concentration->value * 0.01;
            EXPECT_LE(std::fabs(d.dose.value - d.calculated.value), step + 1e-12);
            EXPECT_NEAR(d.volume->value * d.concentration->value, d.dose.value, 1e-12);
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace khe::test
