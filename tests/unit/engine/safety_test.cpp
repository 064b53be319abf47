// Drug safety and supportive care: DDI-1..6, PJP-1/2, INF-1, VAX-1, SURG-1, HEP-1, REN-1,
// BP-1, LIP-1, PREG-1, SUP-1..3.
#include "builder.h"

namespace khe::test {
namespace {

using engine::AlertSeverity;
using engine::Urgency;
using model::Analyte;

TEST(DDI_1, StrongInhibitor) {
  auto r = Builder::khe_kmp(40).med("voriconazole", 2).eval();
  EXPECT_TRUE(has_alert(r, "sirolimus_strong_inhibitor"));  // sirolimus recommended
  EXPECT_EQ(find_alert(r, "sirolimus_strong_inhibitor")->details[0], "voriconazole");
  EXPECT_FALSE(has_alert(Builder::khe_kmp(40).eval(), "sirolimus_strong_inhibitor"));
}

TEST(DDI_2, ModerateInhibitor) {
  EXPECT_TRUE(has_alert(Builder::khe_kmp(40).med("fluconazole", 2).eval(),
                        "sirolimus_trough_check_interaction"));
}

TEST(DDI_3, Inducer) {
  EXPECT_TRUE(has_alert(Builder::khe_kmp(40).med("phenobarbital", 2).eval(), "sirolimus_inducer"));
}

TEST(DDI_4, VincristineWithAzoleWithin7Days) {
  auto r = Builder::khe_kmp(40).med("fluconazole", 12).ended(5).eval("consensus-2013");
  EXPECT_TRUE(has_alert(r, "vincristine_azole_interaction"));
  auto old = Builder::khe_kmp(40).med("fluconazole", 30).ended(20).eval("consensus-2013");
  EXPECT_FALSE(has_alert(old, "vincristine_azole_interaction"));
}

TEST(DDI_5, AceInhibitorAngioedema) {
  EXPECT_TRUE(has_alert(Builder::khe_kmp(40).med("captopril", 2).eval(), "angioedema_risk"));
}

TEST(DDI_6, BleedingRiskMedicationWithLowPlatelets) {
  EXPECT_TRUE(
      has_alert(Builder::khe_kmp(40).med("ibuprofen", 1).eval(), "bleeding_risk_medication"));
  EXPECT_FALSE(
      has_alert(Builder::khe_kmp(80).med("ibuprofen", 1).eval(), "bleeding_risk_medication"));
}

TEST(PJP_1, SeverityDependsOnCombination) {
  auto combo = Builder::khe_kmp(20).eval();
  ASSERT_TRUE(has_alert(combo, "pjp_prophylaxis"));
  EXPECT_EQ(find_alert(combo, "pjp_prophylaxis")->severity, AlertSeverity::warning);
  auto alone =
      Builder().dx("khe").platelets(70).fibrinogen(2).body(6, 62).eval();  // TX-1m: sirolimus alone
  EXPECT_EQ(find_alert(alone, "pjp_prophylaxis")->severity, AlertSeverity::info);
  EXPECT_FALSE(has_alert(Builder().dx("khe").platelets(300).eval(), "pjp_prophylaxis"));
}

TEST(PJP_2, TmpSmxContraindicatedUnderTwoMonths) {
  auto young = Builder::khe_kmp(20).age_days(40).eval();
  EXPECT_TRUE(has_alert(young, "tmp_smx_contraindicated_under_2_months"));
  auto older = Builder::khe_kmp(20).age_days(120).eval();
  EXPECT_FALSE(has_alert(older, "tmp_smx_contraindicated_under_2_months"));
  const auto* pjp = find_alert(older, "pjp_prophylaxis");
  ASSERT_FALSE(pjp->details.empty());
  EXPECT_NE(pjp->details[0].find("trimethoprim"), std::string::npos);
}

TEST(INF_1, FeverOnImmunosuppression) {
  auto r = Builder()
               .age_days(200)
               .dx("khe")
               .platelets(150)
               .med("sirolimus", 30, 0.3, 12)
               .lab(Analyte::temperature, 38.4)
               .eval();
  EXPECT_TRUE(has_alert(r, "febrile_immunosuppressed"));
  EXPECT_EQ(r.urgency, Urgency::urgent);
  auto infant = Builder()
                    .age_days(60)
                    .dx("khe")
                    .platelets(150)
                    .med("sirolimus", 30, 0.2, 12)
                    .flag("infection")
                    .eval();
  EXPECT_EQ(infant.urgency, Urgency::emergent);
  auto neutropenic = Builder()
                         .age_days(200)
                         .dx("khe")
                         .platelets(150)
                         .med("sirolimus", 30, 0.3, 12)
                         .lab(Analyte::temperature, 38.4)
                         .lab(Analyte::neutrophils, 0.3)
                         .eval();
  EXPECT_EQ(neutropenic.urgency, Urgency::emergent);
  auto not_on_drugs =
      Builder().age_days(200).dx("khe").platelets(150).lab(Analyte::temperature, 38.4).eval();
  EXPECT_FALSE(has_alert(not_on_drugs, "febrile_immunosuppressed"));
  auto afebrile = Builder()
                      .age_days(200)
                      .dx("khe")
                      .platelets(150)
                      .med("sirolimus", 30, 0.3, 12)
                      .lab(Analyte::temperature, 37.9)
                      .eval();
  EXPECT_FALSE(has_alert(afebrile, "febrile_immunosuppressed"));
}

TEST(VAX_1, LiveVaccines) {
  EXPECT_TRUE(has_alert(Builder().dx("khe").platelets(150).med("sirolimus", 30, 0.3, 12).eval(),
                        "live_vaccines_contraindicated"));
  auto steroid = Builder()
                     .age_days(200)
                     .dx("khe")
                     .platelets(150)
                     .body(7, 66)
                     .med("prednisolone", 20, 14, 24)
                     .eval();
  EXPECT_TRUE(has_alert(steroid, "live_vaccines_contraindicated"));
  auto low = Builder()
                 .age_days(200)
                 .dx("khe")
                 .platelets(150)
                 .body(7, 66)
                 .med("prednisolone", 20, 5, 24)
                 .eval();
  EXPECT_FALSE(has_alert(low, "live_vaccines_contraindicated"));
}

TEST(SURG_1, PlannedProcedure) {
  auto r = Builder::khe_kmp(40)
               .med("sirolimus", 10, 0.25, 12)
               .procedure("surgical-resection", 0, "", model::ProcedureStatus::planned)
               .eval();
  EXPECT_TRUE(has_alert(r, "sirolimus_periop_review"));
  const auto* a = find_alert(r, "procedure_in_kmp_bleeding_risk");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->details.size(), 4u);  // platelets, fibrinogen, PT, aPTT
}

TEST(HEP_1, AltAboveFiveTimesUln) {
  EXPECT_TRUE(
      has_alert(Builder().dx("khe").platelets(150).lab(Analyte::alt, 250).ref_high(40).eval(),
                "hepatic_toxicity_review"));
  EXPECT_FALSE(
      has_alert(Builder().dx("khe").platelets(150).lab(Analyte::alt, 150).ref_high(40).eval(),
                "hepatic_toxicity_review"));
}

TEST(REN_1, CreatinineAboveAgeLimit) {
  EXPECT_TRUE(has_alert(
      Builder().age_days(200).dx("khe").platelets(150).lab(Analyte::creatinine, 0.6).eval(),
      "renal_review"));
  EXPECT_FALSE(has_alert(
      Builder().age_days(200).dx("khe").platelets(150).lab(Analyte::creatinine, 0.3).eval(),
      "renal_review"));
}

TEST(LIP_1, Hypertriglyceridemia) {
  EXPECT_TRUE(has_alert(Builder().dx("khe").platelets(150).lab(Analyte::triglycerides, 520).eval(),
                        "hypertriglyceridemia_review"));
  EXPECT_FALSE(has_alert(Builder().dx("khe").platelets(150).lab(Analyte::triglycerides, 480).eval(),
                         "hypertriglyceridemia_review"));
}

TEST(BP_1, CorticosteroidBloodPressure) {
  EXPECT_TRUE(has_alert(Builder::khe_kmp(20).eval(), "steroid_bp_weekly"));
  EXPECT_FALSE(has_alert(Builder().dx("khe").platelets(300).eval(), "steroid_bp_weekly"));
}

TEST(GLU_1, CorticosteroidGlucose) {
  EXPECT_TRUE(has_alert(Builder().dx("khe").platelets(300).med("prednisolone", 3, 10, 24).eval(),
                        "steroid_glucose_weekly"));
  EXPECT_FALSE(has_alert(Builder().dx("khe").platelets(300).eval(), "steroid_glucose_weekly"));
}

TEST(PREG_1, GirlsFromTenStartingSirolimus) {
  auto r = Builder()
               .age_days(11 * 366)
               .female()
               .dx("khe")
               .platelets(40)
               .fibrinogen(2)
               .body(35, 140)
               .eval();
  EXPECT_TRUE(has_alert(r, "pregnancy_test_and_contraception"));
  auto young = Builder()
                   .age_days(8 * 365)
                   .female()
                   .dx("khe")
                   .platelets(40)
                   .fibrinogen(2)
                   .body(25, 125)
                   .eval();
  EXPECT_FALSE(has_alert(young, "pregnancy_test_and_contraception"));
}

TEST(SUP_1, ProphylacticPlateletTransfusionAndMissingIndication) {
  auto r =
      Builder::khe_kmp(20).procedure("platelet-transfusion", 30, "indication-prophylactic").eval();
  EXPECT_TRUE(has_alert(r, "platelet_transfusion_not_indicated"));
  auto missing = Builder::khe_kmp(20).procedure("platelet-transfusion", 30).eval();
  EXPECT_TRUE(has_alert(missing, "transfusion_indication_missing"));
  EXPECT_EQ(find_alert(missing, "transfusion_indication_missing")->severity, AlertSeverity::info);
  auto bleeding = Builder::khe_kmp(20)
                      .procedure("platelet-transfusion", 30, "indication-active-bleeding")
                      .eval();
  EXPECT_FALSE(has_alert(bleeding, "platelet_transfusion_not_indicated"));
  auto pre_ok =
      Builder::khe_kmp(20).procedure("platelet-transfusion", 1, "indication-pre-procedure").eval();
  EXPECT_FALSE(has_alert(pre_ok, "platelet_transfusion_not_indicated"));  // 20 < 30
  auto pre_high =
      Builder::khe_kmp(45).procedure("platelet-transfusion", 1, "indication-pre-procedure").eval();
  EXPECT_TRUE(has_alert(pre_high, "platelet_transfusion_not_indicated"));  // 45 >= 30
}

TEST(SUP_2, LowFibrinogen) {
  EXPECT_TRUE(
      has_alert(Builder().dx("khe").platelets(20).fibrinogen(0.8).flag("active-bleeding").eval(),
                "fibrinogen_replacement_indicated"));
  EXPECT_TRUE(has_alert(Builder().dx("khe").platelets(20).fibrinogen(0.8).eval(),
                        "low_fibrinogen_clinician_decision"));
  EXPECT_FALSE(has_alert(Builder().dx("khe").platelets(20).fibrinogen(1.2).eval(),
                         "low_fibrinogen_clinician_decision"));
}

TEST(SUP_3, SevereAnemia) {
  EXPECT_TRUE(has_alert(Builder().dx("khe").platelets(20).lab(Analyte::hemoglobin, 6.2).eval(),
                        "red_cell_transfusion_review"));
  EXPECT_FALSE(has_alert(Builder().dx("khe").platelets(20).lab(Analyte::hemoglobin, 9.2).eval(),
                         "red_cell_transfusion_review"));
}

}  // namespace
}  // namespace khe::test
