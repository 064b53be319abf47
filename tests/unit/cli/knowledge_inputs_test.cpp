// `khe knowledge` shows the web app's input tables of knowledge/inputs.json (finding,
// procedure and indication codes with their labels, the vital signs), in text and JSON, so a
// centre reviews them with the rest of its knowledge.
#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/run_khe.h"

namespace khe::cli::testing {
namespace {

TEST(cliKnowledgeInputs, TextListsTheInputTables) {
  const RunResult r = run_binary({"knowledge"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("Input finding lesion-site (code)  Lesion site\n"), std::string::npos);
  EXPECT_NE(r.out.find("site-bone-only (Bone only)"), std::string::npos);
  EXPECT_NE(r.out.find("Input finding gestational-age-at-birth (quantity)"), std::string::npos);
  EXPECT_NE(r.out.find("  procedures: platelet-transfusion (Platelet transfusion),"),
            std::string::npos);
  EXPECT_NE(r.out.find("indication-pre-procedure (Before a procedure)"), std::string::npos);
  EXPECT_NE(r.out.find("  vital signs: weight, height, temperature, bp_systolic, bp_diastolic"),
            std::string::npos);
}

TEST(cliKnowledgeInputs, JsonHoldsTheInputTables) {
  const RunResult r = run_binary({"knowledge", "--format", "json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  const auto& in = j["inputs"];
  ASSERT_TRUE(in["findings"].is_array());
  EXPECT_EQ(in["findings"].size(), 13u);
  EXPECT_EQ(in["findings"][0]["code"], "lesion-site");
  EXPECT_EQ(in["findings"][0]["options"].size(), 6u);
  EXPECT_FALSE(in["findings"][1].contains("options"));
  EXPECT_EQ(in["procedures"].size(), 8u);
  EXPECT_EQ(in["indications"][3]["code"], "indication-other");
  EXPECT_EQ(in["vital_signs"][0], "weight");
}

// A centre's own inputs.json is shown as written.
TEST(cliKnowledgeInputs, ShowsACentresOwnLabels) {
  const std::string dir = make_temp_dir("inputs_knowledge");
  std::filesystem::copy(std::string(KHE_SOURCE_DIR) + "/knowledge", dir,
                        std::filesystem::copy_options::recursive);
  std::string text = read_file(dir + "/inputs.json");
  const std::string from = "\"label\": \"Embolization\"";
  ASSERT_NE(text.find(from), std::string::npos);
  text.replace(text.find(from), from.size(), "\"label\": \"Embolisation\"");
  write_file(dir + "/inputs.json", text);
  const RunResult r = run_binary({"knowledge", "--knowledge", dir});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("embolization (Embolisation)"), std::string::npos);
}

}  // namespace
}  // namespace khe::cli::testing
