// DOSE-SIR-ADJ-1 with the model-based estimate: the Bayesian MAP fit of the default
// sirolimus PK model (src/pk) replaces the linear rule where the model covers the child, and
// the report carries the same result `khe tdm` computes.
#include <algorithm>

#include "builder.h"
#include "pk/fit.h"

namespace khe::test {
namespace {

using model::Analyte;

// A 10-month-old (8 kg) without KMP on sirolimus `dose` mg every 12 h for 30 days, the last
// dose given 12 h before the level, which was drawn 2 h before as-of.
Builder on_sirolimus(double level, double dose = 0.3, double kg = 8, int age_days = 300,
                     double hours_after_dose = 12) {
  Builder b;
  b.age_days(age_days).dx("khe").platelets(200).body(kg, 70);
  b.med("sirolimus", 30, dose, 12);
  b.med("sirolimus", (2 + hours_after_dose) / 24.0, dose, 12).administered();
  b.lab(Analyte::sirolimus_level, level, 2);
  return b;
}

bool has_reason_part(const std::vector<std::string>& v, const std::string& part) {
  return std::any_of(v.begin(), v.end(),
                     [&](const std::string& s) { return s.find(part) != std::string::npos; });
}

TEST(DOSE_SIR_ADJ_1, ModelEstimateReplacesTheLinearRule) {
  Builder b = on_sirolimus(16);
  const auto r = b.eval();
  const auto& t = *r.sirolimus_trough;
  ASSERT_TRUE(t.model_based);
  const auto& mb = *t.model_based;
  EXPECT_TRUE(mb.covers_child);
  EXPECT_TRUE(mb.not_covered_because.empty());
  ASSERT_TRUE(mb.fit && mb.fit->recommendation);
  EXPECT_EQ(mb.fit->model_id, "fan2024");
  EXPECT_EQ(mb.fit->observations.size(), 1u);
  EXPECT_EQ(mb.target_source, "TARGET-1 (no_kmp)");
  EXPECT_EQ(mb.why.rule_id, "DOSE-SIR-ADJ-1");
  EXPECT_NE(std::find(mb.why.sources.begin(), mb.why.sources.end(), "fan2024"),
            mb.why.sources.end());

  ASSERT_TRUE(mb.used_for_dose);
  ASSERT_TRUE(t.adjustment);
  const auto& d = *t.adjustment;
  const auto& rec = *mb.fit->recommendation;
  EXPECT_EQ(d.dose.value, rec.dose.value);
  EXPECT_EQ(d.volume->value, rec.volume.value);
  EXPECT_EQ(d.interval_h, rec.interval.count());
  EXPECT_LT(d.dose.value, 0.3);  // a high level lowers the dose
  EXPECT_NE(d.basis.find("model fan2024"), std::string::npos);
  EXPECT_TRUE(has_reason_part(d.notes, "predicted steady-state trough"));
  EXPECT_TRUE(has_alert(r, "sirolimus_dose_adjustment"));

  // The same result as pk::fit on the same record, as-of and target (what `khe tdm` runs).
  const auto& k = default_knowledge();
  pk::TdmOptions o = pk::tdm_options_from_profile(*k.profile("default"));
  o.target_low_ng_per_ml = t.target_low;
  o.target_high_ng_per_ml = t.target_high;
  auto direct = pk::fit(b.record(), k.pk_models, "fan2024", b.as_of(), o);
  ASSERT_TRUE(direct.ok());
  EXPECT_EQ(direct->eta, mb.fit->eta);
  EXPECT_EQ(direct->recommendation->dose.value, rec.dose.value);
  EXPECT_EQ(direct->recommendation->probability_in_target, rec.probability_in_target);

  // Without the model (a centre's choice) the linear rule gives its own answer.
  const auto k_linear = knowledge_with_profile(
      R"({"id": "test-centre", "description": "linear",
          "overrides": {"DOSE-SIR-ADJ-1": {"model_based": false}}})");
  const auto lin = b.eval(k_linear, "test-centre");
  EXPECT_FALSE(lin.sirolimus_trough->model_based);
  ASSERT_TRUE(lin.sirolimus_trough->adjustment);
  EXPECT_NEAR(lin.sirolimus_trough->adjustment->calculated.value, 0.1875, 1e-12);
}

// A caller that never reads the model-based result (the cohort endpoints) may leave it out:
// no fit, and the linear rule's adjustment; everything the response reads is unchanged.
TEST(DOSE_SIR_ADJ_1, CallerMayLeaveOutTheModelBasedDosing) {
  Builder b = on_sirolimus(16);
  engine::EvaluateOptions off;
  off.model_based_dosing = false;
  const auto full = b.eval();
  const auto lean = b.eval(off);
  ASSERT_TRUE(full.sirolimus_trough && lean.sirolimus_trough);
  EXPECT_TRUE(full.sirolimus_trough->model_based);
  EXPECT_FALSE(lean.sirolimus_trough->model_based);
  ASSERT_TRUE(lean.sirolimus_trough->adjustment);
  EXPECT_EQ(lean.sirolimus_trough->adjustment->basis.find("model"), std::string::npos);
  EXPECT_EQ(lean.sirolimus_trough->status, full.sirolimus_trough->status);
  EXPECT_EQ(lean.kmp_status, full.kmp_status);
  EXPECT_EQ(lean.response.has_value(), full.response.has_value());
}

TEST(DOSE_SIR_ADJ_1, ModelNeverMovesTheDoseAgainstTheLevel) {
  // 0.12 mg and a level of 16 (above 5-15): the fit shrinks toward the typical child and
  // would raise the dose to 0.15 mg; the linear rule answers instead (0.12 x 10 / 16).
  const auto r = on_sirolimus(16, 0.12).eval();
  const auto& t = *r.sirolimus_trough;
  ASSERT_TRUE(t.model_based && t.model_based->fit && t.model_based->fit->recommendation);
  EXPECT_GT(t.model_based->fit->recommendation->dose.value, 0.12);
  EXPECT_FALSE(t.model_based->covers_child);
  EXPECT_TRUE(has_reason_part(t.model_based->not_covered_because, "against the measured level"));
  ASSERT_TRUE(t.adjustment);
  EXPECT_NEAR(t.adjustment->calculated.value, 0.075, 1e-12);
}

TEST(DOSE_SIR_ADJ_1, ModelDoseUnderTheDilutionLimitUsesThePharmacyDilution) {
  // 0.12 mg with a level of 30: the model cuts the dose under 0.1 mg (DOSE-SIR-1).
  const auto r = on_sirolimus(30, 0.12).eval();
  const auto& t = *r.sirolimus_trough;
  ASSERT_TRUE(t.model_based && t.model_based->used_for_dose);
  ASSERT_TRUE(t.adjustment && t.adjustment->concentration && t.adjustment->volume);
  const auto& d = *t.adjustment;
  EXPECT_LT(d.dose.value, 0.1);
  EXPECT_TRUE(t.model_based->fit->recommendation->diluted);
  EXPECT_EQ(d.concentration->value, 0.1);
  EXPECT_EQ(d.formulation, "pharmacy dilution 0.1 mg/mL");
  EXPECT_NEAR(d.volume->value, d.dose.value / 0.1, 1e-9);
}

TEST(DOSE_SIR_ADJ_1, OutsideTheModelsDomainTheLinearRuleApplies) {
  // 3 kg: under Fan 2024's 3.3 kg.
  const auto r = on_sirolimus(16, 0.3, 3.0).eval();
  const auto& t = *r.sirolimus_trough;
  ASSERT_TRUE(t.model_based);
  EXPECT_FALSE(t.model_based->covers_child);
  EXPECT_FALSE(t.model_based->used_for_dose);
  EXPECT_TRUE(has_reason_part(t.model_based->not_covered_because, "validity domain"));
  ASSERT_TRUE(t.model_based->fit);  // still shown, for the clinician to weigh
  ASSERT_TRUE(t.adjustment);
  EXPECT_NEAR(t.adjustment->calculated.value, 0.1875, 1e-12);  // 0.3 x 10 / 16
  EXPECT_EQ(t.adjustment->basis.find("model"), std::string::npos);
}

TEST(DOSE_SIR_ADJ_1, ModelNeverRaisesTheDoseOnALevelBelowThree) {
  const auto r = on_sirolimus(2.5).eval();
  const auto& t = *r.sirolimus_trough;
  ASSERT_TRUE(t.model_based && t.model_based->covers_child);
  EXPECT_FALSE(t.adjustment);
  EXPECT_TRUE(has_alert(r, "check_adherence_and_sampling"));
  EXPECT_FALSE(has_alert(r, "sirolimus_dose_adjustment"));
}

TEST(DOSE_SIR_ADJ_1, ModelDoesNotOverrideTheConditionsOfTheRule) {
  // Sampled 6 h after the dose: not a trough, so no new dose from either route.
  const auto r = on_sirolimus(16, 0.3, 8, 300, 6).eval();
  const auto& t = *r.sirolimus_trough;
  EXPECT_FALSE(t.interpretable);
  EXPECT_FALSE(t.adjustment);
  ASSERT_TRUE(t.model_based && t.model_based->fit);
  EXPECT_FALSE(t.model_based->used_for_dose);
  EXPECT_TRUE(has_alert(r, "trough_not_interpretable"));
}

TEST(DOSE_SIR_ADJ_1, LevelInRangeShowsTheEstimateWithoutANewDose) {
  const auto r = on_sirolimus(9).eval();
  const auto& t = *r.sirolimus_trough;
  EXPECT_EQ(t.status, "in_range");
  ASSERT_TRUE(t.model_based && t.model_based->fit);
  EXPECT_TRUE(t.model_based->covers_child);
  EXPECT_FALSE(t.model_based->used_for_dose);
  EXPECT_FALSE(t.adjustment);
}

TEST(DOSE_SIR_ADJ_1, WarningsTheCentreListsKeepTheModelOut) {
  // A centre that also refuses a step-limited recommendation: a 40 ng/mL level asks for
  // more than a 50% cut, so the linear rule answers.
  const auto k = knowledge_with_profile(
      R"({"id": "test-centre", "description": "strict",
          "overrides": {"DOSE-SIR-ADJ-1": {"model_not_used_with": ["step_limited"]}}})");
  const auto r = on_sirolimus(40).eval(k, "test-centre");
  const auto& t = *r.sirolimus_trough;
  ASSERT_TRUE(t.model_based);
  EXPECT_FALSE(t.model_based->covers_child);
  EXPECT_TRUE(has_reason_part(t.model_based->not_covered_because, "limited to 50%"));
  ASSERT_TRUE(t.adjustment);
  EXPECT_NEAR(t.adjustment->calculated.value, 0.15, 1e-12);  // linear, limited to -50%
}

TEST(DOSE_SIR_ADJ_1, InteractingDrugDuringTheLevelsKeepsTheModelOut) {
  // Fluconazole (a moderate CYP3A4 inhibitor) for the last 20 days: the level reflects it
  // (started more than 14 days before the sample, so the linear rule may still scale), but
  // the model has no term for it.
  Builder b = on_sirolimus(16);
  b.med("fluconazole", 20, 30, 24);
  const auto r = b.eval();
  const auto& t = *r.sirolimus_trough;
  ASSERT_TRUE(t.model_based);
  EXPECT_FALSE(t.model_based->covers_child);
  EXPECT_EQ(t.model_based->interacting_drugs, std::vector<std::string>{"fluconazole"});
  EXPECT_TRUE(has_reason_part(t.model_based->not_covered_because, "fluconazole"));
  ASSERT_TRUE(t.adjustment);
  EXPECT_NEAR(t.adjustment->calculated.value, 0.1875, 1e-12);  // linear

  // Stopped more than 14 days before the latest level: the model guides the dose again,
  // from the levels drawn after the window; the one drawn on fluconazole is left out.
  Builder old = on_sirolimus(16);
  old.med("fluconazole", 40, 30, 24).ended(20);
  old.lab(Analyte::sirolimus_level, 25, 25 * 24);  // 25 days ago, on fluconazole
  const auto r2 = old.eval();
  const auto& mb2 = *r2.sirolimus_trough->model_based;
  EXPECT_TRUE(mb2.interacting_drugs.empty());
  EXPECT_TRUE(mb2.used_for_dose);
  ASSERT_TRUE(mb2.fit);
  EXPECT_EQ(mb2.fit->observations.size(), 1u);
  EXPECT_TRUE(has_reason_part(mb2.fit->notes, "1 sirolimus level(s) before"));
  EXPECT_TRUE(has_reason_part(mb2.fit->notes, "fluconazole (interacting)"));
}

TEST(DOSE_SIR_ADJ_1, NoWeightMeansNoModelEstimate) {
  Builder b;
  b.age_days(300).dx("khe").platelets(200);
  b.med("sirolimus", 30, 0.3, 12).med("sirolimus", 14 / 24.0, 0.3, 12).administered();
  b.lab(Analyte::sirolimus_level, 16, 2);
  const auto r = b.eval();
  ASSERT_TRUE(r.sirolimus_trough && r.sirolimus_trough->model_based);
  const auto& mb = *r.sirolimus_trough->model_based;
  EXPECT_FALSE(mb.fit);
  EXPECT_FALSE(mb.covers_child);
  EXPECT_TRUE(has_reason_part(mb.not_covered_because, "could not be fitted"));
}

}  // namespace
}  // namespace khe::test
