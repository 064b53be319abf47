// Adverse events by CTCAE v5: graded from values (AE-1), with the KMP attribution rule, and
// recorded by the team or infections on sirolimus (AE-2).
#include "builder.h"

namespace khe::test {
namespace {

using model::Analyte;

const engine::AdverseEvent* event(const engine::Report& r, const std::string& term) {
  for (const auto& e : r.adverse_events)
    if (e.term == term) return &e;
  return nullptr;
}

Builder on_sirolimus() {
  Builder b;
  b.age_days(300).dx("khe").platelets(200).body(8, 70).med("sirolimus", 30, 0.3, 12);
  return b;
}

std::optional<int> grade_of(const engine::Report& r, const std::string& term) {
  const auto* e = event(r, term);
  return e ? e->grade : std::nullopt;
}

bool has_note(const engine::AdverseEvent& e, const std::string& part) {
  return std::any_of(e.notes.begin(), e.notes.end(),
                     [&](const std::string& n) { return n.find(part) != std::string::npos; });
}

// A clinician-recorded adverse event (product `ae-` finding) with its CTCAE grade.
void graded(Builder& b, const std::string& code, int grade, double hours_ago = 2) {
  model::Finding f;
  f.code = code;
  f.grade = grade;
  f.time = b.as_of() - Seconds(static_cast<std::int64_t>(hours_ago * 3600));
  f.source = {"Observation/" + code, "valueInteger"};
  b.record().findings.push_back(f);
}

TEST(AE_1, GradesByCtcaeCutPoints) {
  auto r = on_sirolimus()
               .lab(Analyte::neutrophils, 0.8)
               .lab(Analyte::triglycerides, 620)
               .lab(Analyte::alt, 130)
               .ref_high(40)
               .lab(Analyte::cholesterol, 310)
               .eval();
  ASSERT_NE(event(r, "neutrophil_count_decreased"), nullptr);
  EXPECT_EQ(event(r, "neutrophil_count_decreased")->grade, 3);  // < 1.0
  EXPECT_EQ(event(r, "hypertriglyceridemia")->grade, 3);        // > 500
  EXPECT_EQ(event(r, "alt_increased")->grade, 2);               // > 3 x 40, not > 5 x 40
  EXPECT_EQ(event(r, "cholesterol_high")->grade, 2);            // > 300
  EXPECT_EQ(event(r, "neutrophil_count_decreased")->attribution,
            std::vector<std::string>{"sirolimus"});
  EXPECT_EQ(event(r, "alt_increased")->why.evidence_tag, "UNVERIFIED");

  auto mild = on_sirolimus().lab(Analyte::triglycerides, 160).lab(Analyte::neutrophils, 1.6).eval();
  EXPECT_EQ(event(mild, "hypertriglyceridemia")->grade, 1);
  EXPECT_EQ(event(mild, "neutrophil_count_decreased"), nullptr);  // no LLN known: not graded 1
  auto liver = on_sirolimus().lab(Analyte::alt, 250).ref_high(40).eval();
  EXPECT_EQ(event(liver, "alt_increased")->grade, 3);  // > 5 x 40
}

TEST(AE_1, NothingWithoutTherapy) {
  auto r = Builder().dx("khe").platelets(200).lab(Analyte::neutrophils, 0.4).eval();
  EXPECT_TRUE(r.adverse_events.empty());
}

TEST(AE_1, PlateletsAndFibrinogenOnlyAfterResolution) {
  // Active KMP on sirolimus: the low count is the disease, not an adverse event.
  Builder active;
  active.dx("khe")
      .body(5, 58)
      .med("sirolimus", 20, 0.2, 12)
      .platelets(20, 21 * 24)
      .platelets(40, 2);
  EXPECT_EQ(event(active.eval(), "platelet_count_decreased"), nullptr);
  // Resolved (two counts > 100 a week apart), then a drop to 60: graded, and TMP-SMX started
  // 5 days ago is listed as a possible cause.
  Builder resolved;
  resolved.dx("khe").body(5, 58).med("sirolimus", 60, 0.2, 12).med("tmp_smx", 5);
  resolved.platelets(20, 61 * 24).platelets(130, 30 * 24).platelets(150, 20 * 24).platelets(60, 2);
  auto r = resolved.eval();
  const auto* e = event(r, "platelet_count_decreased");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->grade, 2);  // < 75
  EXPECT_NE(std::find(e->attribution.begin(), e->attribution.end(), "tmp_smx"),
            e->attribution.end());
  resolved.fibrinogen(0.9, 2);
  EXPECT_EQ(event(resolved.eval(), "fibrinogen_decreased")->grade, 3);  // < 0.5 x 2.0 g/L
}

TEST(AE_1, AnemiaDuringKmpListsTheDisease) {
  auto r = on_sirolimus().platelets(60, 1).lab(Analyte::hemoglobin, 7.5).eval();
  const auto* e = event(r, "anemia");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->grade, 3);  // < 8
  EXPECT_NE(std::find(e->attribution.begin(), e->attribution.end(), "kmp"), e->attribution.end());
}

TEST(AE_1, LymphocytesByCtcaeCutPoints) {
  const auto grade = [](double v, std::optional<double> lln = std::nullopt) {
    auto b = on_sirolimus();
    b.lab(Analyte::lymphocytes, v);
    if (lln) b.ref_low(*lln);
    return grade_of(b.eval(), "lymphocyte_count_decreased");
  };
  EXPECT_EQ(grade(1.0), std::nullopt);  // no LLN known: grade 1 cannot be given
  EXPECT_EQ(grade(1.0, 3.0), 1);        // < LLN, not < 0.8
  EXPECT_EQ(grade(0.8, 3.0), 1);        // 0.8 itself is not below 0.8
  EXPECT_EQ(grade(0.79), 2);            // < 0.8
  EXPECT_EQ(grade(0.5), 2);             // not below 0.5
  EXPECT_EQ(grade(0.49), 3);            // < 0.5
  EXPECT_EQ(grade(0.2), 3);             // not below 0.2
  EXPECT_EQ(grade(0.19), 4);            // < 0.2
  EXPECT_EQ(grade(3.5, 3.0), std::nullopt);
  auto bound = on_sirolimus().lab(Analyte::lymphocytes, 0.2, 2, model::Comparator::lt).eval();
  EXPECT_EQ(grade_of(bound, "lymphocyte_count_decreased"), 4);  // "< 0.2" settles grade 4
  const auto* e = event(bound, "lymphocyte_count_decreased");
  EXPECT_EQ(e->unit, "10*9/L");
  EXPECT_EQ(e->attribution, std::vector<std::string>{"sirolimus"});
  EXPECT_EQ(e->why.rule_id, "AE-1");
}

TEST(AE_1, HyperglycemiaAboveTheUpperLimitIsGradeOneOnly) {
  auto r = on_sirolimus().med("prednisolone", 10).lab(Analyte::glucose, 400).ref_high(100).eval();
  const auto* e = event(r, "hyperglycemia");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->grade, 1);  // however high: higher grades depend on the treatment needed
  EXPECT_TRUE(has_note(*e, "clinician to grade"));
  EXPECT_EQ(e->attribution, (std::vector<std::string>{"sirolimus", "corticosteroid"}));
  EXPECT_EQ(e->unit, "mg/dL");
  EXPECT_EQ(event(on_sirolimus().lab(Analyte::glucose, 100).ref_high(100).eval(), "hyperglycemia"),
            nullptr);  // at the limit is not above it
  EXPECT_EQ(event(on_sirolimus().lab(Analyte::glucose, 400).eval(), "hyperglycemia"),
            nullptr);  // no upper limit known: nothing claimed
}

TEST(AE_1, ProteinuriaByDipstickEquivalents) {
  const auto grade = [](double mg_dl) {
    return grade_of(on_sirolimus().lab(Analyte::urine_protein, mg_dl).eval(), "proteinuria");
  };
  EXPECT_EQ(grade(29), std::nullopt);
  EXPECT_EQ(grade(30), 1);  // about 1+
  EXPECT_EQ(grade(99), 1);
  EXPECT_EQ(grade(100), 2);   // about 2+
  EXPECT_EQ(grade(999), 2);   // 3+ is still grade 2
  EXPECT_EQ(grade(1000), 3);  // about 4+
  auto r = on_sirolimus().lab(Analyte::urine_protein, 150).eval();
  const auto* e = event(r, "proteinuria");
  ASSERT_NE(e, nullptr);
  EXPECT_TRUE(e->why.local_default);  // the cut points are a local default
  EXPECT_EQ(e->why.evidence_tag, "UNVERIFIED");
  EXPECT_TRUE(has_note(*e, "protein/creatinine ratio"));
}

TEST(AE_1, HypertensionByAdolescentCutPoints) {
  const auto grade = [](double sys, double dia) {
    auto b = on_sirolimus();
    b.age_days(14 * 365).lab(Analyte::bp_systolic, sys).lab(Analyte::bp_diastolic, dia);
    return grade_of(b.eval(), "hypertension");
  };
  EXPECT_EQ(grade(119, 79), std::nullopt);
  EXPECT_EQ(grade(120, 70), 1);  // >= 120/80
  EXPECT_EQ(grade(129, 79), 1);
  EXPECT_EQ(grade(130, 70), 2);   // systolic 130-139
  EXPECT_EQ(grade(118, 80), 2);   // diastolic 80-89
  EXPECT_EQ(grade(185, 120), 2);  // grade 3 needs the 99th percentile: never derived
  auto r = on_sirolimus()
               .age_days(14 * 365)
               .lab(Analyte::bp_systolic, 110)
               .lab(Analyte::bp_diastolic, 84)
               .eval();
  const auto* e = event(r, "hypertension");
  ASSERT_NE(e, nullptr);
  ASSERT_TRUE(e->value.has_value());
  EXPECT_EQ(e->value->value, 84);  // the diastolic reading decided
  EXPECT_EQ(e->unit, "mm[Hg]");
  EXPECT_TRUE(has_note(*e, "99th percentile"));
  EXPECT_TRUE(has_note(*e, "Adolescent cut points"));
  EXPECT_TRUE(e->why.local_default);
  // Under 13 years the cut points do not apply, and without percentiles nothing is claimed.
  auto child = on_sirolimus().age_days(12 * 365).lab(Analyte::bp_systolic, 135).eval();
  EXPECT_EQ(event(child, "hypertension"), nullptr);
}

TEST(AE_1, HypertensionAboveTheUpperLimit) {
  // An infant: one reading above the upper limit is reported, but ungraded.
  auto once = on_sirolimus().lab(Analyte::bp_systolic, 118).ref_high(105).eval();
  const auto* e = event(once, "hypertension");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->grade, std::nullopt);
  EXPECT_TRUE(has_note(*e, "single reading"));
  EXPECT_TRUE(has_note(*e, "clinician to grade"));
  // Above the limit again at least 24 h later: recurrent, grade 2 ("recurrent BP > ULN").
  auto twice = on_sirolimus()
                   .lab(Analyte::bp_systolic, 112, 30)
                   .ref_high(105)
                   .lab(Analyte::bp_systolic, 118)
                   .ref_high(105)
                   .eval();
  EXPECT_EQ(grade_of(twice, "hypertension"), 2);
  EXPECT_TRUE(has_note(*event(twice, "hypertension"), "recurrent"));
  auto soon = on_sirolimus()
                  .lab(Analyte::bp_systolic, 112, 10)
                  .ref_high(105)
                  .lab(Analyte::bp_systolic, 118)
                  .ref_high(105)
                  .eval();
  ASSERT_NE(event(soon, "hypertension"), nullptr);
  EXPECT_EQ(grade_of(soon, "hypertension"), std::nullopt);  // 10 h apart is not recurrent
  auto normal = on_sirolimus().lab(Analyte::bp_systolic, 100).ref_high(105).eval();
  EXPECT_EQ(event(normal, "hypertension"), nullptr);
}

TEST(AE_1, NewTermsNeedTherapy) {
  auto r = Builder()
               .age_days(14 * 365)
               .dx("khe")
               .platelets(200)
               .lab(Analyte::lymphocytes, 0.1)
               .lab(Analyte::glucose, 300)
               .ref_high(100)
               .lab(Analyte::urine_protein, 500)
               .lab(Analyte::bp_systolic, 150)
               .eval();
  EXPECT_TRUE(r.adverse_events.empty());
}

TEST(AE_2, RecordedEventsWithTheirGradeAndAttribution) {
  auto b = on_sirolimus();
  b.med("vincristine", 20, 0.4, 168);
  graded(b, "ae-peripheral-neuropathy", 2);
  graded(b, "ae-oral-mucositis", 3, 30);
  graded(b, "ae-constipation", 1);
  graded(b, "ae-pneumonitis", 2, 8 * 24);  // older than 7 days: not reported
  auto r = b.eval();
  const auto* neuro = event(r, "peripheral_neuropathy");
  ASSERT_NE(neuro, nullptr);
  EXPECT_EQ(neuro->grade, 2);
  EXPECT_EQ(neuro->attribution, (std::vector<std::string>{"vincristine", "sirolimus"}));
  EXPECT_FALSE(neuro->value.has_value());
  EXPECT_EQ(neuro->unit, "");
  EXPECT_EQ(neuro->source.resource, "Observation/ae-peripheral-neuropathy");
  EXPECT_EQ(neuro->why.rule_id, "AE-2");
  EXPECT_TRUE(neuro->why.local_default);
  const auto* mucositis = event(r, "mucositis_oral");
  ASSERT_NE(mucositis, nullptr);
  EXPECT_EQ(mucositis->grade, 3);
  EXPECT_EQ(mucositis->attribution, (std::vector<std::string>{"sirolimus", "vincristine"}));
  EXPECT_EQ(grade_of(r, "constipation"), 1);
  EXPECT_EQ(event(r, "pneumonitis"), nullptr);
}

TEST(AE_2, AttributionOnlyToADrugGiven) {
  // Constipation on prednisolone alone: vincristine was never given, so it is not listed.
  Builder never;
  never.age_days(300).dx("khe").platelets(200).med("prednisolone", 10);
  graded(never, "ae-constipation", 2);
  EXPECT_EQ(event(never.eval(), "constipation")->attribution,
            std::vector<std::string>{"corticosteroid"});
  // Vincristine stopped 20 days ago still counts; 40 days ago it does not.
  auto recent = on_sirolimus();
  recent.med("vincristine", 60).ended(20);
  graded(recent, "ae-peripheral-neuropathy", 1);
  EXPECT_EQ(event(recent.eval(), "peripheral_neuropathy")->attribution,
            (std::vector<std::string>{"vincristine", "sirolimus"}));
  auto old = on_sirolimus();
  old.med("vincristine", 80).ended(40);
  graded(old, "ae-peripheral-neuropathy", 1);
  EXPECT_EQ(event(old.eval(), "peripheral_neuropathy")->attribution,
            std::vector<std::string>{"sirolimus"});
}

TEST(AE_2, LatestRecordDecides) {
  auto b = on_sirolimus();
  graded(b, "ae-oral-mucositis", 3, 48);
  graded(b, "ae-oral-mucositis", 1, 4);
  EXPECT_EQ(grade_of(b.eval(), "mucositis_oral"), 1);
  b.flag("ae-oral-mucositis", false, 1);  // recorded as gone
  EXPECT_EQ(event(b.eval(), "mucositis_oral"), nullptr);
  auto present = on_sirolimus();
  present.flag("ae-pneumonitis", true);  // present, without a grade
  const auto r = present.eval();
  const auto* e = event(r, "pneumonitis");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->grade, std::nullopt);
  EXPECT_TRUE(has_note(*e, "clinician to grade"));
}

TEST(AE_2, InfectionOnSirolimusIsNotGraded) {
  auto r = on_sirolimus().flag("infection").lab(Analyte::temperature, 38.6).eval();
  const auto* e = event(r, "infection");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->grade, std::nullopt);  // CTCAE grades infections by the intervention needed
  EXPECT_FALSE(e->value.has_value());
  EXPECT_EQ(e->source.resource, "Observation/infection");
  EXPECT_TRUE(has_note(*e, "Kalbfell"));
  EXPECT_TRUE(has_note(*e, "38.6"));
  EXPECT_EQ(e->why.rule_id, "AE-2");
  EXPECT_NE(std::find(e->why.sources.begin(), e->why.sources.end(), "kalbfell"),
            e->why.sources.end());
  // Fever alone: the temperature is the event's value.
  auto fever = on_sirolimus().lab(Analyte::temperature, 38.0).eval();
  const auto* f = event(fever, "infection");
  ASSERT_NE(f, nullptr);
  ASSERT_TRUE(f->value.has_value());
  EXPECT_EQ(f->value->value, 38.0);
  EXPECT_EQ(f->unit, "Cel");
  EXPECT_EQ(f->grade, std::nullopt);
  EXPECT_EQ(event(on_sirolimus().lab(Analyte::temperature, 37.9).eval(), "infection"), nullptr);
  // A later "no infection" cancels; an infection two days before that is too old anyway.
  EXPECT_EQ(event(on_sirolimus().flag("infection", true, 10).flag("infection", false, 1).eval(),
                  "infection"),
            nullptr);
  EXPECT_EQ(event(on_sirolimus().flag("infection", true, 72).eval(), "infection"), nullptr);
  // On a corticosteroid without sirolimus INF-1 alerts, but this event is for sirolimus.
  Builder steroid;
  steroid.age_days(300).dx("khe").platelets(200).med("prednisolone", 10).flag("infection");
  EXPECT_EQ(event(steroid.eval(), "infection"), nullptr);
}

TEST(AE_2, NothingWithoutTherapy) {
  Builder b;
  b.age_days(300).dx("khe").platelets(200).flag("infection").lab(Analyte::temperature, 39);
  graded(b, "ae-constipation", 2);
  graded(b, "ae-peripheral-neuropathy", 3);
  EXPECT_TRUE(b.eval().adverse_events.empty());
}

TEST(AE_2, KnowledgeListsAreParallel) {
  const auto& p = *default_knowledge().profile("default");
  const auto n = p.list("AE-2", "recorded_findings").size();
  EXPECT_EQ(p.list("AE-2", "recorded_terms").size(), n);
  EXPECT_EQ(p.list("AE-2", "recorded_attributed_to").size(), n);
  for (const auto& code : p.list("AE-2", "recorded_findings")) EXPECT_TRUE(code.starts_with("ae-"));
}

}  // namespace
}  // namespace khe::test
