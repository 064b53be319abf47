// Conditions, procedures and medications.
#include "fhir/fhir_test_util.h"

namespace khe::test {
namespace {

using testing::HasSubstr;

const std::string kSubject = R"("subject":{"reference":"Patient/p1"})";

std::string condition(const std::string& members) {
  return R"({"resourceType":"Condition","id":"c1",)" + kSubject + "," + members + "}";
}
std::string verification(const std::string& code) {
  return R"("verificationStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-ver-status","code":")" +
         code + R"("}]})";
}
const std::string kKheCode =
    R"("code":{"coding":[{"system":"http://khe-cds.org/fhir/CodeSystem/diagnosis","code":"khe"}]})";

TEST(Conditions, CodedWithEvidenceAndDate) {
  model::Record r = read_ok(bundle({condition(
      kKheCode + "," + verification("confirmed") +
      R"(,"recordedDate":"2026-07-01","evidence":[{"code":[{"coding":[{"system":"http://khe-cds.org/fhir/CodeSystem/finding","code":"basis-histology"},{"system":"http://khe-cds.org/fhir/CodeSystem/finding","code":"basis-imaging"}]}]}])")}));
  ASSERT_EQ(r.diagnoses.size(), 1u);
  const model::Diagnosis& d = r.diagnoses[0];
  EXPECT_EQ(d.code, "khe");
  EXPECT_EQ(d.certainty, model::Certainty::confirmed);
  EXPECT_EQ(d.recorded, at("2026-07-01"));
  EXPECT_EQ(d.basis, (std::vector<std::string>{"basis-histology", "basis-imaging"}));
  EXPECT_EQ(d.source.resource, "Condition/c1");
  EXPECT_EQ(d.source.path, "entry[1].resource.code.coding[0]");
}

TEST(Conditions, FreeTextSynonymIsAFallback) {
  model::Record r = read_ok(bundle({condition(
      R"("code":{"coding":[{"system":"http://snomed.info/sct","code":"000"}],"text":"  Kaposiform Hemangioendothelioma, left thigh"},)" +
      verification("confirmed") + R"(,"onsetDateTime":"2026-06-01")")}));
  ASSERT_EQ(r.diagnoses.size(), 1u);
  EXPECT_EQ(r.diagnoses[0].code, "khe");
  EXPECT_TRUE(r.diagnoses[0].matched_by_text);
  EXPECT_EQ(r.diagnoses[0].source.path, "entry[1].resource.code.text");
  EXPECT_EQ(r.diagnoses[0].recorded, at("2026-06-01"));
  // "hemangioma" alone must not match inside "hemangioendothelioma"; whole phrases only.
  model::Record no =
      read_ok(bundle({condition(R"("code":{"text":"hemangioendothelioma-like lesion"})")}));
  EXPECT_TRUE(no.diagnoses.empty());
}

TEST(Conditions, VerificationStatus) {
  struct Case {
    const char* status;
    std::optional<model::Certainty> expected;
  } cases[] = {{"confirmed", model::Certainty::confirmed},
               {"provisional", model::Certainty::suspected},
               {"unconfirmed", model::Certainty::suspected},
               {"differential", model::Certainty::suspected},
               {"refuted", std::nullopt},
               {"entered-in-error", std::nullopt}};
  for (const Case& c : cases) {
    model::Record r = read_ok(bundle({condition(kKheCode + "," + verification(c.status))}));
    if (c.expected) {
      ASSERT_EQ(r.diagnoses.size(), 1u) << c.status;
      EXPECT_EQ(r.diagnoses[0].certainty, *c.expected) << c.status;
    } else {
      EXPECT_TRUE(r.diagnoses.empty()) << c.status;
      EXPECT_NE(find_issue(r, "status_ignored"), nullptr) << c.status;
    }
  }
  model::Record absent = read_ok(bundle({condition(kKheCode)}));
  ASSERT_EQ(absent.diagnoses.size(), 1u);
  EXPECT_EQ(absent.diagnoses[0].certainty, model::Certainty::suspected);
  const model::DataIssue* i = find_issue(absent, "verification_missing");
  ASSERT_NE(i, nullptr);
  EXPECT_EQ(i->severity, model::IssueSeverity::info);
}

std::string procedure(const std::string& code, const std::string& members) {
  return R"({"resourceType":"Procedure","id":"pr1",)" + kSubject +
         R"(,"code":{"coding":[{"system":"http://khe-cds.org/fhir/CodeSystem/procedure","code":")" +
         code + R"("}]},)" + members + "}";
}

TEST(Procedures, StatusDatesAndIndication) {
  model::Record r = read_ok(bundle({
      procedure(
          "platelet-transfusion",
          R"("status":"completed","performedDateTime":"2026-08-01T10:00:00Z","reasonCode":[{"coding":[{"system":"http://khe-cds.org/fhir/CodeSystem/procedure","code":"indication-active-bleeding"}]}])"),
      procedure(
          "biopsy",
          R"("status":"preparation","performedPeriod":{"start":"2026-08-12","end":"2026-08-12T12:00:00Z"})"),
      procedure("embolization", R"("status":"not-done")"),
      procedure("surgical-resection", R"("status":"entered-in-error")"),
      procedure("cryoprecipitate-transfusion", R"("status":"on-hold")"),
      procedure("plasma-transfusion", R"("performedDateTime":"2026-08-01")"),
  }));
  ASSERT_EQ(r.procedures.size(), 2u);
  EXPECT_EQ(r.procedures[0].code, "platelet-transfusion");
  EXPECT_EQ(r.procedures[0].status, model::ProcedureStatus::done);
  EXPECT_EQ(r.procedures[0].start, at("2026-08-01T10:00:00Z"));
  EXPECT_EQ(r.procedures[0].indication, "indication-active-bleeding");
  EXPECT_EQ(r.procedures[1].status, model::ProcedureStatus::planned);
  EXPECT_EQ(r.procedures[1].start, at("2026-08-12"));
  EXPECT_EQ(r.procedures[1].end, at("2026-08-12T12:00:00Z"));
  EXPECT_TRUE(r.procedures[1].indication.empty());
  int unknown = 0;
  for (const auto& i : r.issues) unknown += i.code == "status_unknown";
  EXPECT_EQ(unknown, 2);  // on-hold and absent
}

std::string med(const std::string& type, const std::string& members, const std::string& id = "m1") {
  return R"({"resourceType":")" + type + R"(","id":")" + id + R"(",)" + kSubject + "," + members +
         "}";
}
const std::string kSirolimus =
    R"("medicationCodeableConcept":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"35302"}]})";

TEST(Medications, RequestWithBoundsDoseTimingRoute) {
  model::Record r = read_ok(
      bundle({med("MedicationRequest", kSirolimus + R"(,"status":"active","authoredOn":"2026-04-30",
      "dosageInstruction":[{"timing":{"repeat":{"boundsPeriod":{"start":"2026-05-01","end":"2026-08-01"},"frequency":2,"period":1,"periodUnit":"d"}},
      "route":{"coding":[{"system":"http://snomed.info/sct","code":"26643006","display":"Oral route"}]},
      "doseAndRate":[{"doseQuantity":{"value":400,"system":"http://unitsofmeasure.org","code":"ug"}}]}])")}));
  ASSERT_EQ(r.medications.size(), 1u) << all_issues(r);
  const model::MedicationCourse& m = r.medications[0];
  EXPECT_EQ(m.drug, "sirolimus");
  EXPECT_EQ(m.source_kind, model::MedicationSource::request);
  EXPECT_EQ(m.status, model::MedicationStatus::active);
  EXPECT_EQ(m.start, at("2026-05-01"));
  EXPECT_EQ(m.end, at("2026-08-01"));
  ASSERT_TRUE(m.dose.has_value());
  EXPECT_NEAR(m.dose->value, 0.4, 1e-12);
  EXPECT_DOUBLE_EQ(*m.interval_h, 12);
  EXPECT_EQ(m.route, "oral");
  EXPECT_EQ(m.source.path, "entry[1].resource.medicationCodeableConcept");
}

TEST(Medications, RequestWithoutBoundsStartsWhenAuthored) {
  model::Record r = read_ok(
      bundle({med("MedicationRequest",
                  kSirolimus + R"(,"status":"draft","authoredOn":"2026-04-30T10:00:00Z")")}));
  ASSERT_EQ(r.medications.size(), 1u);
  EXPECT_EQ(r.medications[0].status, model::MedicationStatus::planned);
  EXPECT_EQ(r.medications[0].start, at("2026-04-30T10:00:00Z"));
  EXPECT_FALSE(r.medications[0].end.has_value());
}

TEST(Medications, AdministrationIsOneDose) {
  model::Record r = read_ok(bundle({med(
      "MedicationAdministration",
      R"("medicationCodeableConcept":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"11202"}]},"status":"completed","effectiveDateTime":"2026-08-02T08:00:00Z","dosage":{"dose":{"value":0.5,"system":"http://unitsofmeasure.org","code":"mg"},"route":{"text":" IV "}})")}));
  ASSERT_EQ(r.medications.size(), 1u);
  const model::MedicationCourse& m = r.medications[0];
  EXPECT_EQ(m.drug, "vincristine");
  EXPECT_EQ(m.source_kind, model::MedicationSource::administration);
  EXPECT_EQ(m.start, at("2026-08-02T08:00:00Z"));
  EXPECT_EQ(m.end, m.start);
  EXPECT_NEAR(m.dose->value, 0.5, 1e-12);
  EXPECT_EQ(m.route, "intravenous");
}

TEST(Medications, DrugByText) {
  model::Record r = read_ok(bundle({
      med("MedicationStatement",
          R"("medicationCodeableConcept":{"text":"Rapamune 1 mg/mL oral solution"},"status":"active","effectiveDateTime":"2026-05-01")",
          "t1"),
      med("MedicationStatement",
          R"("medicationCodeableConcept":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"197454","display":"Fluconazole 50 MG Oral Tablet"}]},"status":"on-hold")",
          "t2"),
      med("MedicationStatement",
          R"("medicationCodeableConcept":{"text":"sirolimus and prednisolone"},"status":"active")",
          "t3"),
      med("MedicationStatement",
          R"("medicationCodeableConcept":{"text":"methylprednisolone"},"status":"stopped","effectivePeriod":{"start":"2026-05-01","end":"2026-05-03"})",
          "t4"),
      med("MedicationStatement",
          R"("medicationCodeableConcept":{"text":"paracetamol"},"status":"active")", "t5"),
  }));
  ASSERT_EQ(r.medications.size(), 3u) << all_issues(r);
  EXPECT_EQ(r.medications[0].drug, "sirolimus");
  EXPECT_TRUE(r.medications[0].matched_by_text);
  EXPECT_EQ(r.medications[0].start, at("2026-05-01"));
  EXPECT_FALSE(r.medications[0].end.has_value());
  EXPECT_EQ(r.medications[1].drug, "fluconazole");
  EXPECT_EQ(r.medications[1].status, model::MedicationStatus::on_hold);
  EXPECT_EQ(r.medications[2].drug, "methylprednisolone");  // not also prednisolone
  EXPECT_EQ(r.medications[2].status, model::MedicationStatus::stopped);
  EXPECT_EQ(r.medications[2].end, at("2026-05-03"));
  const model::DataIssue* i = find_issue(r, "drug_ambiguous");
  ASSERT_NE(i, nullptr);
  EXPECT_EQ(i->source.resource, "MedicationStatement/t3");
  EXPECT_THAT(i->message, HasSubstr("sirolimus, prednisolone"));
}

TEST(Medications, IgnoredStatuses) {
  for (const char* status : {"entered-in-error", "cancelled", "not-taken", "not-done"}) {
    model::Record r = read_ok(
        bundle({med("MedicationStatement", kSirolimus + R"(,"status":")" + status + "\"")}));
    EXPECT_TRUE(r.medications.empty()) << status;
    ASSERT_NE(find_issue(r, "status_ignored"), nullptr) << status;
    EXPECT_EQ(find_issue(r, "status_ignored")->source.path, "entry[1].resource.status");
  }
}

TEST(Medications, UnreadableDoseAndTimingAreLeftEmpty) {
  model::Record r = read_ok(bundle({
      med("MedicationStatement",
          kSirolimus +
              R"(,"status":"active","dosage":[{"doseAndRate":[{"doseQuantity":{"value":2,"system":"http://unitsofmeasure.org","code":"mL"}}],"timing":{"repeat":{"frequency":1,"period":1,"periodUnit":"mo"}}}])",
          "d1"),
      med("MedicationStatement",
          kSirolimus +
              R"(,"status":"active","dosage":[{"doseAndRate":[{"doseQuantity":{"value":"0.5","system":"http://unitsofmeasure.org","code":"mg"}}],"timing":{"repeat":{"frequency":0,"period":12,"periodUnit":"h"}}}])",
          "d2"),
      med("MedicationStatement",
          kSirolimus +
              R"(,"status":"active","dosage":[{"doseAndRate":[{"doseQuantity":{"value":-1,"system":"http://unitsofmeasure.org","code":"mg"}}],"timing":{"repeat":{"period":8,"periodUnit":"h"}}}])",
          "d3"),
  }));
  ASSERT_EQ(r.medications.size(), 3u);
  for (const auto& m : r.medications) EXPECT_FALSE(m.dose.has_value());
  EXPECT_FALSE(r.medications[0].interval_h.has_value());
  EXPECT_FALSE(r.medications[1].interval_h.has_value());
  EXPECT_DOUBLE_EQ(r.medications[2].interval_h.value_or(0), 8);  // frequency defaults to 1
  const model::DataIssue* ml = find_issue(r, "dose_not_mass");
  ASSERT_NE(ml, nullptr);
  EXPECT_EQ(ml->severity, model::IssueSeverity::info);
  EXPECT_EQ(ml->source.path, "entry[1].resource.dosage[0].doseAndRate[0].doseQuantity");
  const model::DataIssue* t = find_issue(r, "timing_rejected");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->source.path, "entry[1].resource.dosage[0].timing.repeat");
  ASSERT_NE(find_issue(r, "value_rejected"), nullptr);
  EXPECT_EQ(find_issue(r, "value_rejected")->source.resource, "MedicationStatement/d2");
  ASSERT_NE(find_issue(r, "implausible_value"), nullptr);
  EXPECT_EQ(find_issue(r, "implausible_value")->source.resource, "MedicationStatement/d3");
}

TEST(Medications, MedicationReferenceIsReported) {
  model::Record r = read_ok(
      bundle({med("MedicationRequest",
                  R"("medicationReference":{"reference":"Medication/x"},"status":"active")")}));
  EXPECT_TRUE(r.medications.empty());
  EXPECT_NE(find_issue(r, "medication_unresolved"), nullptr);
}

}  // namespace
}  // namespace khe::test
