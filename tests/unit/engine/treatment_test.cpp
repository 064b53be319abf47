// Treatment rules TX-1..8 and the response computation they rely on (§8).
#include "builder.h"

namespace khe::test {
namespace {

using engine::KmpStatus;
using engine::Regimen;
using model::Analyte;

TEST(TX_1, SevereOrModerateKmpGetsCombination) {
  auto r = Builder::khe_kmp(40).eval();
  EXPECT_EQ(*r.regimen, Regimen::sirolimus_prednisolone);
  EXPECT_EQ(r.regimen_why->rule_id, "TX-1");
  EXPECT_NE(find_dose(r, "sirolimus"), nullptr);
  EXPECT_NE(find_dose(r, "prednisolone"), nullptr);
  ASSERT_FALSE(r.context.empty());
  EXPECT_NE(r.context[0].find("35/37"), std::string::npos);
}

TEST(TX_1, MildKmpWithCoagulopathyOrBleedingOrHighRisk) {
  EXPECT_EQ(*Builder().dx("khe").platelets(70).fibrinogen(1.3).body(6, 62).eval().regimen,
            Regimen::sirolimus_prednisolone);
  EXPECT_EQ(*Builder()
                 .dx("khe")
                 .platelets(70)
                 .fibrinogen(2)
                 .flag("active-bleeding")
                 .body(6, 62)
                 .eval()
                 .regimen,
            Regimen::sirolimus_prednisolone);
  EXPECT_EQ(*Builder()
                 .dx("khe")
                 .platelets(70)
                 .fibrinogen(2)
                 .flag("lesion-multifocal")
                 .body(6, 62)
                 .eval()
                 .regimen,
            Regimen::sirolimus_prednisolone);
}

TEST(TX_1m, MildKmpWithoutReasonsGetsSirolimus) {
  auto r = Builder().dx("khe").platelets(70).fibrinogen(2).body(6, 62).eval();
  EXPECT_EQ(*r.regimen, Regimen::sirolimus);
  EXPECT_EQ(r.regimen_why->rule_id, "TX-1m");
  EXPECT_TRUE(has_alert(r, "mild_kmp_prednisolone_optional"));
  EXPECT_EQ(find_dose(r, "prednisolone"), nullptr);
}

TEST(TX_2, NoKmpButProgressiveGetsSirolimus) {
  auto r = Builder()
               .dx("khe")
               .platelets(300)
               .coded("lesion-growth", "growth-progressive")
               .body(12, 85)
               .eval();
  EXPECT_EQ(*r.regimen, Regimen::sirolimus);
  EXPECT_EQ(r.regimen_why->rule_id, "TX-2");
  auto sympt = Builder().dx("khe").platelets(300).flag("lesion-symptomatic").body(12, 85).eval();
  EXPECT_EQ(*sympt.regimen, Regimen::sirolimus);
}

TEST(TX_3, NoKmpNoReasonIsObservation) {
  auto r = Builder().dx("khe").platelets(300).coded("lesion-growth", "growth-stable").eval();
  EXPECT_EQ(*r.regimen, Regimen::observation);
  EXPECT_FALSE(has_alert(r, "lesion_course_unknown"));
  auto unknown = Builder().dx("khe").platelets(300).eval();
  EXPECT_EQ(*unknown.regimen, Regimen::observation);
  EXPECT_TRUE(has_alert(unknown, "lesion_course_unknown"));
  EXPECT_TRUE(unknown.doses.empty());
}

TEST(TX_5, RegimenForOtherStatuses) {
  EXPECT_EQ(*Builder().dx("vascular-tumor-unspecified").platelets(60).eval().regimen,
            Regimen::specialist_evaluation);
  EXPECT_EQ(*Builder().dx("vascular-tumor-unspecified").platelets(160).eval().regimen,
            Regimen::specialist_evaluation);
  EXPECT_EQ(*Builder().dx("nich").platelets(60).eval().regimen, Regimen::reassess_diagnosis);
  EXPECT_FALSE(Builder().dx("khe").eval().regimen);
}

TEST(TX_4c, SirolimusNotToleratedGivesVincristineCorticosteroid) {
  auto r = Builder::khe_kmp(20).flag("sirolimus-not-tolerated", true, 24 * 10).eval();
  EXPECT_EQ(*r.regimen, Regimen::vincristine_corticosteroid);
  EXPECT_NE(find_dose(r, "vincristine"), nullptr);
  EXPECT_TRUE(has_alert(r, "vincristine_iv_only"));
}

TEST(TX_7, ConsensusProfileUsesVincristineCorticosteroid) {
  auto r = Builder::khe_kmp(20).eval("consensus-2013");
  EXPECT_EQ(*r.regimen, Regimen::vincristine_corticosteroid);
  EXPECT_EQ(r.profile, "consensus-2013");
  const auto* v = find_dose(r, "vincristine");
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->route, "intravenous");
  EXPECT_NE(find_dose(r, "prednisolone"), nullptr);
  EXPECT_EQ(Builder::khe_kmp(20).eval().profile, "default");
}

// A child 35 days into sirolimus + prednisolone whose count has not risen 1.5-fold, with
// two troughs in range: refractory.
Builder refractory_child() {
  Builder b;
  b.dx("khe").body(6, 62).fibrinogen(2.0);
  b.med("sirolimus", 35, 0.25, 12).med("prednisolone", 35, 12, 24);
  b.platelets(20, 36 * 24);  // baseline before therapy start
  b.platelets(30, 14 * 24);  // 14 days before the latest
  b.platelets(35, 2);        // latest: < 1.5 x 30
  b.lab(Analyte::sirolimus_level, 9, 12 * 24).lab(Analyte::sirolimus_level, 10, 3 * 24);
  return b;
}

TEST(TX_4, RefractoryAddsVincristine) {
  auto r = refractory_child().eval();
  ASSERT_TRUE(r.regimen);
  EXPECT_EQ(*r.regimen, Regimen::add_vincristine);
  EXPECT_NE(find_dose(r, "vincristine"), nullptr);
  EXPECT_TRUE(has_alert(r, "refractory_checks_before_escalation"));
}

TEST(TX_4, NotRefractoryWhenCountRose) {
  auto b = refractory_child();
  b.platelets(60, 1);  // now 2 x the count 14 days before
  EXPECT_NE(*b.eval().regimen, Regimen::add_vincristine);
}

TEST(TX_4, NotRefractoryWithoutTroughsInTarget) {
  Builder b;
  b.dx("khe")
      .body(6, 62)
      .fibrinogen(2.0)
      .med("sirolimus", 35, 0.25, 12)
      .med("prednisolone", 35, 12, 24);
  b.platelets(20, 36 * 24).platelets(30, 14 * 24).platelets(35, 2);
  b.lab(Analyte::sirolimus_level, 4, 12 * 24).lab(Analyte::sirolimus_level, 10, 3 * 24);
  EXPECT_EQ(*b.eval().regimen, Regimen::sirolimus_prednisolone);
}

TEST(TARGET_1, TroughsOutsideKmpRangeDoNotCount) {
  Builder b;
  b.dx("khe")
      .body(6, 62)
      .fibrinogen(2.0)
      .med("sirolimus", 35, 0.25, 12)
      .med("prednisolone", 35, 12, 24);
  b.platelets(20, 36 * 24).platelets(30, 14 * 24).platelets(35, 2);
  b.lab(Analyte::sirolimus_level, 16, 12 * 24)
      .lab(Analyte::sirolimus_level, 7.5, 3 * 24);  // 15 is the top, 8 the floor
  EXPECT_NE(*b.eval().regimen, Regimen::add_vincristine);
}

TEST(TX_4b, EarlyEscalationWhenStillEmergentAfterDay7) {
  Builder b;
  b.dx("khe")
      .body(6, 62)
      .med("sirolimus", 10, 0.25, 12)
      .platelets(15, 11 * 24)
      .platelets(15, 2)
      .fibrinogen(0.7);
  auto r = b.eval();
  EXPECT_EQ(r.urgency, engine::Urgency::emergent);
  EXPECT_TRUE(has_alert(r, "early_escalation_review"));
  Builder early;
  early.dx("khe")
      .body(6, 62)
      .med("sirolimus", 5, 0.25, 12)
      .platelets(15, 6 * 24)
      .platelets(15, 2)
      .fibrinogen(0.7);
  EXPECT_FALSE(has_alert(early.eval(), "early_escalation_review"));
}

TEST(TX_4b, RepeatedTransfusionsForBleeding) {
  Builder b;
  b.dx("khe")
      .body(6, 62)
      .med("sirolimus", 12, 0.25, 12)
      .platelets(45, 13 * 24)
      .platelets(45, 2)
      .fibrinogen(2);
  b.procedure("platelet-transfusion", 5 * 24, "indication-active-bleeding")
      .procedure("cryoprecipitate-transfusion", 2 * 24, "indication-active-bleeding");
  EXPECT_TRUE(has_alert(b.eval(), "early_escalation_review"));
}

// The current dose is the schedule of the active request, not the last single dose given.
TEST(TX_8, CurrentDoseComesFromTheCourseNotTheLastAdministration) {
  Builder b = Builder::khe_kmp(150);
  b.med("sirolimus", 30, 0.4, 12);
  b.record().medications.back().source_kind = model::MedicationSource::request;
  b.med("sirolimus", 0.5, 0.4).administered();
  auto r = b.eval();
  ASSERT_EQ(r.current_doses.size(), 1u);
  EXPECT_EQ(r.current_doses[0].interval_h, 12);
  EXPECT_NE(r.current_doses[0].basis.find("MedicationStatement/sirolimus"), std::string::npos);

  Builder only_given = Builder::khe_kmp(150);  // no course recorded: the dose given is shown
  only_given.med("sirolimus", 0.5, 0.4).administered();
  auto g = only_given.eval();
  ASSERT_EQ(g.current_doses.size(), 1u);
  EXPECT_DOUBLE_EQ(g.current_doses[0].dose.value, 0.4);
}

TEST(TX_8, ContinueSirolimusWhenKmpResolved) {
  Builder b;
  b.dx("khe").body(6, 62).med("sirolimus", 40, 0.25, 12).platelets(30, 41 * 24).platelets(150, 2);
  auto r = b.eval();
  EXPECT_EQ(r.kmp_status, KmpStatus::absent);
  EXPECT_EQ(*r.regimen, Regimen::sirolimus);
  EXPECT_EQ(r.regimen_why->rule_id, "TX-8");
  EXPECT_TRUE(r.doses.empty());           // already given: no start dose
  ASSERT_EQ(r.current_doses.size(), 1u);  // the current dose is shown
  EXPECT_EQ(r.current_doses[0].dose.value, 0.25);
}

TEST(TX_8, CorticosteroidTaperDue) {
  Builder b;
  b.dx("khe").body(6, 62).med("sirolimus", 40, 0.25, 12).med("prednisolone", 40, 12, 24);
  b.platelets(30, 41 * 24).platelets(120, 20 * 24).platelets(150, 2);
  auto r = b.eval();
  ASSERT_TRUE(has_alert(r, "corticosteroid_taper_due"));
  EXPECT_TRUE(
      find_alert(r, "corticosteroid_taper_due")->why.local_default);  // the 14 days are local
  EXPECT_FALSE(find_alert(r, "corticosteroid_taper_due")->details.empty());  // the schedule
  EXPECT_FALSE(r.regimen_why->local_default);  // continuing sirolimus rests on the trial
  Builder stopped;
  stopped.dx("khe")
      .body(6, 62)
      .med("sirolimus", 40, 0.25, 12)
      .med("prednisolone", 40, 12, 24)
      .ended(10);
  stopped.platelets(30, 41 * 24).platelets(120, 20 * 24).platelets(150, 2);
  EXPECT_FALSE(has_alert(stopped.eval(), "corticosteroid_taper_due"));
}

TEST(TX_6, MonotherapiesNotRecommendedInKmp) {
  auto r = Builder::khe_kmp(40).med("propranolol", 5, 3, 8).med("aspirin", 5, 30, 24).eval();
  EXPECT_TRUE(has_alert(r, "propranolol_monotherapy_not_recommended"));
  EXPECT_TRUE(has_alert(r, "aspirin_monotherapy_not_recommended"));
  auto with_sirolimus =
      Builder::khe_kmp(40).med("propranolol", 5, 3, 8).med("sirolimus", 5, 0.2, 12).eval();
  EXPECT_FALSE(has_alert(with_sirolimus, "propranolol_monotherapy_not_recommended"));
  auto ifn = Builder::khe_kmp(40).med("interferon_alfa", 3).eval();
  EXPECT_TRUE(has_alert(ifn, "interferon_under_1y_not_recommended"));
  auto ctx = Builder::khe_kmp(40).eval();
  EXPECT_TRUE(std::any_of(ctx.context.begin(), ctx.context.end(), [](const std::string& s) {
    return s.find("10-27%") != std::string::npos;
  }));
}

TEST(RESP_1, TherapyStartAndDurableWeek4) {
  Builder b;
  b.dx("khe").body(5, 58).med("sirolimus", 38, 0.2, 12);
  for (auto [value, day] : std::vector<std::pair<double, int>>{
           {20, 0}, {45, 7}, {95, 14}, {130, 21}, {160, 28}, {170, 35}})
    b.platelets(value, (38 - day) * 24.0 - 1);
  auto r = b.eval();
  ASSERT_TRUE(r.response);
  EXPECT_EQ(format_date(*r.response->therapy_start),
            format_date(date_of(b.as_of()) - std::chrono::days(38)));
  EXPECT_EQ(r.response->platelet_response, std::optional<bool>(true));
  EXPECT_EQ(r.response->days_to_platelet_response, std::optional<int>(21));
  EXPECT_EQ(r.response->durable_platelet_response_week4, std::optional<bool>(true));
  EXPECT_FALSE(r.response->relapse);
  EXPECT_EQ(r.response->why.rule_id, "RESP-1");
}

TEST(RESP_1, DipBelowThresholdBeforeWeek4IsNotDurable) {
  Builder b;
  b.dx("khe").body(5, 58).med("sirolimus", 38, 0.2, 12);
  for (auto [value, day] :
       std::vector<std::pair<double, int>>{{20, 0}, {130, 14}, {90, 21}, {160, 28}})
    b.platelets(value, (38 - day) * 24.0 - 1);
  EXPECT_EQ(b.eval().response->durable_platelet_response_week4, std::optional<bool>(false));
}

TEST(RESP_1, NullBeforeTherapyAndRelapseAfterResolution) {
  EXPECT_FALSE(Builder::khe_kmp(20).eval().response);
  Builder b;
  b.dx("khe").body(5, 58).med("sirolimus", 60, 0.2, 12);
  for (auto [value, day] :
       std::vector<std::pair<double, int>>{{20, 0}, {130, 20}, {150, 30}, {80, 59}})
    b.platelets(value, (60 - day) * 24.0 - 1);
  auto r = b.eval();
  EXPECT_TRUE(r.response->relapse);
  ASSERT_TRUE(has_alert(r, "kmp_relapse"));
  EXPECT_EQ(find_alert(r, "kmp_relapse")->details.size(), 4u);  // the checks to make
  EXPECT_TRUE(r.response->resolution_date.has_value());
}

}  // namespace
}  // namespace khe::test
