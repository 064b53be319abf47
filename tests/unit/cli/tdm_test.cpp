// `khe tdm INPUT`: run as a real process (KHE_BINARY) on the synthetic two-year course.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "../../tools/synth_course.h"
#include "cli/run_khe.h"
#include "core/time.h"

namespace khe::cli::testing {
namespace {

struct Course {
  std::string path;
  std::string bytes;
  std::string as_of;
};

const Course& course() {
  static const Course c = [] {
    Course k;
    const auto s = synth::synth_course({});
    k.bytes = s.bundle;
    k.as_of = format_instant(s.as_of);
    k.path = make_temp_dir("tdm") + "/course.json";
    write_file(k.path, k.bytes);
    return k;
  }();
  return c;
}

nlohmann::json run_json(const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args{"tdm", course().path, "--as-of", course().as_of};
  args.insert(args.end(), extra.begin(), extra.end());
  const auto r = run_binary(args);
  EXPECT_EQ(r.status, 0) << r.err;
  return nlohmann::json::parse(r.out);
}

TEST(cliTdm, JsonHasTheContractKeys) {
  const auto j = run_json();
  for (const char* key :
       {"model", "eta", "eta_sd", "individual", "current_regimen", "predicted_trough_ss_ng_per_mL",
        "recommendation", "observations_used", "warnings", "provenance"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["model"], "fan2024");
  ASSERT_TRUE(j["eta"].contains("CL"));
  EXPECT_TRUE(j["eta"]["CL"].is_number());
  EXPECT_TRUE(j["eta_sd"]["CL"].is_number());
  EXPECT_EQ(j["individual"]["clearance"]["unit"], "L/h");
  EXPECT_EQ(j["individual"]["volume"]["unit"], "L");
  EXPECT_GT(j["individual"]["clearance"]["value"].get<double>(), 0.0);
  EXPECT_GT(j["current_regimen"]["dose_mg"].get<double>(), 0.0);
  EXPECT_EQ(j["current_regimen"]["interval_h"].get<double>(), 12.0);
  const auto& rec = j["recommendation"];
  for (const char* key : {"dose_mg", "interval_h", "volume_mL", "predicted_trough_ss_ng_per_mL",
                          "probability_in_target"})
    EXPECT_TRUE(rec.contains(key)) << key;
  const double p = rec["probability_in_target"].get<double>();
  EXPECT_GE(p, 0.0);
  EXPECT_LE(p, 1.0);
  const double steps = rec["volume_mL"].get<double>() / 0.01;
  EXPECT_NEAR(steps, std::round(steps), 1e-6);
  EXPECT_GT(j["observations_used"].get<int>(), 10);
  EXPECT_TRUE(j["warnings"].is_array());
  const auto& prov = j["provenance"];
  EXPECT_EQ(prov["model"], "fan2024");
  EXPECT_EQ(prov["as_of"], course().as_of);
  EXPECT_EQ(prov["input_sha256"], reference_sha256(course().bytes));
  EXPECT_TRUE(prov.contains("engine_version"));
  EXPECT_TRUE(prov.contains("knowledge_version"));
}

TEST(cliTdm, SameInputSameBytes) {
  const std::vector<std::string> args{"tdm", course().path, "--as-of", course().as_of};
  const auto a = run_binary(args);
  const auto b = run_binary(args);
  EXPECT_EQ(a.status, 0);
  EXPECT_EQ(a.out, b.out);
}

TEST(cliTdm, TargetOverrideAndModelChoice) {
  const auto low = run_json({"--target", "2-5"});
  const auto high = run_json({"--target", "10-15"});
  EXPECT_EQ(low["target"]["source"], "--target");
  EXPECT_LT(low["recommendation"]["dose_mg"].get<double>(),
            high["recommendation"]["dose_mg"].get<double>());
  const auto chen = run_json({"--model", "chen2020"});
  EXPECT_EQ(chen["model"], "chen2020");
}

TEST(cliTdm, TextFormatIsAShortSummary) {
  const auto r = run_binary({"tdm", course().path, "--as-of", course().as_of, "--format", "text"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("Suggested:"), std::string::npos);
  EXPECT_NE(r.out.find("clinician decides"), std::string::npos);
}

TEST(cliTdm, ExitCodes) {
  EXPECT_EQ(run_binary({"tdm"}).status, 2);
  EXPECT_EQ(run_binary({"tdm", course().path, "--target", "15-8"}).status, 2);
  EXPECT_EQ(run_binary({"tdm", course().path, "--target", "abc"}).status, 2);
  EXPECT_EQ(run_binary({"tdm", course().path, "--model", "nope"}).status, 2);
  EXPECT_EQ(run_binary({"tdm", course().path, "--format", "html"}).status, 2);
  EXPECT_EQ(run_binary({"tdm", course().path, "--as-of", "yesterday"}).status, 2);
  EXPECT_EQ(run_binary({"tdm", "/nonexistent/file.json"}).status, 3);
  EXPECT_EQ(run_binary({"tdm", "-"}, std::string("not json")).status, 3);
  // A record without a body weight cannot be fitted: input unusable.
  const std::string patient_only =
      R"({"resourceType":"Bundle","type":"collection","entry":[{"resource":)"
      R"({"resourceType":"Patient","id":"p1","birthDate":"2025-01-01"}}]})";
  const auto r = run_binary({"tdm", "-", "--as-of", "2026-01-01T00:00:00Z"}, patient_only);
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find("weight"), std::string::npos);
}

// Issue 5: "the same result is used by khe evaluate". The report's model-based estimate is
// the tdm document without its provenance, byte for byte after parsing.
TEST(cliTdm, EvaluateReportCarriesTheSameEstimate) {
  auto tdm = run_json();
  tdm.erase("provenance");
  const auto r = run_binary({"evaluate", course().path, "--as-of", course().as_of});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto report = nlohmann::json::parse(r.out);
  const auto& mb = report["sirolimus_trough"]["model_based"];
  ASSERT_TRUE(mb.is_object());
  EXPECT_EQ(mb["estimate"], tdm);
  EXPECT_EQ(mb["rule_id"], "DOSE-SIR-ADJ-1");
  EXPECT_TRUE(mb["covers_child"].is_boolean());
}

// A centre's own knowledge folder reaches the PK models: a changed typical clearance
// changes the estimate, and a folder without pk/ has no model to run.
TEST(cliTdm, KnowledgeFolderCarriesThePkModels) {
  const std::string dir = make_temp_dir("tdm_knowledge");
  std::filesystem::copy(std::string(KHE_SOURCE_DIR) + "/knowledge", dir,
                        std::filesystem::copy_options::recursive);
  auto model = nlohmann::ordered_json::parse(read_file(dir + "/pk/fan2024.json"));
  model["parameters"]["CL"]["typical"]["value"] = 8.12;  // twice the published value
  write_file(dir + "/pk/fan2024.json", model.dump(2));
  const auto base = run_json();
  const auto own = run_json({"--knowledge", dir});
  EXPECT_NEAR(own["typical"]["clearance"]["value"].get<double>(),
              2 * base["typical"]["clearance"]["value"].get<double>(), 1e-3);

  std::filesystem::remove_all(dir + "/pk");
  const auto none =
      run_binary({"tdm", course().path, "--as-of", course().as_of, "--knowledge", dir});
  EXPECT_EQ(none.status, 2);
  EXPECT_NE(none.err.find("no PK model"), std::string::npos);
}

}  // namespace
}  // namespace khe::cli::testing
