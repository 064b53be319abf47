// knowledge/inputs.json (what the web app's forms offer): the default file loads with the
// contract's codes; each problem with an edited file is refused with the file and JSON path.
#include <gtest/gtest.h>

#include <algorithm>

#include "engine/evaluate.h"
#include "knowledge/knowledge.h"
#include "knowledge/knowledge_test_util.h"

namespace khe::knowledge {
namespace {

using testing::load_error;

// The default inputs.json with `from` replaced by `to`; the load error it gives.
std::string error_with(const std::string& from, const std::string& to) {
  auto files = default_files();
  auto& text = files["inputs.json"];
  const auto pos = text.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos == std::string::npos) return "";
  text.replace(pos, from.size(), to);
  return load_error(files);
}

#define EXPECT_PROBLEM(error, problem)                \
  EXPECT_NE((error).find(problem), std::string::npos) \
      << "want: " << (problem) << "\ngot: " << (error)

TEST(KnowledgeInputs, DefaultFileHasTheContractCodes) {
  auto k = load_default(engine::parameter_specs());
  ASSERT_TRUE(k.ok()) << k.error().to_string();
  const InputsConfig& in = k->inputs;
  ASSERT_EQ(in.findings.size(), 13u);
  EXPECT_EQ(in.findings[0].code, "lesion-site");
  EXPECT_EQ(in.findings[0].value, "code");
  ASSERT_EQ(in.findings[0].options.size(), 6u);
  EXPECT_EQ(in.findings[0].options[5].code, "site-bone-only");
  EXPECT_EQ(in.findings[0].options[5].label, "Bone only");
  EXPECT_EQ(in.findings[2].code, "lesion-largest-diameter");
  EXPECT_EQ(in.findings[2].value, "quantity");
  EXPECT_TRUE(in.findings[2].options.empty());
  EXPECT_EQ(in.findings[12].code, "gestational-age-at-birth");
  ASSERT_EQ(in.procedures.size(), 8u);
  EXPECT_EQ(in.procedures[0].code, "platelet-transfusion");
  EXPECT_EQ(in.procedures[7].label, "Embolization");
  ASSERT_EQ(in.indications.size(), 4u);
  EXPECT_EQ(in.indications[1].code, "indication-pre-procedure");
  EXPECT_EQ(in.indications[1].label, "Before a procedure");
  EXPECT_TRUE(in.is_vital_sign(model::Analyte::weight));
  EXPECT_TRUE(in.is_vital_sign(model::Analyte::bp_diastolic));
  EXPECT_FALSE(in.is_vital_sign(model::Analyte::platelets));
  EXPECT_EQ(in.vital_signs.size(), 5u);
}

// Every quantity finding of the file is one the reader reads (an analyte names it).
TEST(KnowledgeInputs, QuantityFindingsAreReadByTheKnowledge) {
  auto k = load_default(engine::parameter_specs());
  ASSERT_TRUE(k.ok());
  for (const auto& f : k->inputs.findings) {
    if (f.value == "quantity") {
      EXPECT_TRUE(k->codes.quantity_findings.count(f.code)) << f.code;
    }
  }
}

TEST(KnowledgeInputs, MissingOrBrokenFileRefused) {
  auto files = default_files();
  files.erase("inputs.json");
  EXPECT_PROBLEM(load_error(files), "inputs.json: $: file missing");
  files["inputs.json"] = "[1, 2]";
  EXPECT_PROBLEM(load_error(files), "inputs.json: $: not a JSON object");
  files["inputs.json"] = "{ not json";
  EXPECT_PROBLEM(load_error(files), "inputs.json: $: not a JSON object");
  files["inputs.json"] = "{\"description\": \"empty\"}";
  const std::string e = load_error(files);
  EXPECT_PROBLEM(e, "inputs.json: findings: expected a non-empty array");
  EXPECT_PROBLEM(e, "inputs.json: procedures: expected a non-empty array");
  EXPECT_PROBLEM(e, "inputs.json: indications: expected a non-empty array");
  EXPECT_PROBLEM(e, "inputs.json: vital_signs: expected an array");
}

TEST(KnowledgeInputs, DuplicateCodesRefused) {
  EXPECT_PROBLEM(error_with("\"code\": \"heart-failure\"", "\"code\": \"infection\""),
                 "inputs.json: findings[10].code: duplicate code 'infection'");
  // Options share the `finding` code system with the findings.
  EXPECT_PROBLEM(error_with("\"code\": \"growth-stable\"", "\"code\": \"site-cutaneous\""),
                 "inputs.json: findings[4].options[1].code: duplicate code 'site-cutaneous'");
  EXPECT_PROBLEM(error_with("\"code\": \"biopsy\"", "\"code\": \"embolization\""),
                 "inputs.json: procedures[7].code: duplicate code 'embolization'");
  EXPECT_PROBLEM(
      error_with("\"code\": \"indication-other\"", "\"code\": \"indication-prophylactic\""),
      "inputs.json: indications[3].code: duplicate code 'indication-prophylactic'");
  EXPECT_PROBLEM(
      error_with("\"vital_signs\": [\"weight\",", "\"vital_signs\": [\"weight\", \"weight\","),
      "inputs.json: vital_signs[1]: duplicate analyte 'weight'");
}

TEST(KnowledgeInputs, EmptyOrMissingLabelsRefused) {
  EXPECT_PROBLEM(error_with("\"label\": \"Heart failure\"", "\"label\": \"\""),
                 "inputs.json: findings[9].label: expected a non-empty string");
  EXPECT_PROBLEM(error_with("{\"code\": \"growth-stable\", \"label\": \"Stable\"}",
                            "{\"code\": \"growth-stable\"}"),
                 "inputs.json: findings[4].options[1].label: expected a non-empty string");
  EXPECT_PROBLEM(error_with("\"label\": \"Biopsy\"", "\"label\": 3"),
                 "inputs.json: procedures[6].label: expected a non-empty string");
  EXPECT_PROBLEM(error_with("\"label\": \"Other\"", "\"label\": \"\""),
                 "inputs.json: indications[3].label: expected a non-empty string");
  EXPECT_PROBLEM(error_with("{\"code\": \"infection\", ", "{"),
                 "inputs.json: findings[10].code: expected a non-empty string");
}

TEST(KnowledgeInputs, ValueKindMustBeKnown) {
  EXPECT_PROBLEM(error_with("\"label\": \"Infection\", \"value\": \"boolean\"",
                            "\"label\": \"Infection\", \"value\": \"yes-no\""),
                 "inputs.json: findings[10].value: expected boolean, code, quantity or grade");
  EXPECT_PROBLEM(
      error_with("\"label\": \"Infection\", \"value\": \"boolean\"", "\"label\": \"Infection\""),
      "inputs.json: findings[10].value: expected a non-empty string");
  // "grade" is a kind of value a centre may list (CTCAE 1-5).
  auto files = default_files();
  auto& text = files["inputs.json"];
  const std::string from = "\"label\": \"Infection\", \"value\": \"boolean\"";
  text.replace(text.find(from), from.size(), "\"label\": \"Infection\", \"value\": \"grade\"");
  auto k = load(files, engine::parameter_specs());
  ASSERT_TRUE(k.ok()) << k.error().to_string();
  EXPECT_EQ(k->inputs.findings[10].value, "grade");
}

TEST(KnowledgeInputs, OptionsOnlyForCodedFindingsAndNonEmptyThere) {
  EXPECT_PROBLEM(error_with("\"label\": \"Infection\", \"value\": \"boolean\"",
                            "\"label\": \"Infection\", \"value\": \"boolean\", \"options\": "
                            "[{\"code\": \"infection-yes\", \"label\": \"Yes\"}]"),
                 "inputs.json: findings[10].options: options are only for a coded finding");
  EXPECT_PROBLEM(error_with("\"label\": \"Lesion largest diameter\", \"value\": \"quantity\"",
                            "\"label\": \"Lesion largest diameter\", \"value\": \"quantity\", "
                            "\"options\": []"),
                 "inputs.json: findings[2].options: options are only for a coded finding");
  const std::string growth =
      "\"options\": [\n       {\"code\": \"growth-progressive\", \"label\": \"Progressive\"},\n"
      "       {\"code\": \"growth-stable\", \"label\": \"Stable\"},\n"
      "       {\"code\": \"growth-regressing\", \"label\": \"Regressing\"}]";
  EXPECT_PROBLEM(error_with(growth, "\"options\": []"),
                 "inputs.json: findings[4].options: expected a non-empty array");
  EXPECT_PROBLEM(error_with(",\n     " + growth, ""),
                 "inputs.json: findings[4].options: expected a non-empty array");
}

TEST(KnowledgeInputs, QuantityFindingMustBeReadByTheKnowledge) {
  // A quantity finding no analyte of analytes.json names: the reader would not read it.
  EXPECT_PROBLEM(error_with("\"label\": \"Infection\", \"value\": \"boolean\"",
                            "\"label\": \"Infection\", \"value\": \"quantity\""),
                 "inputs.json: findings[10].code: a quantity finding the knowledge does not read");
  // The same code becomes valid once an analyte names it.
  auto files = default_files();
  auto& in = files["inputs.json"];
  const std::string from = "\"code\": \"gestational-age-at-birth\"";
  in.replace(in.find(from), from.size(), "\"code\": \"gestational-age\"");
  EXPECT_PROBLEM(load_error(files), "inputs.json: findings[12].code: a quantity finding");
  auto& analytes = files["analytes.json"];
  const std::string named = "\"finding\": \"gestational-age-at-birth\"";
  analytes.replace(analytes.find(named), named.size(), "\"finding\": \"gestational-age\"");
  auto k = load(files, engine::parameter_specs());
  EXPECT_TRUE(k.ok()) << k.error().to_string();
}

TEST(KnowledgeInputs, ProcedureAndIndicationCodesAsTheReaderReadsThem) {
  EXPECT_PROBLEM(error_with("\"code\": \"biopsy\"", "\"code\": \"indication-biopsy\""),
                 "inputs.json: procedures[6].code: a code starting with indication- is read as an "
                 "indication");
  EXPECT_PROBLEM(error_with("\"code\": \"indication-other\"", "\"code\": \"other\""),
                 "inputs.json: indications[3].code: an indication code starts with indication-");
  // Procedures and indications share the `procedure` code system.
  EXPECT_PROBLEM(error_with("\"code\": \"platelet-transfusion\"", "\"code\": \"indication-other\""),
                 "inputs.json: indications[3].code: duplicate code 'indication-other'");
}

TEST(KnowledgeInputs, VitalSignsAreAnalytesTheFormsOffer) {
  EXPECT_PROBLEM(error_with("\"vital_signs\": [\"weight\",", "\"vital_signs\": [\"pulse\","),
                 "inputs.json: vital_signs[0]: expected the name of an analyte of analytes.json");
  EXPECT_PROBLEM(error_with("\"vital_signs\": [\"weight\",", "\"vital_signs\": [7,"),
                 "inputs.json: vital_signs[0]: expected the name of an analyte");
  // lesion_diameter has no LOINC code: it is offered as a finding, not as an analyte.
  EXPECT_PROBLEM(
      error_with("\"vital_signs\": [\"weight\",", "\"vital_signs\": [\"lesion_diameter\","),
      "inputs.json: vital_signs[0]: 'lesion_diameter' has no LOINC code");
  EXPECT_PROBLEM(error_with("[\"weight\", \"height\", \"temperature\", \"bp_systolic\", "
                            "\"bp_diastolic\"]",
                            "\"weight\""),
                 "inputs.json: vital_signs: expected an array");
}

TEST(KnowledgeInputs, EveryProblemIsReported) {
  auto files = default_files();
  auto& text = files["inputs.json"];
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"\"label\": \"Heart failure\"", "\"label\": \"\""},
           {"\"code\": \"biopsy\"", "\"code\": \"embolization\""},
           {"\"vital_signs\": [\"weight\",", "\"vital_signs\": [\"pulse\","}}) {
    text.replace(text.find(from), from.size(), to);
  }
  const std::string e = load_error(files);
  EXPECT_PROBLEM(e, "findings[9].label");
  EXPECT_PROBLEM(e, "procedures[7].code");
  EXPECT_PROBLEM(e, "vital_signs[0]");
}

}  // namespace
}  // namespace khe::knowledge
