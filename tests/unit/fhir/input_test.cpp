// Input framing (Bundle, NDJSON, single resource), bad input of every kind, patient choice
// and which resources belong to the patient.
#include <chrono>

#include "fhir/fhir_test_util.h"

namespace khe::test {
namespace {

using model::Analyte;
using testing::HasSubstr;

// The one problem of an unusable input.
Error only_problem(std::string_view bytes, const fhir::ReadOptions& o = options()) {
  fhir::ReadOutcome out = read(bytes, o);
  EXPECT_FALSE(out.record.has_value());
  EXPECT_EQ(out.problems.size(), 1u) << all_problems(out);
  return out.problems.empty() ? Error{} : out.problems.front();
}

const std::string kPlatelets = observation("777-3", ucum("42", "10*9/L"));

// --- framing ---------------------------------------------------------------------------

TEST(Input, Ndjson) {
  std::string text = std::string(kPatient) + "\n\n" + observation("777-3", ucum("42", "10*9/L")) +
                     "\r\n" + observation("718-7", ucum("95", "g/L"), "o2") + "\n";
  model::Record r = read_ok(text);
  ASSERT_EQ(r.labs.size(), 2u);
  EXPECT_DOUBLE_EQ(labs_of(r, Analyte::platelets)[0]->value.value, 42);
  EXPECT_EQ(labs_of(r, Analyte::platelets)[0]->source.path, "line 3: valueQuantity");
  EXPECT_DOUBLE_EQ(labs_of(r, Analyte::hemoglobin)[0]->value.value, 9.5);  // 95 g/L = 9.5 g/dL
  EXPECT_EQ(labs_of(r, Analyte::hemoglobin)[0]->source.path, "line 4: valueQuantity");
}

TEST(Input, NdjsonBadLinesAreProblemsNamingTheLine) {
  std::string text = std::string(kPatient) + "\n{\"resourceType\": \"Observation\", oops}\n" +
                     kPlatelets + "\n[1,2]\n";
  fhir::ReadOutcome out = read(text);
  EXPECT_FALSE(out.record.has_value());
  ASSERT_EQ(out.problems.size(), 2u) << all_problems(out);
  EXPECT_EQ(out.problems[0].where, "line 2");
  EXPECT_THAT(out.problems[0].message, HasSubstr("not valid JSON"));
  EXPECT_EQ(out.problems[1].where, "line 4");
  EXPECT_THAT(out.problems[1].message, HasSubstr("not a FHIR resource"));
}

TEST(Input, NdjsonPathsAndIssuesNameTheLine) {
  std::string text = std::string(kPatient) + "\n" +
                     observation("777-3", R"("valueQuantity":{"value":"18","unit":"10*9/L"})");
  model::Record r = read_ok(text);
  const model::DataIssue* i = find_issue(r, "value_rejected");
  ASSERT_NE(i, nullptr) << all_issues(r);
  EXPECT_EQ(i->source.resource, "Observation/o1");
  EXPECT_EQ(i->source.path, "line 2: valueQuantity.value");
}

TEST(Input, SingleResource) {
  model::Record r = read_ok(kPatient);
  EXPECT_EQ(r.patient.id, "p1");
  EXPECT_EQ(format_date(r.patient.birth_date), "2026-01-01");
  EXPECT_TRUE(r.labs.empty());

  Error e = only_problem(kPlatelets);
  EXPECT_EQ(e.where, "input");
  EXPECT_EQ(e.message, "no Patient resource");
}

TEST(Input, MinifiedSingleLineBundleWithTrailingNewline) {
  model::Record r = read_ok(bundle({kPlatelets}) + "\n");
  ASSERT_EQ(r.labs.size(), 1u);
  EXPECT_EQ(r.labs[0].source.path, "entry[1].resource.valueQuantity");
}

TEST(Input, BomAccepted) {
  model::Record r = read_ok("\xEF\xBB\xBF" + example("ex01-khe-severe-kmp.json"),
                            options("2026-08-03T12:00:00Z"));
  EXPECT_EQ(labs_of(r, Analyte::platelets).size(), 2u);
  model::Record n = read_ok("\xEF\xBB\xBF" + std::string(kPatient) + "\n" + kPlatelets);
  EXPECT_EQ(n.labs.size(), 1u);
}

// --- bad input ---------------------------------------------------------------------------

TEST(BadInput, Empty) {
  for (std::string_view text :
       {std::string_view(""), std::string_view("  \n\r\n\t"), std::string_view("\xEF\xBB\xBF")}) {
    Error e = only_problem(text);
    EXPECT_EQ(e.where, "input");
    EXPECT_EQ(e.message, "empty input");
  }
}

TEST(BadInput, NotJson) {
  Error e = only_problem("hello, world");
  EXPECT_EQ(e.where, "input");
  EXPECT_THAT(e.message, HasSubstr("not valid JSON"));
  Error a = only_problem("[1, 2, 3]");
  EXPECT_THAT(a.message, HasSubstr("not a FHIR resource or Bundle"));
  Error o = only_problem(R"({"hello": "world"})");
  EXPECT_THAT(o.message, HasSubstr("resourceType"));
}

TEST(BadInput, Truncated) {
  std::string text = example("ex01-khe-severe-kmp.json");
  for (std::size_t cut : {text.size() / 2, text.size() - 3, std::size_t{1}}) {
    Error e = only_problem(text.substr(0, cut));
    EXPECT_EQ(e.where, "input");
    EXPECT_THAT(e.message, HasSubstr("not valid JSON")) << cut;
  }
}

TEST(BadInput, DeepNestingIsACleanProblem) {
  const std::size_t depth = 100000;
  std::string arrays(depth, '[');
  arrays += std::string(depth, ']');
  Error e = only_problem(arrays);
  EXPECT_EQ(e.where, "input");
  EXPECT_THAT(e.message, HasSubstr("nested deeper than"));

  std::string objects = R"({"resourceType":"Patient","x":)";
  for (std::size_t i = 0; i < depth; ++i) objects += R"({"a":)";
  objects += "1" + std::string(depth + 1, '}');
  Error o = only_problem(objects);
  EXPECT_THAT(o.message, HasSubstr("nested deeper than"));
}

TEST(BadInput, InvalidUtf8) {
  std::string text = bundle({observation("777-3", ucum("42", "10*9/L"), "o\xff\xfe")});
  Error e = only_problem(text);
  EXPECT_EQ(e.where, "input");
  EXPECT_THAT(e.message, HasSubstr("UTF-8"));
  std::string line =
      std::string(kPatient) + "\n" + observation("777-3", ucum("42", "10*9/L"), "bad\xc3(");
  Error l = only_problem(line);
  EXPECT_EQ(l.where, "line 2");
  EXPECT_THAT(l.message, HasSubstr("UTF-8"));
}

TEST(BadInput, OverMaxBytesIsRefusedUnparsed) {
  fhir::ReadOptions o = options();
  o.max_bytes = 100;
  Error e = only_problem(bundle({kPlatelets}), o);
  EXPECT_EQ(e.where, "input");
  EXPECT_THAT(e.message, HasSubstr("more than the limit of 100"));
}

TEST(BadInput, FiftyMegabyteBundleIsRead) {
  std::string text = R"({"resourceType":"Bundle","type":"collection","entry":[{"resource":)" +
                     std::string(kPatient) + "}";
  std::size_t n = 0;
  while (text.size() < (50u << 20)) {
    text += ",{\"resource\":" +
            observation("777-3", ucum(std::to_string(n % 400), "10*9/L"), "o" + std::to_string(n),
                        R"("effectiveDateTime":"2026-0)" + std::to_string(1 + n % 7) + "-1" +
                            std::to_string(n % 10) + R"(T09:00:00Z")") +
            "}";
    ++n;
  }
  text += "]}";
  auto t0 = std::chrono::steady_clock::now();
  model::Record r = read_ok(text);
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  EXPECT_EQ(r.labs.size(), n);
  EXPECT_TRUE(r.issues.empty()) << all_issues(r).substr(0, 500);
  EXPECT_TRUE(std::is_sorted(r.labs.begin(), r.labs.end(),
                             [](const auto& a, const auto& b) { return a.time < b.time; }));
  RecordProperty("read_ms", static_cast<int>(ms));
}

// --- patients ----------------------------------------------------------------------------

TEST(Patients, NoPatient) {
  Error e = only_problem(R"({"resourceType":"Bundle","entry":[{"resource":)" + kPlatelets + "}]}");
  EXPECT_EQ(e.where, "input");
  EXPECT_EQ(e.message, "no Patient resource");
}

TEST(Patients, MissingBirthDate) {
  Error e =
      only_problem(bundle({kPlatelets}, R"({"resourceType":"Patient","id":"p1","gender":"male"})"));
  EXPECT_EQ(e.where, "Patient/p1, entry[0].resource.birthDate");
  EXPECT_THAT(e.message, HasSubstr("no birthDate"));
}

TEST(Patients, BirthDateNotAString) {
  Error e =
      only_problem(bundle({}, R"({"resourceType":"Patient","id":"p1","birthDate":20260101})"));
  EXPECT_EQ(e.where, "Patient/p1, entry[0].resource.birthDate");
  EXPECT_THAT(e.message, HasSubstr("not a string"));
}

TEST(Patients, BirthDateNotAFullOrPossibleDate) {
  for (const char* bad :
       {"2026-02-30", "2026-05", "2026", "2026-13-01", "26-01-01", "2026-01-01T00:00:00Z"}) {
    Error e = only_problem(bundle(
        {}, std::string(R"({"resourceType":"Patient","id":"p1","birthDate":")") + bad + "\"}"));
    EXPECT_EQ(e.where, "Patient/p1, entry[0].resource.birthDate") << bad;
    EXPECT_THAT(e.message, HasSubstr(bad));
    EXPECT_THAT(e.message, HasSubstr("not a full, valid YYYY-MM-DD date"));
  }
}

TEST(Patients, BirthAfterAsOf) {
  Error e = only_problem(bundle({}), options("2025-12-31T23:59:59Z"));
  EXPECT_EQ(e.where, "Patient/p1, entry[0].resource.birthDate");
  EXPECT_THAT(e.message, HasSubstr("after the as-of time 2025-12-31T23:59:59Z"));
  EXPECT_TRUE(
      read(bundle({}), options("2026-01-01T00:00:00Z")).record.has_value());  // born that day
}

const std::string kTwoPatients =
    R"({"resourceType":"Bundle","entry":[)"
    R"({"fullUrl":"urn:uuid:aaa","resource":{"resourceType":"Patient","id":"p1","birthDate":"2026-01-01"}},)"
    R"({"fullUrl":"urn:uuid:bbb","resource":{"resourceType":"Patient","id":"p2","birthDate":"2025-01-01"}},)"
    R"({"resource":{"resourceType":"Observation","id":"a","status":"final","subject":{"reference":"urn:uuid:aaa"},)"
    R"("code":{"coding":[{"system":"http://loinc.org","code":"777-3"}]},"effectiveDateTime":"2026-08-01",)"
    R"("valueQuantity":{"value":11,"system":"http://unitsofmeasure.org","code":"10*9/L"}}},)"
    R"({"resource":{"resourceType":"Observation","id":"b","status":"final","subject":{"reference":"Patient/p2"},)"
    R"("code":{"coding":[{"system":"http://loinc.org","code":"777-3"}]},"effectiveDateTime":"2026-08-01",)"
    R"("valueQuantity":{"value":222,"system":"http://unitsofmeasure.org","code":"10*9/L"}}}]})";

TEST(Patients, TwoPatientsAreRefusedWithoutAChoice) {
  fhir::ReadOutcome out = read(kTwoPatients);
  EXPECT_FALSE(out.record.has_value());
  ASSERT_EQ(out.problems.size(), 1u);
  EXPECT_THAT(out.problems[0].message, HasSubstr("Patient/p1, Patient/p2"));
  EXPECT_THAT(out.problems[0].message, HasSubstr("use --patient ID"));
  EXPECT_EQ(out.patient_ids, (std::vector<std::string>{"p1", "p2"}));
}

TEST(Patients, PatientIdPicksOneAndOthersResourcesAreIgnored) {
  fhir::ReadOptions o = options();
  o.patient_id = "p1";
  model::Record r = read_ok(kTwoPatients, o);
  EXPECT_EQ(r.patient.id, "p1");
  ASSERT_EQ(r.labs.size(), 1u);  // by urn:uuid
  EXPECT_DOUBLE_EQ(r.labs[0].value.value, 11);
  const model::DataIssue* i = find_issue(r, "other_patient_resources_ignored");
  ASSERT_NE(i, nullptr);
  EXPECT_EQ(i->severity, model::IssueSeverity::info);
  EXPECT_THAT(i->message, HasSubstr("1 resource(s)"));

  o.patient_id = "p2";
  model::Record r2 = read_ok(kTwoPatients, o);
  EXPECT_EQ(format_date(r2.patient.birth_date), "2025-01-01");
  ASSERT_EQ(r2.labs.size(), 1u);  // by Patient/id
  EXPECT_DOUBLE_EQ(r2.labs[0].value.value, 222);
}

TEST(Patients, PatientIdAbsent) {
  fhir::ReadOptions o = options();
  o.patient_id = "p9";
  Error e = only_problem(kTwoPatients, o);
  EXPECT_THAT(e.message, HasSubstr("Patient/p9 is not in the input"));
}

TEST(Patients, RepeatedPatientIsOnePatientUnlessItContradictsItself) {
  std::string same = R"({"resourceType":"Bundle","entry":[{"resource":)" + std::string(kPatient) +
                     R"(},{"resource":)" + kPatient + R"(},{"resource":)" + kPlatelets + "}]}";
  EXPECT_EQ(read_ok(same).labs.size(), 1u);
  std::string differ =
      R"({"resourceType":"Bundle","entry":[{"resource":)" + std::string(kPatient) +
      R"(},{"resource":{"resourceType":"Patient","id":"p1","birthDate":"2025-01-01"}}]})";
  Error e = only_problem(differ);
  EXPECT_EQ(e.where, "Patient/p1");
  EXPECT_THAT(e.message, HasSubstr("different birthDate"));
}

TEST(Patients, GenderMapped) {
  EXPECT_EQ(
      read_ok(
          bundle(
              {},
              R"({"resourceType":"Patient","id":"p1","birthDate":"2026-01-01","gender":"other"})"))
          .patient.gender,
      model::Gender::other);
  EXPECT_EQ(
      read_ok(
          bundle({}, R"({"resourceType":"Patient","id":"p1","birthDate":"2026-01-01","gender":7})"))
          .patient.gender,
      model::Gender::unknown);
}

// --- whose resources ---------------------------------------------------------------------

std::string with_subject(const std::string& subject_member) {
  return R"({"resourceType":"Observation","id":"s","status":"final",)" + subject_member +
         R"("code":{"coding":[{"system":"http://loinc.org","code":"777-3"}]},"effectiveDateTime":"2026-08-01",)"
         R"("valueQuantity":{"value":77,"system":"http://unitsofmeasure.org","code":"10*9/L"}})";
}

TEST(Subjects, ReferenceForms) {
  for (const char* ref : {"Patient/p1", "urn:uuid:p1", "https://ehr.example.org/fhir/Patient/p1",
                          "Patient/p1/_history/3"}) {
    model::Record r =
        read_ok(bundle({with_subject(std::string(R"("subject":{"reference":")") + ref + "\"},")}));
    EXPECT_EQ(r.labs.size(), 1u) << ref;
  }
  model::Record viaPatient =
      read_ok(bundle({with_subject(R"("patient":{"reference":"Patient/p1"},)")}));
  EXPECT_EQ(viaPatient.labs.size(), 1u);
}

TEST(Subjects, ReferenceToNoKnownPatientIsNotUsed) {
  for (const char* ref : {"Patient/p11", "https://x.org/fhir/Patient/xp1", "Group/p1"}) {
    model::Record r =
        read_ok(bundle({with_subject(std::string(R"("subject":{"reference":")") + ref + "\"},")}));
    EXPECT_TRUE(r.labs.empty()) << ref;
    const model::DataIssue* i = find_issue(r, "subject_unresolved");
    ASSERT_NE(i, nullptr) << ref;
    EXPECT_EQ(i->source.resource, "Observation/s");
    EXPECT_THAT(i->message, HasSubstr(ref));
  }
}

TEST(Subjects, MissingSubjectWithOnePatientIsAssumed) {
  model::Record r = read_ok(bundle({with_subject("")}));
  ASSERT_EQ(r.labs.size(), 1u);
  const model::DataIssue* i = find_issue(r, "subject_missing");
  ASSERT_NE(i, nullptr);
  EXPECT_EQ(i->severity, model::IssueSeverity::info);
  EXPECT_EQ(i->source.resource, "Observation/s");
}

TEST(Subjects, MissingSubjectWithTwoPatientsIsNotUsed) {
  std::string text = kTwoPatients.substr(0, kTwoPatients.size() - 2) +
                     ",{\"resource\":" + with_subject("") + "}]}";
  fhir::ReadOptions o = options();
  o.patient_id = "p1";
  model::Record r = read_ok(text, o);
  EXPECT_EQ(r.labs.size(), 1u);
  const model::DataIssue* i = find_issue(r, "subject_missing");
  ASSERT_NE(i, nullptr);
  EXPECT_EQ(i->severity, model::IssueSeverity::warning);
}

TEST(Subjects, UnreadableSubjectIsNotUsed) {
  for (const char* subject : {R"("subject":"Patient/p1",)", R"("subject":{"display":"Anna"},)",
                              R"("subject":{"reference":5},)"}) {
    model::Record r = read_ok(bundle({with_subject(subject)}));
    EXPECT_TRUE(r.labs.empty()) << subject;
    EXPECT_NE(find_issue(r, "subject_unreadable"), nullptr) << subject;
  }
}

TEST(Subjects, MalformedEntriesAreSummed) {
  std::string text =
      R"({"resourceType":"Bundle","entry":[{"resource":)" + std::string(kPatient) +
      R"(},1,"x",{"resource":[]},{"resource":{"id":"q"}},{"request":{"method":"DELETE"}},{"resource":)" +
      kPlatelets + "}]}";
  model::Record r = read_ok(text);
  EXPECT_EQ(r.labs.size(), 1u);
  const model::DataIssue* i = find_issue(r, "entry_malformed");
  ASSERT_NE(i, nullptr);
  EXPECT_THAT(i->message, HasSubstr("4 Bundle entries"));
  EXPECT_EQ(i->source.path, "entry[1]");
}

TEST(Subjects, WrongJsonTypesNeverCrash) {
  // Strings, numbers and arrays where objects are expected, and vice versa.
  std::string text = bundle({
      R"({"resourceType":"Observation","id":"w1","subject":{"reference":"Patient/p1"},"code":"777-3"})",
      R"({"resourceType":"Observation","id":"w2","subject":{"reference":"Patient/p1"},"code":{"coding":"777-3"}})",
      R"({"resourceType":"Observation","id":"w3","subject":{"reference":"Patient/p1"},"code":{"coding":[1,null,{"system":1,"code":2}]}})",
      R"({"resourceType":"Observation","id":"w4","subject":{"reference":"Patient/p1"},"status":7,"code":{"coding":[{"system":"http://loinc.org","code":"777-3"}]},"effectiveDateTime":20260801,"valueQuantity":{"value":1}})",
      R"({"resourceType":"Observation","id":"w5","subject":{"reference":"Patient/p1"},"code":{"coding":[{"system":"http://loinc.org","code":"777-3"}]},"effectiveDateTime":"2026-08-01","valueQuantity":"42 10*9/L"})",
      R"({"resourceType":"Condition","id":"w6","subject":{"reference":"Patient/p1"},"code":[],"verificationStatus":"confirmed"})",
      R"({"resourceType":"MedicationStatement","id":"w7","subject":{"reference":"Patient/p1"},"medicationCodeableConcept":{"text":"sirolimus"},"dosage":{"route":"po"},"effectivePeriod":"2026"})",
      R"({"resourceType":"Procedure","id":"w8","subject":{"reference":"Patient/p1"},"code":{"coding":[{"system":"http://khe-cds.org/fhir/CodeSystem/procedure","code":"biopsy"}]},"status":"completed","performedPeriod":[1]})",
      R"({"resourceType":7,"id":"w9"})",
  });
  model::Record r = read_ok(text);
  EXPECT_TRUE(r.labs.empty());
  EXPECT_TRUE(r.diagnoses.empty());
  const model::DataIssue* t = find_issue(r, "time_invalid");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->source.resource, "Observation/w4");
  EXPECT_EQ(t->source.path, "entry[4].resource.effectiveDateTime");
  const model::DataIssue* q = find_issue(r, "value_rejected");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->source.resource, "Observation/w5");
  EXPECT_EQ(q->source.path, "entry[5].resource.valueQuantity");
  ASSERT_EQ(r.medications.size(), 1u);  // the drug is known; the rest is unreadable and left empty
  EXPECT_FALSE(r.medications[0].start.has_value());
  EXPECT_FALSE(r.medications[0].dose.has_value());
  ASSERT_EQ(r.procedures.size(), 1u);
  EXPECT_FALSE(r.procedures[0].start.has_value());
}

TEST(Subjects, LabelWithoutId) {
  std::string obs =
      R"({"resourceType":"Observation","subject":{"reference":"Patient/p1"},"code":{"coding":[{"system":"http://loinc.org","code":"777-3"}]},"effectiveDateTime":"2026-08-01","valueQuantity":{"value":"5"}})";
  model::Record r = read_ok(bundle({obs}));
  const model::DataIssue* i = find_issue(r, "value_rejected");
  ASSERT_NE(i, nullptr);
  EXPECT_EQ(i->source.resource, "Observation[entry 1]");
  model::Record n = read_ok(std::string(kPatient) + "\n" + obs);
  ASSERT_NE(find_issue(n, "value_rejected"), nullptr);
  EXPECT_EQ(find_issue(n, "value_rejected")->source.resource, "Observation[line 2]");
}

}  // namespace
}  // namespace khe::test
