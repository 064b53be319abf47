// Knowledge loading and validation: the default set loads; a broken or incomplete set is
// refused with the file and field named; numeric parameters are converted to the unit the
// engine declares.
#include <gtest/gtest.h>

#include <regex>

#include "engine/evaluate.h"
#include "knowledge/knowledge.h"
#include "knowledge/knowledge_test_util.h"

namespace khe::knowledge {
namespace {

using testing::load_error;

void replace(FileSet& files, const std::string& file, const std::string& from,
             const std::string& to) {
  auto& text = files[file];
  auto pos = text.find(from);
  ASSERT_NE(pos, std::string::npos) << from;
  text.replace(pos, from.size(), to);
}

TEST(Knowledge, DefaultLoadsWithBothProfiles) {
  auto r = load_default(engine::parameter_specs());
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_FALSE(r->version.empty());
  ASSERT_NE(r->profile("default"), nullptr);
  ASSERT_NE(r->profile("consensus-2013"), nullptr);
  EXPECT_EQ(r->profile("default")->text("TX-7", "kmp_first_line"), "sirolimus_based");
  EXPECT_EQ(r->profile("consensus-2013")->text("TX-7", "kmp_first_line"),
            "vincristine_corticosteroid");
  EXPECT_EQ(r->profile("default")->num("KMP-2", "severe_below"), 30);
  EXPECT_EQ(r->profile("default")->num("TIME-1", "acute_window"), 48);  // hours
}

TEST(Knowledge, LoadDirMatchesEmbedded) {
  auto a = load_default(engine::parameter_specs());
  auto b = load_dir(KHE_SOURCE_DIR "/knowledge", engine::parameter_specs());
  ASSERT_TRUE(b.ok()) << b.error().to_string();
  EXPECT_EQ(a->version, b->version);
  EXPECT_EQ(a->profile("default")->rules.size(), b->profile("default")->rules.size());
}

TEST(Knowledge, MissingFolderRefused) {
  auto r = load_dir("/nonexistent/knowledge", engine::parameter_specs());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().to_string().find("/nonexistent/knowledge"), std::string::npos);
}

TEST(Knowledge, BrokenJsonNamesFile) {
  auto files = default_files();
  files["rules.json"] = "{ not json";
  EXPECT_NE(load_error(files).find("rules.json: $: not valid JSON"), std::string::npos);
}

TEST(Knowledge, MissingParameterNamesRuleAndField) {
  auto files = default_files();
  replace(files, "rules.json", "\"severe_below\": {\"value\": 30, \"unit\": \"10*9/L\"}, ", "");
  std::string e = load_error(files);
  EXPECT_TRUE(std::regex_search(
      e, std::regex(R"(rules\.json: rules\[\d+\]\.params\.severe_below: missing)")))
      << e;
}

TEST(Knowledge, WrongTypeAndIncommensurableUnitRefused) {
  auto files = default_files();
  replace(files, "rules.json", "\"severe_below\": {\"value\": 30, \"unit\": \"10*9/L\"}",
          "\"severe_below\": {\"value\": \"30\", \"unit\": \"10*9/L\"}");
  EXPECT_NE(load_error(files).find("params.severe_below.value: expected a number"),
            std::string::npos);
  files = default_files();
  replace(files, "rules.json", "\"severe_below\": {\"value\": 30, \"unit\": \"10*9/L\"}",
          "\"severe_below\": {\"value\": 30, \"unit\": \"g/L\"}");
  EXPECT_NE(load_error(files).find("params.severe_below.unit"), std::string::npos);
}

TEST(Knowledge, ParametersAreConvertedToTheEngineUnit) {
  auto files = default_files();
  replace(files, "rules.json", "\"severe_below\": {\"value\": 30, \"unit\": \"10*9/L\"}",
          "\"severe_below\": {\"value\": 30000, \"unit\": \"/uL\"}");
  replace(files, "rules.json", "\"fibrinogen_below\": {\"value\": 1.5, \"unit\": \"g/L\"}",
          "\"fibrinogen_below\": {\"value\": 150, \"unit\": \"mg/dL\"}");
  auto r = load(files, engine::parameter_specs());
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_NEAR(r->profile("default")->num("KMP-2", "severe_below"), 30, 1e-9);
  EXPECT_NEAR(r->profile("default")->num("KMP-3", "fibrinogen_below"), 1.5, 1e-12);
}

TEST(Knowledge, ProfileOverrideOfUnknownRuleOrParameterRefused) {
  auto files = default_files();
  files["profiles/centre.json"] =
      R"({"id": "centre", "description": "x", "overrides": {"NOPE-1": {"a": 1}}})";
  EXPECT_NE(load_error(files).find("profiles/centre.json: overrides.NOPE-1: no such rule"),
            std::string::npos);
  files = default_files();
  files["profiles/centre.json"] =
      R"({"id": "centre", "description": "x", "overrides": {"KMP-2": {"nope": 1}}})";
  EXPECT_NE(load_error(files).find("overrides.KMP-2.nope: no such parameter"), std::string::npos);
}

TEST(Knowledge, CentreProfileChangesAThresholdWithoutRecompiling) {
  auto files = default_files();
  files["profiles/centre.json"] =
      R"({"id": "centre", "description": "mild KMP gets the combination", "overrides": {"TX-1m": {"regimen": "sirolimus_prednisolone"}}})";
  auto r = load(files, engine::parameter_specs());
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->profile("centre")->text("TX-1m", "regimen"), "sirolimus_prednisolone");
}

TEST(Knowledge, CrossReferencesChecked) {
  auto files = default_files();
  replace(files, "rules.json", "\"sources\": [\"croteau2013\"]", "\"sources\": [\"nobody2099\"]");
  EXPECT_NE(load_error(files).find("unknown source 'nobody2099'"), std::string::npos);
  files = default_files();
  replace(files, "alerts.json", "\"rule\": \"RISK-1\"", "\"rule\": \"RISK-9\"");
  EXPECT_NE(load_error(files).find("assess_airway.rule: unknown rule 'RISK-9'"), std::string::npos);
  files = default_files();
  replace(files, "alerts.json", "\"severity\": \"info\"", "\"severity\": \"loud\"");
  EXPECT_NE(load_error(files).find("expected info, warning or critical"), std::string::npos);
}

TEST(Knowledge, LocalDefaultSourceIsNotEvidence) {
  auto r = load_default(engine::parameter_specs());
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->source("local")->evidence);
  EXPECT_TRUE(r->source("blood2022")->evidence);
  auto files = default_files();
  replace(files, "sources.json", "\"evidence\": false", "\"evidence\": \"no\"");
  EXPECT_NE(load_error(files).find(".evidence: expected true or false"), std::string::npos);
}

TEST(Knowledge, AnalytesValidated) {
  auto files = default_files();
  replace(files, "analytes.json", "\"canonical_unit\": \"g/dL\"", "\"canonical_unit\": \"gramz\"");
  EXPECT_NE(
      load_error(files).find("analytes.json: analytes[1].canonical_unit: not a valid UCUM unit"),
      std::string::npos);
  files = default_files();
  replace(files, "analytes.json", "\"plausible\": [0, 5000]", "\"plausible\": [5000, 0]");
  EXPECT_NE(load_error(files).find("analytes[0].plausible"), std::string::npos);
  files = default_files();
  files.erase("analytes.json");
  EXPECT_NE(load_error(files).find("analytes.json: $: file missing"), std::string::npos);
}

TEST(Knowledge, EveryProblemIsReportedNotJustTheFirst) {
  auto files = default_files();
  replace(files, "rules.json", "\"severe_below\": {\"value\": 30, \"unit\": \"10*9/L\"}, ", "");
  replace(files, "rules.json", "\"mg_per_m2\": {\"value\": 0.8, \"unit\": \"mg/m2\"}, ", "");
  std::string e = load_error(files);
  EXPECT_NE(e.find("severe_below"), std::string::npos);
  EXPECT_NE(e.find("mg_per_m2"), std::string::npos);
}

}  // namespace
}  // namespace khe::knowledge
