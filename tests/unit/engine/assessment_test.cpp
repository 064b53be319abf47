// Assessment rules: TIME-1, CONF-1, CMP-1, AGE-1, REF-1, DQ-1, DX-1..3, KMP-1..4, RISK-1,
// URG-1. Each test names its rule and shows both sides of the rule's boundary.
#include "builder.h"

namespace khe::test {
namespace {

using engine::Band;
using engine::KmpStatus;
using engine::Urgency;
using model::Analyte;
using model::Comparator;

TEST(KMP_1, PresentBelow100WithKhe) {
  auto r = Builder().dx("khe").platelets(99).eval();
  EXPECT_EQ(r.kmp_status, KmpStatus::present);
  ASSERT_TRUE(r.platelets);
  EXPECT_EQ(r.platelets->value, 99);
}

TEST(KMP_1, ExactlyHundredIsAbsent) {
  EXPECT_EQ(Builder().dx("tufted-angioma").platelets(100).eval().kmp_status, KmpStatus::absent);
}

TEST(KMP_1, NoFreshCountIsIndeterminateWithAlert) {
  auto r = Builder().dx("khe").platelets(40, 8 * 24).eval();  // 8 days old
  EXPECT_EQ(r.kmp_status, KmpStatus::indeterminate);
  ASSERT_TRUE(has_alert(r, "platelets_needed"));
  ASSERT_EQ(find_alert(r, "platelets_needed")->details.size(), 1u);  // the stale count, shown
  EXPECT_NE(find_alert(r, "platelets_needed")->details[0].find("8 days"), std::string::npos);
  EXPECT_FALSE(r.regimen);
  EXPECT_EQ(r.regimen_null_reason, "data_missing");
}

TEST(KMP_1, UnknownTumourLowCountIsSuspected) {
  auto r = Builder().dx("vascular-tumor-unspecified").platelets(60).eval();
  EXPECT_EQ(r.kmp_status, KmpStatus::suspected);
  auto high = Builder().dx("vascular-tumor-unspecified").platelets(160).eval();
  EXPECT_EQ(high.kmp_status, KmpStatus::absent);
}

TEST(KMP_1, NoDiagnosisIsNotApplicable) {
  auto r = Builder().platelets(40).eval();
  EXPECT_EQ(r.kmp_status, KmpStatus::not_applicable);
  EXPECT_EQ(r.regimen_null_reason, "nothing_to_recommend");
}

TEST(KMP_1, DefinitionScreenConsumptiveResearch) {
  EXPECT_EQ(Builder().dx("khe").platelets(70).fibrinogen(2.0).eval().kmp_definition, "screen");
  EXPECT_EQ(Builder().dx("khe").platelets(70).fibrinogen(1.2).eval().kmp_definition, "consumptive");
  EXPECT_EQ(Builder().dx("khe").platelets(50).fibrinogen(1.2).eval().kmp_definition, "research");
}

TEST(KMP_1, CoagulationStudiesNeeded) {
  EXPECT_TRUE(has_alert(Builder().dx("khe").platelets(70).eval(), "coagulation_studies_needed"));
  EXPECT_FALSE(has_alert(Builder().dx("khe").platelets(70).fibrinogen(2).eval(),
                         "coagulation_studies_needed"));
}

TEST(KMP_2, HalfOpenBands) {
  EXPECT_EQ(*Builder().dx("khe").platelets(29.9).eval().kmp_severity, Band::severe);
  EXPECT_EQ(*Builder().dx("khe").platelets(30).eval().kmp_severity, Band::moderate);
  EXPECT_EQ(*Builder().dx("khe").platelets(49.9).eval().kmp_severity, Band::moderate);
  EXPECT_EQ(*Builder().dx("khe").platelets(50).eval().kmp_severity, Band::mild);
  EXPECT_FALSE(Builder().dx("khe").platelets(150).eval().kmp_severity);
}

TEST(CMP_1, LessThanTenIsSevere) {
  auto r = Builder().dx("khe").lab(Analyte::platelets, 10, 2, Comparator::lt).eval();
  EXPECT_EQ(r.kmp_status, KmpStatus::present);
  EXPECT_EQ(*r.kmp_severity, Band::severe);
  EXPECT_EQ(r.platelets->comparator, Comparator::lt);
}

TEST(CMP_1, UndecidableBoundLeavesCriterionNull) {
  // "> 50" cannot say whether the count is below 100.
  auto r = Builder().dx("khe").lab(Analyte::platelets, 50, 2, Comparator::gt).eval();
  EXPECT_EQ(r.kmp_status, KmpStatus::indeterminate);
  // D-dimer "> 2000" ng/mL DDU with an upper limit of 215 is above twice it.
  auto d = Builder()
               .dx("khe")
               .platelets(80)
               .fibrinogen(2)
               .lab(Analyte::ddimer_ddu, 2000, 2, Comparator::gt)
               .ref_high(215)
               .eval();
  EXPECT_EQ(d.coagulopathy, std::optional<bool>(true));
}

TEST(KMP_3, FibrinogenOrDdimerCriterion) {
  auto fib = Builder().dx("khe").platelets(70).fibrinogen(1.4).eval();
  EXPECT_EQ(fib.coagulopathy, std::optional<bool>(true));
  EXPECT_EQ(fib.severe_hypofibrinogenemia, std::optional<bool>(false));
  auto dd = Builder()
                .dx("khe")
                .platelets(70)
                .fibrinogen(2)
                .lab(Analyte::ddimer_feu, 1.1)
                .ref_high(0.5)
                .eval();
  EXPECT_EQ(dd.coagulopathy, std::optional<bool>(true));
  auto none = Builder()
                  .dx("khe")
                  .platelets(70)
                  .fibrinogen(2)
                  .lab(Analyte::ddimer_feu, 0.9)
                  .ref_high(0.5)
                  .eval();
  EXPECT_EQ(none.coagulopathy, std::optional<bool>(false));
  auto partial = Builder().dx("khe").platelets(70).fibrinogen(2).eval();
  EXPECT_FALSE(partial.coagulopathy.has_value());
  auto severe = Builder().dx("khe").platelets(70).fibrinogen(0.9).eval();
  EXPECT_EQ(severe.severe_hypofibrinogenemia, std::optional<bool>(true));
}

TEST(KMP_3, CoagulopathyMayReflectInfection) {
  auto r = Builder().dx("khe").platelets(70).fibrinogen(1.2).flag("infection").eval();
  EXPECT_TRUE(has_alert(r, "coagulopathy_may_reflect_infection"));
  auto fever =
      Builder().dx("khe").platelets(70).fibrinogen(1.2).lab(Analyte::temperature, 38.2).eval();
  EXPECT_TRUE(has_alert(fever, "coagulopathy_may_reflect_infection"));
  EXPECT_FALSE(has_alert(Builder().dx("khe").platelets(70).fibrinogen(1.2).eval(),
                         "coagulopathy_may_reflect_infection"));
}

TEST(REF_1, DdimerWithoutAnyRangeIsNullAndFlagged) {
  // A 4-month-old: no knowledge default for D-dimer under 6 months, no lab range.
  auto r = Builder()
               .age_days(120)
               .dx("khe")
               .platelets(70)
               .fibrinogen(2)
               .lab(Analyte::ddimer_feu, 5)
               .eval();
  EXPECT_FALSE(r.coagulopathy.has_value());
  EXPECT_TRUE(has_alert(r, "reference_range_missing"));
  // An older child gets the age-banded default.
  auto older = Builder()
                   .age_days(400)
                   .dx("khe")
                   .platelets(70)
                   .fibrinogen(2)
                   .lab(Analyte::ddimer_feu, 5)
                   .eval();
  EXPECT_EQ(older.coagulopathy, std::optional<bool>(true));
}

TEST(KMP_4, AnemiaAgeBandedAndSevere) {
  auto r = Builder().age_days(120).dx("khe").platelets(70).lab(Analyte::hemoglobin, 9.0).eval();
  EXPECT_EQ(r.anemia, std::optional<bool>(true));  // below 9.5 at 2-6 months
  EXPECT_EQ(r.severe_anemia, std::optional<bool>(false));
  auto severe = Builder().dx("khe").platelets(70).lab(Analyte::hemoglobin, 6.5).eval();
  EXPECT_EQ(severe.severe_anemia, std::optional<bool>(true));
  auto normal = Builder().age_days(120).dx("khe").platelets(70).lab(Analyte::hemoglobin, 11).eval();
  EXPECT_EQ(normal.anemia, std::optional<bool>(false));
  auto lab_range = Builder()
                       .age_days(120)
                       .dx("khe")
                       .platelets(70)
                       .lab(Analyte::hemoglobin, 11)
                       .ref_low(11.5)
                       .eval();
  EXPECT_EQ(lab_range.anemia, std::optional<bool>(true));
}

TEST(TIME_1, LaterValuesAreIgnored) {
  auto r = Builder().dx("khe").platelets(150, 10).platelets(20, -5).eval();  // -5 h = after as-of
  EXPECT_EQ(r.kmp_status, KmpStatus::absent);
}

TEST(TIME_1, StalePlateletsInAcuteKmp) {
  EXPECT_TRUE(
      has_alert(Builder().dx("khe").platelets(40, 60).eval(), "platelets_stale_for_acute_kmp"));
  EXPECT_FALSE(
      has_alert(Builder().dx("khe").platelets(40, 20).eval(), "platelets_stale_for_acute_kmp"));
}

TEST(TIME_1, LatestAcuteRecordDecides) {
  auto cancelled = Builder()
                       .dx("khe")
                       .platelets(60)
                       .flag("active-bleeding", true, 30)
                       .flag("active-bleeding", false, 5)
                       .eval();
  EXPECT_FALSE(has_reason(cancelled, "URG-1a: active bleeding"));
  auto old = Builder().dx("khe").platelets(60).flag("active-bleeding", true, 50).eval();
  EXPECT_FALSE(has_reason(old, "URG-1a: active bleeding"));
  auto now = Builder().dx("khe").platelets(60).flag("active-bleeding", true, 5).eval();
  EXPECT_TRUE(has_reason(now, "URG-1a: active bleeding"));
}

TEST(CONF_1, ConfoundedCountNeverImprovesStatus) {
  // 40 before a platelet transfusion, 140 after: the 140 cannot make KMP absent.
  auto r = Builder()
               .dx("khe")
               .platelets(40, 72)
               .procedure("platelet-transfusion", 48, "indication-active-bleeding")
               .platelets(140, 24)
               .eval();
  EXPECT_EQ(r.kmp_status, KmpStatus::present);
  EXPECT_EQ(r.platelets->value, 40);
}

TEST(CONF_1, AllFreshConfoundedUsesPreTransfusionValueAndAlerts) {
  auto r = Builder()
               .dx("khe")
               .platelets(25, 10 * 24)
               .procedure("platelet-transfusion", 5 * 24, "indication-active-bleeding")
               .platelets(120, 2 * 24)
               .eval();
  EXPECT_TRUE(has_alert(r, "platelets_confounded_by_transfusion"));
  EXPECT_EQ(r.kmp_status, KmpStatus::present);
  EXPECT_EQ(r.platelets->value, 25);
  // Pre-transfusion value older than 30 days: indeterminate.
  auto old = Builder()
                 .dx("khe")
                 .platelets(25, 40 * 24)
                 .procedure("platelet-transfusion", 5 * 24, "indication-active-bleeding")
                 .platelets(120, 2 * 24)
                 .eval();
  EXPECT_EQ(old.kmp_status, KmpStatus::indeterminate);
}

TEST(CONF_1, LaterLowerConfoundedValueShowsWorsening) {
  auto r = Builder()
               .dx("khe")
               .platelets(60, 72)
               .procedure("platelet-transfusion", 48, "indication-active-bleeding")
               .platelets(20, 24)
               .eval();
  EXPECT_EQ(r.platelets->value, 20);
  EXPECT_EQ(*r.kmp_severity, Band::severe);
}

TEST(CONF_1, FibrinogenAfterCryoprecipitate) {
  auto r = Builder()
               .dx("khe")
               .platelets(60)
               .fibrinogen(0.8, 100)
               .procedure("cryoprecipitate-transfusion", 50, "indication-active-bleeding")
               .fibrinogen(1.8, 24)
               .eval();
  EXPECT_EQ(r.coagulopathy, std::optional<bool>(true));  // 0.8 used, the 1.8 is confounded
  EXPECT_FALSE(has_alert(r, "fibrinogen_confounded_by_transfusion"));  // a clean fresh value exists
  auto all = Builder()
                 .dx("khe")
                 .platelets(60)
                 .fibrinogen(0.8, 10 * 24)
                 .procedure("cryoprecipitate-transfusion", 50, "indication-active-bleeding")
                 .fibrinogen(1.8, 24)
                 .eval();
  EXPECT_TRUE(has_alert(all, "fibrinogen_confounded_by_transfusion"));
  EXPECT_EQ(all.severe_hypofibrinogenemia, std::optional<bool>(true));  // the pre-transfusion 0.8
}

TEST(AGE_1, CorrectedAgeForPretermInfant) {
  // 50 days old, born at 30 weeks: corrected age 50 - 70 = -20 days -> sirolimus halved.
  auto r = Builder()
               .age_days(50)
               .lab(Analyte::gestational_age, 30, 50 * 24)
               .dx("khe")
               .platelets(20)
               .fibrinogen(2)
               .body(3.5, 50)
               .eval();
  EXPECT_EQ(*r.corrected_age_days, -20);
  const auto* d = find_dose(r, "sirolimus");
  ASSERT_NE(d, nullptr);
  EXPECT_TRUE(d->halved);
  auto term = Builder()
                  .age_days(50)
                  .lab(Analyte::gestational_age, 39, 50 * 24)
                  .dx("khe")
                  .platelets(20)
                  .fibrinogen(2)
                  .body(3.5, 50)
                  .eval();
  EXPECT_EQ(*term.corrected_age_days, 50);
  EXPECT_FALSE(find_dose(term, "sirolimus")->halved);
}

TEST(DQ_1, ReaderIssuesBecomeDataQualityAlerts) {
  auto r = Builder().dx("khe").platelets(120).issue("unit_ambiguous").eval();
  const auto* a = find_alert(r, "data_quality");
  ASSERT_NE(a, nullptr);
  ASSERT_EQ(a->details.size(), 1u);
  EXPECT_NE(a->details[0].find("Observation/x"), std::string::npos);
  EXPECT_EQ(r.data_issues.size(), 1u);
}

TEST(DQ_1, RefusedNewerValueIsFlaggedCritical) {
  // The newest count could not be read: the report uses the older one and says so.
  auto r = Builder().dx("khe").platelets(41, 96).refused(Analyte::platelets, 30).eval();
  EXPECT_EQ(r.platelets->value, 41);
  const auto* a = find_alert(r, "newer_value_refused");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->severity, engine::AlertSeverity::critical);
  EXPECT_NE(a->details[0].find("Observation/refused"), std::string::npos);
  // A refused value older than the one used changes nothing.
  auto older = Builder().dx("khe").platelets(41, 10).refused(Analyte::platelets, 30).eval();
  EXPECT_FALSE(has_alert(older, "newer_value_refused"));
  // No value at all, but a fresh one was refused.
  auto none = Builder().dx("khe").refused(Analyte::platelets, 30).eval();
  EXPECT_TRUE(has_alert(none, "newer_value_refused"));
}

TEST(DX_1, LookAlikeWithLowPlateletsIsNotExpected) {
  auto r = Builder().dx("infantile-hemangioma").platelets(85).eval();
  EXPECT_EQ(r.kmp_status, KmpStatus::not_expected);
  EXPECT_EQ(*r.regimen, engine::Regimen::reassess_diagnosis);
  const auto* a = find_alert(r, "kmp_not_expected_for_diagnosis");
  ASSERT_NE(a, nullptr);
  ASSERT_FALSE(a->details.empty());
  EXPECT_NE(a->details[0].find("KHE"), std::string::npos);  // mislabelled KHE/TA first
}

TEST(DX_1, KheBesideHemangiomaGoverns) {
  auto r = Builder().dx("infantile-hemangioma").dx("khe").platelets(85).eval();
  EXPECT_EQ(r.kmp_status, KmpStatus::present);
  EXPECT_FALSE(has_alert(r, "kmp_not_expected_for_diagnosis"));
}

TEST(DX_1, NotExpectedNeverLowersUrgency) {
  auto r = Builder().dx("rich").platelets(20).flag("active-bleeding").eval();
  EXPECT_EQ(r.kmp_status, KmpStatus::not_expected);
  EXPECT_EQ(r.urgency, Urgency::emergent);
}

TEST(DX_2, ProvisionalDiagnosisWithKmpNeedsTissue) {
  auto r = Builder().dx("khe", model::Certainty::suspected).platelets(40).eval();
  const auto* a = find_alert(r, "tissue_diagnosis_pending");
  ASSERT_NE(a, nullptr);
  EXPECT_TRUE(std::find(a->details.begin(), a->details.end(), "neuroblastoma") != a->details.end());
  EXPECT_FALSE(has_alert(Builder().dx("khe").platelets(40).eval(), "tissue_diagnosis_pending"));
}

TEST(DX_2, NeonateExcludeNeonatalCauses) {
  EXPECT_TRUE(
      has_alert(Builder().age_days(10).dx("khe").platelets(40).eval(), "exclude_neonatal_causes"));
  EXPECT_FALSE(
      has_alert(Builder().age_days(40).dx("khe").platelets(40).eval(), "exclude_neonatal_causes"));
}

TEST(DX_3, FullyFormedAtBirthWithoutConfirmedDiagnosis) {
  EXPECT_TRUE(has_alert(Builder()
                            .dx("vascular-tumor-unspecified", model::Certainty::suspected)
                            .platelets(150)
                            .flag("lesion-fully-formed-at-birth", true, 24 * 30)
                            .eval(),
                        "consider_congenital_hemangioma"));
  EXPECT_FALSE(has_alert(
      Builder().dx("khe").platelets(150).flag("lesion-fully-formed-at-birth", true, 24 * 30).eval(),
      "consider_congenital_hemangioma"));
}

TEST(RISK_1, HighRiskFeatures) {
  auto deep = Builder()
                  .dx("khe")
                  .platelets(150)
                  .coded("lesion-site", "site-retroperitoneal", 24 * 20)
                  .eval();
  EXPECT_TRUE(deep.high_risk);
  auto superficial =
      Builder().dx("khe").platelets(150).coded("lesion-site", "site-cutaneous").eval();
  EXPECT_FALSE(superficial.high_risk);
  auto big = Builder().dx("khe").platelets(150).lab(Analyte::lesion_diameter, 8.5).eval();
  EXPECT_TRUE(big.high_risk);
  auto risk_finding =
      std::find_if(big.findings.begin(), big.findings.end(),
                   [](const engine::Finding& f) { return f.why.rule_id == "RISK-1"; });
  ASSERT_NE(risk_finding, big.findings.end());
  EXPECT_EQ(risk_finding->why.evidence_tag, "SECONDARY");  // > 8 cm rests on a secondary source
  EXPECT_FALSE(
      Builder().dx("khe").platelets(150).lab(Analyte::lesion_diameter, 8).eval().high_risk);
  EXPECT_TRUE(Builder().dx("khe").platelets(150).flag("lesion-multifocal").eval().high_risk);
  auto face = Builder().dx("khe").platelets(150).coded("lesion-site", "site-cervicofacial").eval();
  EXPECT_TRUE(has_alert(face, "assess_airway"));
}

TEST(URG_1, EmergentBranches) {
  EXPECT_TRUE(has_reason(Builder().dx("khe").platelets(20).fibrinogen(0.8).eval(), "URG-1b"));
  EXPECT_FALSE(has_reason(Builder().dx("khe").platelets(35).fibrinogen(0.8).eval(), "URG-1b"));
  auto comp = Builder()
                  .dx("khe")
                  .platelets(150)
                  .coded("vital-structure-compression", "compress-airway")
                  .eval();
  EXPECT_EQ(comp.urgency, Urgency::emergent);
  EXPECT_TRUE(has_reason(comp, "URG-1c"));
  auto hf = Builder().dx("khe").platelets(150).flag("heart-failure").eval();
  EXPECT_TRUE(has_reason(hf, "URG-1d"));
  auto bleed = Builder().platelets(90).flag("active-bleeding").eval();  // whatever the diagnosis
  EXPECT_EQ(bleed.urgency, Urgency::emergent);
}

TEST(URG_1, UrgentAndRoutine) {
  EXPECT_EQ(Builder().dx("khe").platelets(80).fibrinogen(2).eval().urgency, Urgency::urgent);
  EXPECT_EQ(Builder().dx("khe").platelets(150).fibrinogen(2).eval().urgency, Urgency::routine);
  auto lm = Builder().dx("lymphatic-malformation").platelets(45).eval();
  EXPECT_EQ(lm.urgency, Urgency::urgent);
  EXPECT_TRUE(has_alert(lm, "profound_thrombocytopenia_reassess_diagnosis"));
  EXPECT_FALSE(has_alert(Builder().dx("khe").platelets(45).eval(),
                         "profound_thrombocytopenia_reassess_diagnosis"));
  EXPECT_EQ(Builder().dx("khe").platelets(150).fibrinogen(0.9).eval().urgency, Urgency::urgent);
  auto indet = Builder().dx("khe").fibrinogen(1.0).eval();
  EXPECT_EQ(indet.kmp_status, KmpStatus::indeterminate);
  EXPECT_EQ(indet.urgency, Urgency::urgent);
}

}  // namespace
}  // namespace khe::test
