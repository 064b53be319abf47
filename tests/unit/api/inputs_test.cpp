// GET /api/inputs: the finding, procedure and indication tables and the FHIR category of
// each analyte come from knowledge/inputs.json, not from C++. The response for the default
// knowledge is compared byte for byte with golden/inputs.json (the knowledge version masked,
// so a version bump alone does not change it); after an intended change of the knowledge,
// `KHE_UPDATE_GOLDEN=1 ./build/tests/khe_api_tests --gtest_filter='ApiInputs*'` rewrites it.
#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "api_fixture.h"
#include "knowledge/embedded.h"

namespace khe::api::testing {
namespace {

const std::string kGolden = std::string(KHE_SOURCE_DIR) + "/tests/unit/api/golden/inputs.json";

// GET /api/inputs answered by an Api over `k` (its default profile) and a fresh store.
http::Response inputs_of(const knowledge::Knowledge& k) {
  auto store = store::Store::open(test_support::make_temp_dir("api_inputs") + "/khe.db");
  EXPECT_TRUE(store.ok());
  if (!store.ok()) return {};
  const Api api(**store, k, *k.profile("default"));
  return api.handle(request("GET", "/api/inputs", "", ""), at(), "test-caller");
}

std::string mask_version(std::string body, const std::string& version) {
  const std::string from = "\"knowledge_version\":\"" + version + "\"";
  const auto pos = body.find(from);
  EXPECT_NE(pos, std::string::npos);
  if (pos != std::string::npos) {
    body.replace(pos, from.size(), "\"knowledge_version\":\"<knowledge_version>\"");
  }
  return body;
}

TEST(ApiInputsGolden, DefaultKnowledgeAnswersTheSameBytes) {
  const auto& k = default_knowledge();
  const auto r = inputs_of(k);
  ASSERT_EQ(r.status, 200);
  const std::string body = mask_version(r.body, k.version);
  const char* update = std::getenv("KHE_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::filesystem::create_directories(std::filesystem::path(kGolden).parent_path());
    test_support::write_file(kGolden, body);
    return;
  }
  ASSERT_TRUE(std::filesystem::exists(kGolden)) << kGolden << " (KHE_UPDATE_GOLDEN=1 writes it)";
  EXPECT_EQ(body, test_support::read_file(kGolden))
      << "GET /api/inputs differs from golden/inputs.json (KHE_UPDATE_GOLDEN=1 rewrites it if "
         "the change is intended)";
}

// The tables of the response are those of inputs.json, in the file's order.
TEST(ApiInputs, TablesAreTheKnowledgeFiles) {
  const auto& k = default_knowledge();
  const json file = json::parse(knowledge::default_files().at("inputs.json"));
  const json in = parse(inputs_of(k));
  ASSERT_TRUE(in.is_object());
  ASSERT_TRUE(file["findings"].is_array());
  std::size_t at_file = 0;
  for (const json& f : in["findings"]) {
    if (f.contains("rule_id")) continue;  // AE-2's graded adverse events
    ASSERT_LT(at_file, file["findings"].size());
    const json& want = file["findings"][at_file++];
    EXPECT_EQ(f["code"], want["code"]);
    EXPECT_EQ(f["label"], want["label"]);
    EXPECT_EQ(f["value"], want["value"]);
    if (want.contains("options")) {
      EXPECT_EQ(f["options"], want["options"]);
    } else {
      EXPECT_FALSE(f.contains("options"));
    }
  }
  EXPECT_EQ(at_file, file["findings"].size());
  EXPECT_EQ(in["procedures"], file["procedures"]);
  EXPECT_EQ(in["indications"], file["indications"]);
  const json& vital = file["vital_signs"];
  for (const json& a : in["analytes"]) {
    const bool is_vital = std::find(vital.begin(), vital.end(), a["analyte"]) != vital.end();
    EXPECT_EQ(a["category"], is_vital ? "vital-signs" : "laboratory") << a["analyte"];
  }
}

// A centre's own inputs.json changes what the forms offer, without recompiling.
TEST(ApiInputs, AnEditedKnowledgeChangesTheResponse) {
  auto files = knowledge::default_files();
  auto replace = [&](const std::string& from, const std::string& to) {
    auto& text = files["inputs.json"];
    const auto pos = text.find(from);
    ASSERT_NE(pos, std::string::npos) << from;
    text.replace(pos, from.size(), to);
  };
  replace("\"label\": \"Lesion multifocal\"", "\"label\": \"Multifocal disease\"");
  replace("\"label\": \"Embolization\"", "\"label\": \"Embolisation\"");
  replace("\"label\": \"Before a procedure\"", "\"label\": \"Pre-procedure\"");
  replace("\"vital_signs\": [\"weight\",", "\"vital_signs\": [\"platelets\", \"weight\",");
  auto k = knowledge::load(files, engine::parameter_specs());
  ASSERT_TRUE(k.ok()) << k.error().to_string();
  const json in = parse(inputs_of(*k));
  const auto find = [](const json& list, const std::string& key, const std::string& value) {
    for (const auto& x : list) {
      if (x.contains(key) && x[key] == value) return x;
    }
    return json();
  };
  EXPECT_EQ(find(in["findings"], "code", "lesion-multifocal")["label"], "Multifocal disease");
  EXPECT_EQ(find(in["procedures"], "code", "embolization")["label"], "Embolisation");
  EXPECT_EQ(find(in["indications"], "code", "indication-pre-procedure")["label"], "Pre-procedure");
  EXPECT_EQ(find(in["analytes"], "analyte", "platelets")["category"], "vital-signs");
  EXPECT_EQ(find(in["analytes"], "analyte", "hemoglobin")["category"], "laboratory");
  // The default knowledge's response is unchanged.
  const json before = parse(inputs_of(default_knowledge()));
  EXPECT_EQ(find(before["findings"], "code", "lesion-multifocal")["label"], "Lesion multifocal");
}

// A finding removed from inputs.json is no longer offered; one added is.
TEST(ApiInputs, FindingsFollowTheFile) {
  auto files = knowledge::default_files();
  auto& text = files["inputs.json"];
  const std::string from =
      "{\"code\": \"heart-failure\", \"label\": \"Heart failure\", "
      "\"value\": \"boolean\"},";
  const auto pos = text.find(from);
  ASSERT_NE(pos, std::string::npos);
  text.replace(pos, from.size(),
               "{\"code\": \"pericardial-effusion\", \"label\": \"Pericardial effusion\", "
               "\"value\": \"boolean\"},");
  auto k = knowledge::load(files, engine::parameter_specs());
  ASSERT_TRUE(k.ok()) << k.error().to_string();
  const json in = parse(inputs_of(*k));
  bool heart_failure = false, effusion = false;
  for (const auto& f : in["findings"]) {
    heart_failure = heart_failure || f["code"] == "heart-failure";
    effusion = effusion || f["code"] == "pericardial-effusion";
  }
  EXPECT_FALSE(heart_failure);
  EXPECT_TRUE(effusion);
}

}  // namespace
}  // namespace khe::api::testing
