// The six example bundles of /work/shared/examples are read completely and correctly.
#include <algorithm>

#include "fhir/fhir_test_util.h"

namespace khe::test {
namespace {

using model::Analyte;

// No example has anything the reader must refuse or warn about.
void expect_clean(const model::Record& r) {
  for (const auto& i : r.issues)
    EXPECT_NE(i.severity, model::IssueSeverity::warning) << all_issues(r);
}

TEST(Examples, Ex01SevereKmp) {
  model::Record r = read_ok(example("ex01-khe-severe-kmp.json"), options("2026-08-03T12:00:00Z"));
  expect_clean(r);
  EXPECT_EQ(r.patient.id, "e4bebee8-a216-71e7-1e98-7b039d9a16a1");
  EXPECT_EQ(r.patient.gender, model::Gender::female);
  EXPECT_EQ(format_date(r.patient.birth_date), "2026-05-02");
  ASSERT_EQ(r.diagnoses.size(), 1u);
  EXPECT_EQ(r.diagnoses[0].code, "khe");
  EXPECT_EQ(r.diagnoses[0].certainty, model::Certainty::confirmed);
  EXPECT_FALSE(r.diagnoses[0].matched_by_text);

  auto plt = labs_of(r, Analyte::platelets);
  ASSERT_EQ(plt.size(), 2u);
  EXPECT_DOUBLE_EQ(plt[0]->value.value, 41);  // sorted by time: 07-30 before 08-02
  EXPECT_DOUBLE_EQ(plt[1]->value.value, 18);
  EXPECT_EQ(plt[1]->time, at("2026-08-02T09:00:00Z"));
  EXPECT_EQ(plt[1]->source.resource, "Observation/a064ca8f-deb4-61c3-9b1a-719a6ac566aa");
  EXPECT_EQ(plt[1]->source.path, "entry[7].resource.valueQuantity");

  auto fib = labs_of(r, Analyte::fibrinogen);
  ASSERT_EQ(fib.size(), 1u);
  EXPECT_DOUBLE_EQ(fib[0]->value.value, 0.8);
  auto dd = labs_of(r, Analyte::ddimer_feu);
  ASSERT_EQ(dd.size(), 1u);
  EXPECT_DOUBLE_EQ(dd[0]->value.value, 8.0);
  ASSERT_TRUE(dd[0]->ref_high.has_value());
  EXPECT_DOUBLE_EQ(dd[0]->ref_high->value, 0.5);
  EXPECT_FALSE(dd[0]->ref_low.has_value());
  ASSERT_EQ(labs_of(r, Analyte::hemoglobin).size(), 1u);
  EXPECT_DOUBLE_EQ(labs_of(r, Analyte::hemoglobin)[0]->value.value, 8.5);
  ASSERT_EQ(labs_of(r, Analyte::weight).size(), 1u);
  EXPECT_DOUBLE_EQ(labs_of(r, Analyte::weight)[0]->value.value, 5.6);
  ASSERT_EQ(labs_of(r, Analyte::height).size(), 1u);
  EXPECT_DOUBLE_EQ(labs_of(r, Analyte::height)[0]->value.value, 60);
  EXPECT_TRUE(std::is_sorted(r.labs.begin(), r.labs.end(),
                             [](const auto& a, const auto& b) { return a.time < b.time; }));

  ASSERT_EQ(r.findings.size(), 2u);
  EXPECT_EQ(r.findings[0].code, "lesion-site");
  EXPECT_EQ(r.findings[0].value_code, "site-muscle-or-deeper");
  EXPECT_EQ(r.findings[0].time, at("2026-08-01T09:00:00Z"));
  EXPECT_EQ(r.findings[1].code, "lesion-growth");
  EXPECT_EQ(r.findings[1].value_code, "growth-progressive");
  EXPECT_TRUE(r.medications.empty());
  EXPECT_TRUE(r.procedures.empty());
}

TEST(Examples, Ex02ConvertsPlateletsAndFibrinogen) {
  model::Record r = read_ok(example("ex02-ta-mild-kmp.json"));
  expect_clean(r);
  EXPECT_EQ(r.patient.gender, model::Gender::male);
  ASSERT_EQ(r.diagnoses.size(), 1u);
  EXPECT_EQ(r.diagnoses[0].code, "tufted-angioma");
  auto plt = labs_of(r, Analyte::platelets);
  ASSERT_EQ(plt.size(), 1u);
  EXPECT_NEAR(plt[0]->value.value, 65, 1e-9);  // 65 10*3/uL = 65 10*9/L
  EXPECT_EQ(plt[0]->source.path, "entry[6].resource.valueQuantity");
  auto fib = labs_of(r, Analyte::fibrinogen);
  ASSERT_EQ(fib.size(), 1u);
  EXPECT_NEAR(fib[0]->value.value, 1.3, 1e-9);  // 130 mg/dL = 1.3 g/L
  EXPECT_DOUBLE_EQ(labs_of(r, Analyte::weight)[0]->value.value, 8.4);
  ASSERT_EQ(r.findings.size(), 2u);
  EXPECT_EQ(r.findings[0].value_code, "site-cutaneous");
  EXPECT_EQ(r.findings[1].value_code, "growth-stable");
}

TEST(Examples, Ex03BooleanFindingAndBodyHeight) {
  model::Record r =
      read_ok(example("ex03-khe-no-kmp-progressive.json"), options("2026-07-01T12:00:00Z"));
  expect_clean(r);
  auto symptomatic = std::find_if(r.findings.begin(), r.findings.end(),
                                  [](const auto& f) { return f.code == "lesion-symptomatic"; });
  ASSERT_NE(symptomatic, r.findings.end());
  ASSERT_TRUE(symptomatic->flag.has_value());
  EXPECT_TRUE(*symptomatic->flag);
  EXPECT_EQ(symptomatic->source.path, "entry[4].resource.valueBoolean");
  ASSERT_EQ(labs_of(r, Analyte::height).size(), 1u);  // LOINC 8302-2
  EXPECT_DOUBLE_EQ(labs_of(r, Analyte::height)[0]->value.value, 87);
  EXPECT_DOUBLE_EQ(labs_of(r, Analyte::platelets)[0]->value.value, 310);
  EXPECT_DOUBLE_EQ(labs_of(r, Analyte::fibrinogen)[0]->value.value, 2.6);
}

TEST(Examples, Ex04InfantileHemangioma) {
  model::Record r = read_ok(example("ex04-infantile-hemangioma-thrombocytopenia.json"),
                            options("2026-07-20T12:00:00Z"));
  expect_clean(r);
  ASSERT_EQ(r.diagnoses.size(), 1u);
  EXPECT_EQ(r.diagnoses[0].code, "infantile-hemangioma");
  ASSERT_EQ(r.labs.size(), 1u);
  EXPECT_DOUBLE_EQ(r.labs[0].value.value, 85);
}

TEST(Examples, Ex05ProvisionalIsSuspected) {
  model::Record r =
      read_ok(example("ex05-khe-stale-platelets.json"), options("2026-06-30T12:00:00Z"));
  expect_clean(r);
  ASSERT_EQ(r.diagnoses.size(), 1u);
  EXPECT_EQ(r.diagnoses[0].certainty, model::Certainty::suspected);
  ASSERT_EQ(r.labs.size(), 1u);
  EXPECT_EQ(r.labs[0].time, at("2026-06-18T09:00:00Z"));
}

TEST(Examples, Ex06MedicationCourses) {
  model::Record r = read_ok(example("ex06-khe-on-treatment-durable-response.json"),
                            options("2026-06-08T12:00:00Z"));
  expect_clean(r);
  ASSERT_EQ(r.medications.size(), 2u);
  const model::MedicationCourse& siro = r.medications[0];
  EXPECT_EQ(siro.drug, "sirolimus");
  EXPECT_FALSE(siro.matched_by_text);
  EXPECT_EQ(siro.source_kind, model::MedicationSource::statement);
  EXPECT_EQ(siro.status, model::MedicationStatus::active);
  EXPECT_EQ(siro.start, at("2026-05-01"));
  EXPECT_FALSE(siro.end.has_value());
  ASSERT_TRUE(siro.dose.has_value());
  EXPECT_NEAR(siro.dose->value, 0.22, 1e-12);
  ASSERT_TRUE(siro.interval_h.has_value());
  EXPECT_DOUBLE_EQ(*siro.interval_h, 12);
  EXPECT_EQ(siro.route, "oral");
  EXPECT_EQ(siro.source.resource, "MedicationStatement/d04f7e86-bdc9-42c3-b217-967998f6bc22");

  const model::MedicationCourse& pred = r.medications[1];
  EXPECT_EQ(pred.drug, "prednisolone");
  EXPECT_EQ(pred.status, model::MedicationStatus::completed);
  EXPECT_EQ(pred.start, at("2026-05-01"));
  EXPECT_EQ(pred.end, at("2026-06-01"));
  EXPECT_NEAR(pred.dose->value, 10, 1e-12);
  EXPECT_DOUBLE_EQ(*pred.interval_h, 24);

  auto plt = labs_of(r, Analyte::platelets);
  ASSERT_EQ(plt.size(), 6u);
  std::vector<double> values;
  for (auto* l : plt) values.push_back(l->value.value);
  EXPECT_EQ(values, (std::vector<double>{20, 45, 95, 130, 160, 170}));
  ASSERT_EQ(labs_of(r, Analyte::sirolimus_level).size(), 2u);
  EXPECT_DOUBLE_EQ(labs_of(r, Analyte::sirolimus_level)[0]->value.value, 9.5);
  EXPECT_EQ(labs_of(r, Analyte::weight).size(), 2u);
}

TEST(Examples, AllSixHaveNoProblems) {
  for (const char* name :
       {"ex01-khe-severe-kmp.json", "ex02-ta-mild-kmp.json", "ex03-khe-no-kmp-progressive.json",
        "ex04-infantile-hemangioma-thrombocytopenia.json", "ex05-khe-stale-platelets.json",
        "ex06-khe-on-treatment-durable-response.json"}) {
    std::string text = example(name);
    ASSERT_FALSE(text.empty()) << name;
    fhir::ReadOutcome out = read(text);
    EXPECT_TRUE(out.record.has_value()) << name << all_problems(out);
    EXPECT_EQ(out.patient_ids.size(), 1u) << name;
  }
}

}  // namespace
}  // namespace khe::test
