// Observations: values, units, comparators, plausibility, reference ranges, findings, times.
#include "fhir/fhir_test_util.h"

namespace khe::test {
namespace {

using model::Analyte;
using testing::HasSubstr;

// Reads one Observation (entry[1]) of Patient p1.
model::Record one(const std::string& obs) { return read_ok(bundle({obs})); }

// The Observation's value was refused with `code`, naming Observation/o1 and `path`.
void expect_refused(const model::Record& r, std::string_view code, std::string_view path) {
  EXPECT_TRUE(r.labs.empty());
  const model::DataIssue* i = find_issue(r, code);
  ASSERT_NE(i, nullptr) << all_issues(r);
  EXPECT_EQ(i->severity, model::IssueSeverity::warning);
  EXPECT_EQ(i->source.resource, "Observation/o1");
  EXPECT_EQ(i->source.path, path);
}

TEST(Values, NumberSentAsStringIsRejected) {
  model::Record r = one(observation(
      "777-3",
      R"("valueQuantity":{"value":"18","system":"http://unitsofmeasure.org","code":"10*9/L"})"));
  expect_refused(r, "value_rejected", "entry[1].resource.valueQuantity.value");
  EXPECT_THAT(find_issue(r, "value_rejected")->message, HasSubstr("\"18\", not a JSON number"));
}

TEST(Values, MissingValue) {
  model::Record r = one(observation(
      "777-3", R"("valueQuantity":{"system":"http://unitsofmeasure.org","code":"10*9/L"})"));
  expect_refused(r, "value_missing", "entry[1].resource.valueQuantity.value");
}

TEST(Values, OtherValueTypesAreRejected) {
  model::Record r = one(observation("777-3", R"("valueString":"<10")"));
  expect_refused(r, "value_rejected", "entry[1].resource");
  model::Record absent = one(observation("777-3", R"("dataAbsentReason":{"text":"clotted"})"));
  EXPECT_TRUE(absent.labs.empty());
  ASSERT_NE(find_issue(absent, "value_missing"), nullptr);
  EXPECT_EQ(find_issue(absent, "value_missing")->severity, model::IssueSeverity::info);
}

TEST(Units, UcumCodesAreConverted) {
  model::Record r = one(observation("777-3", ucum("150000", "/uL")));
  ASSERT_EQ(r.labs.size(), 1u) << all_issues(r);
  EXPECT_NEAR(r.labs[0].value.value, 150, 1e-9);
  model::Record w = one(observation("29463-7", ucum("5600", "g")));
  ASSERT_EQ(w.labs.size(), 1u);
  EXPECT_NEAR(w.labs[0].value.value, 5.6, 1e-12);
}

TEST(Units, MassToMolarNeedsMolarMass) {
  model::Record r = one(observation("2339-0", ucum("5.5", "mmol/L")));  // glucose
  ASSERT_EQ(r.labs.size(), 1u) << all_issues(r);
  EXPECT_NEAR(r.labs[0].value.value, 5.5 * 18.016, 1e-6);
}

TEST(Units, UnambiguousUnitTextIsAccepted) {
  for (const char* unit : {"10^9/L", "x10^9/L", "x10E9/L"}) {
    model::Record r = one(observation(
        "777-3", std::string(R"("valueQuantity":{"value":42,"unit":")") + unit + "\"}"));
    ASSERT_EQ(r.labs.size(), 1u) << unit << all_issues(r);
    EXPECT_DOUBLE_EQ(r.labs[0].value.value, 42);
  }
  model::Record k = one(observation("777-3", R"("valueQuantity":{"value":42,"unit":"K/uL"})"));
  ASSERT_EQ(k.labs.size(), 1u);
  EXPECT_NEAR(k.labs[0].value.value, 42, 1e-9);
}

TEST(Units, LocalSystemCodeThroughAliases) {
  model::Record r = one(observation(
      "777-3",
      R"("valueQuantity":{"value":42,"system":"http://lab.example/units","code":"x10E9/L"})"));
  ASSERT_EQ(r.labs.size(), 1u);
  model::Record bad = one(observation(
      "777-3",
      R"("valueQuantity":{"value":42,"system":"http://lab.example/units","code":"GPT/L"})"));
  expect_refused(bad, "unit_unsupported", "entry[1].resource.valueQuantity.code");
}

TEST(Units, AmbiguousUnitTextIsRejectedWithAMessage) {
  model::Record r = one(observation("777-3", R"("valueQuantity":{"value":42,"unit":"109/L"})"));
  expect_refused(r, "unit_ambiguous", "entry[1].resource.valueQuantity.unit");
  const std::string& m = find_issue(r, "unit_ambiguous")->message;
  EXPECT_THAT(m, HasSubstr("'109/L'"));
  EXPECT_THAT(m, HasSubstr("10^9 with its superscript lost, or literally 109"));
  // The refused value keeps its analyte and time, so the engine can tell it was newer.
  const model::DataIssue* i = find_issue(r, "unit_ambiguous");
  ASSERT_TRUE(i->analyte.has_value());
  EXPECT_EQ(*i->analyte, model::Analyte::platelets);
  EXPECT_TRUE(i->time.has_value());

  model::Record moj = one(observation(
      "777-3", "\"valueQuantity\":{\"value\":42,\"unit\":\"\xC3\x83\xE2\x80\x94 109/L\"}"));
  expect_refused(moj, "unit_ambiguous", "entry[1].resource.valueQuantity.unit");
  EXPECT_THAT(find_issue(moj, "unit_ambiguous")->message, HasSubstr("mis-encoded"));
}

TEST(Units, MissingUnit) {
  model::Record r = one(observation("777-3", R"("valueQuantity":{"value":42})"));
  expect_refused(r, "unit_missing", "entry[1].resource.valueQuantity");
  model::Record blank = one(observation(
      "777-3", R"("valueQuantity":{"value":42,"unit":"  ","system":"http://unitsofmeasure.org"})"));
  expect_refused(blank, "unit_missing", "entry[1].resource.valueQuantity");
}

TEST(Units, IncompatibleAndInvalidUnits) {
  model::Record r = one(observation("777-3", ucum("42", "g/L")));
  expect_refused(r, "unit_incompatible", "entry[1].resource.valueQuantity");
  EXPECT_THAT(find_issue(r, "unit_incompatible")->message, HasSubstr("10*9/L"));
  model::Record bad = one(observation("777-3", ucum("42", "10**9//L")));
  expect_refused(bad, "unit_invalid", "entry[1].resource.valueQuantity");
}

TEST(Comparators, KeptWhenOrdered) {
  model::Record r = one(observation(
      "777-3",
      R"("valueQuantity":{"value":10,"comparator":"<","system":"http://unitsofmeasure.org","code":"10*9/L"})"));
  ASSERT_EQ(r.labs.size(), 1u);
  EXPECT_EQ(r.labs[0].value.comparator, model::Comparator::lt);
  EXPECT_DOUBLE_EQ(r.labs[0].value.value, 10);
  model::Record ge = one(observation(
      "48065-7",
      R"("valueQuantity":{"value":20,"comparator":">=","system":"http://unitsofmeasure.org","code":"ug/mL{FEU}"})"));
  ASSERT_EQ(ge.labs.size(), 1u) << all_issues(ge);
  EXPECT_EQ(ge.labs[0].value.comparator, model::Comparator::ge);
  EXPECT_NEAR(ge.labs[0].value.value, 20, 1e-9);
}

TEST(Comparators, AdAndOthersRejected) {
  for (const char* cmp : {"ad", "~", "="}) {
    model::Record r = one(
        observation("777-3", std::string(R"("valueQuantity":{"value":10,"comparator":")") + cmp +
                                 R"(","system":"http://unitsofmeasure.org","code":"10*9/L"})"));
    expect_refused(r, "value_rejected", "entry[1].resource.valueQuantity.comparator");
    EXPECT_THAT(find_issue(r, "value_rejected")->message, HasSubstr(cmp));
  }
}

TEST(Plausibility, NegativeAndAbsurdValues) {
  model::Record neg = one(observation("777-3", ucum("-5", "10*9/L")));
  expect_refused(neg, "implausible_value", "entry[1].resource.valueQuantity.value");
  model::Record huge = one(observation("777-3", ucum("1e300", "10*9/L")));
  expect_refused(huge, "implausible_value", "entry[1].resource.valueQuantity.value");
  model::Record weight = one(observation("29463-7", ucum("5000", "kg")));
  expect_refused(weight, "implausible_value", "entry[1].resource.valueQuantity.value");
  EXPECT_THAT(find_issue(weight, "implausible_value")->message, HasSubstr("5000 kg"));
  model::Record grams = one(observation("29463-7", ucum("5", "mg")));  // 5 mg baby
  expect_refused(grams, "implausible_value", "entry[1].resource.valueQuantity.value");
  model::Record height = one(observation("8302-2", ucum("870", "cm")));
  expect_refused(height, "implausible_value", "entry[1].resource.valueQuantity.value");
}

TEST(DDimer, KindDecidedByLoincNeverByUnit) {
  model::Record feu = one(observation("48065-7", ucum("2", "ug/mL{FEU}")));
  ASSERT_EQ(feu.labs.size(), 1u) << all_issues(feu);
  EXPECT_EQ(feu.labs[0].analyte, Analyte::ddimer_feu);
  EXPECT_NEAR(feu.labs[0].value.value, 2, 1e-9);
  model::Record ddu = one(observation("48066-5", ucum("500", "ng/mL{DDU}")));
  ASSERT_EQ(ddu.labs.size(), 1u);
  EXPECT_EQ(ddu.labs[0].analyte, Analyte::ddimer_ddu);
  EXPECT_NEAR(ddu.labs[0].value.value, 500, 1e-9);

  model::Record wrong = one(observation("48065-7", ucum("500", "ng/mL{DDU}")));
  expect_refused(wrong, "unit_annotation_mismatch", "entry[1].resource.valueQuantity");
  EXPECT_THAT(find_issue(wrong, "unit_annotation_mismatch")->message, HasSubstr("never converted"));
  model::Record wrong_text = one(observation(
      "48066-5",
      R"("valueQuantity":{"value":0.5,"unit":"mg/L FEU","system":"http://unitsofmeasure.org","code":"mg/L"})"));
  expect_refused(wrong_text, "unit_annotation_mismatch", "entry[1].resource.valueQuantity");
}

TEST(ReferenceRange, ConvertedToCanonicalUnit) {
  model::Record r = one(observation(
      "3255-7",
      ucum("130", "mg/dL") +
          R"(,"referenceRange":[{"low":{"value":150,"system":"http://unitsofmeasure.org","code":"mg/dL"},"high":{"value":4,"unit":"g/L","system":"http://unitsofmeasure.org","code":"g/L"}}])"));
  ASSERT_EQ(r.labs.size(), 1u);
  ASSERT_TRUE(r.labs[0].ref_low && r.labs[0].ref_high);
  EXPECT_NEAR(r.labs[0].ref_low->value, 1.5, 1e-9);
  EXPECT_NEAR(r.labs[0].ref_high->value, 4, 1e-9);
}

TEST(ReferenceRange, UnreadableRangeIsDroppedButValueKept) {
  model::Record r = one(observation(
      "48065-7",
      ucum("8", "mg/L") +
          R"(,"referenceRange":[{"low":{"value":0,"system":"http://unitsofmeasure.org","code":"mg/L"},"high":{"value":0.5,"unit":"109/L"}}])"));
  ASSERT_EQ(r.labs.size(), 1u);
  EXPECT_FALSE(r.labs[0].ref_low.has_value());
  EXPECT_FALSE(r.labs[0].ref_high.has_value());
  const model::DataIssue* i = find_issue(r, "reference_range_dropped");
  ASSERT_NE(i, nullptr);
  EXPECT_EQ(i->severity, model::IssueSeverity::info);
  EXPECT_EQ(i->source.path, "entry[1].resource.referenceRange[0].high.unit");
}

TEST(Status, EnteredInErrorAndCancelledIgnored) {
  for (const char* status : {"entered-in-error", "cancelled"}) {
    std::string obs = observation("777-3", ucum("42", "10*9/L"));
    obs.replace(obs.find("\"final\""), 7, std::string("\"") + status + "\"");
    model::Record r = one(obs);
    EXPECT_TRUE(r.labs.empty()) << status;
    const model::DataIssue* i = find_issue(r, "status_ignored");
    ASSERT_NE(i, nullptr);
    EXPECT_EQ(i->source.path, "entry[1].resource.status");
  }
}

TEST(Times, FallbacksAndRefusals) {
  model::Record period =
      one(observation("777-3", ucum("42", "10*9/L"), "o1",
                      R"("effectivePeriod":{"start":"2026-07-01T08:00:00+02:00"})"));
  ASSERT_EQ(period.labs.size(), 1u);
  EXPECT_EQ(period.labs[0].time, at("2026-07-01T06:00:00Z"));
  model::Record issued =
      one(observation("777-3", ucum("42", "10*9/L"), "o1", R"("issued":"2026-07-02T10:00:00Z")"));
  ASSERT_EQ(issued.labs.size(), 1u);
  EXPECT_EQ(issued.labs[0].time, at("2026-07-02T10:00:00Z"));

  model::Record none = one(observation("777-3", ucum("42", "10*9/L"), "o1", R"("note":[])"));
  expect_refused(none, "time_missing", "entry[1].resource");
  model::Record impossible = one(
      observation("777-3", ucum("42", "10*9/L"), "o1",
                  R"("effectiveDateTime":"2026-02-30T09:00:00Z","issued":"2026-03-01T00:00:00Z")"));
  expect_refused(impossible, "time_invalid", "entry[1].resource.effectiveDateTime");
  model::Record month =
      one(observation("777-3", ucum("42", "10*9/L"), "o1", R"("effectiveDateTime":"2026-05")"));
  expect_refused(month, "time_imprecise", "entry[1].resource.effectiveDateTime");
}

const char* kFinding = "http://khe-cds.org/fhir/CodeSystem/finding";

TEST(Findings, BooleanCodedAndQuantity) {
  std::string t = R"("effectiveDateTime":"2026-08-01T09:00:00Z")";
  model::Record r = read_ok(bundle({
      observation("active-bleeding", R"("valueBoolean":false)", "f1", t, kFinding),
      observation(
          "vital-structure-compression",
          std::string(
              R"("valueCodeableConcept":{"coding":[{"system":"http://snomed.info/sct","code":"1"},{"system":")") +
              kFinding + R"(","code":"compress-airway"}]})",
          "f2", t, kFinding),
      observation("lesion-largest-diameter", ucum("85", "mm"), "f3", t, kFinding),
      observation("gestational-age-at-birth", ucum("32", "wk"), "f4", t, kFinding),
      observation("lesion-multifocal", R"("valueBoolean":"yes")", "f5", t, kFinding),
      observation("lesion-growth", R"("valueCodeableConcept":{"text":"growing"})", "f6", t,
                  kFinding),
  }));
  ASSERT_EQ(r.findings.size(), 2u);
  EXPECT_EQ(r.findings[0].code, "active-bleeding");
  EXPECT_EQ(r.findings[0].flag, std::optional<bool>(false));
  EXPECT_EQ(r.findings[1].value_code, "compress-airway");
  EXPECT_FALSE(r.findings[1].flag.has_value());
  ASSERT_EQ(labs_of(r, Analyte::lesion_diameter).size(), 1u);
  EXPECT_NEAR(labs_of(r, Analyte::lesion_diameter)[0]->value.value, 8.5, 1e-9);
  ASSERT_EQ(labs_of(r, Analyte::gestational_age).size(), 1u);
  EXPECT_DOUBLE_EQ(labs_of(r, Analyte::gestational_age)[0]->value.value, 32);
  ASSERT_NE(find_issue(r, "value_rejected"), nullptr);
  EXPECT_EQ(find_issue(r, "value_rejected")->source.resource, "Observation/f5");
  ASSERT_NE(find_issue(r, "value_unrecognised"), nullptr);
  EXPECT_EQ(find_issue(r, "value_unrecognised")->source.resource, "Observation/f6");
}

TEST(Findings, UnknownCodesIgnoredSilently) {
  model::Record r = one(observation("12345-6", ucum("1", "g/L")));
  EXPECT_TRUE(r.labs.empty());
  EXPECT_TRUE(r.issues.empty()) << all_issues(r);
}

TEST(Components, BloodPressurePanel) {
  model::Record r = one(observation("85354-9", R"("component":[
      {"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":95,"system":"http://unitsofmeasure.org","code":"mm[Hg]"}},
      {"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},"valueQuantity":{"value":"55","system":"http://unitsofmeasure.org","code":"mm[Hg]"}}])"));
  ASSERT_EQ(labs_of(r, Analyte::bp_systolic).size(), 1u);
  EXPECT_DOUBLE_EQ(labs_of(r, Analyte::bp_systolic)[0]->value.value, 95);
  EXPECT_EQ(labs_of(r, Analyte::bp_systolic)[0]->source.path,
            "entry[1].resource.component[0].valueQuantity");
  EXPECT_TRUE(labs_of(r, Analyte::bp_diastolic).empty());
  ASSERT_NE(find_issue(r, "value_rejected"), nullptr);
  EXPECT_EQ(find_issue(r, "value_rejected")->source.path,
            "entry[1].resource.component[1].valueQuantity.value");
}

}  // namespace
}  // namespace khe::test
