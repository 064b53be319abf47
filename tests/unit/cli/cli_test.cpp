// The real `khe` binary: exit statuses, error lines, stdin, determinism, input hash, the
// text/HTML summaries and the knowledge listing. Suite names start with lowercase "cli" so
// `ctest -R cli` selects them.
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/run_khe.h"

namespace khe::cli::testing {
namespace {

using nlohmann::json;

const std::string kAsOf = "2026-08-03T12:00:00Z";
const std::string kEx01 = "ex01-khe-severe-kmp.json";

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// Every stderr line of an exit-3 run is a problem line naming where it was found.
void expect_problem_lines(const RunResult& r) {
  EXPECT_EQ(r.status, 3) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  const auto lines = lines_of(r.err);
  ASSERT_FALSE(lines.empty());
  for (const auto& l : lines) EXPECT_EQ(l.rfind("error: ", 0), 0u) << l;
}

RunResult evaluate_stdin(const std::string& bytes, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"evaluate", "-", "--as-of", kAsOf};
  args.insert(args.end(), extra.begin(), extra.end());
  return run_binary(args, bytes);
}

TEST(cliEvaluate, ExitsZeroOnEveryExample) {
  const json entries =
      json::parse(read_file(std::string(KHE_SHARED_DIR) + "/examples/expected.json"));
  for (const auto& e : entries) {
    const std::string profile =
        e["profile"].is_null() ? "default" : e["profile"].get<std::string>();
    const RunResult r = run_binary({"evaluate", example_path(e["file"]), "--as-of",
                                    e["as_of"].get<std::string>(), "--profile", profile});
    EXPECT_EQ(r.status, 0) << e["file"] << ": " << r.err;
    EXPECT_TRUE(json::accept(r.out)) << e["file"];
  }
}

TEST(cliEvaluate, UsageErrorsExitTwo) {
  const std::string ex = example_path(kEx01);
  const std::vector<std::vector<std::string>> cases = {
      {"evaluate", ex, "--bogus"},
      {"evaluate"},                                           // INPUT missing
      {"frobnicate"},                                         // unknown command
      {},                                                     // no command
      {"evaluate", ex, "--as-of", kAsOf, "--format", "xml"},  // unknown format
      {"evaluate", ex, "--as-of", "2026-02-30T00:00:00Z"},    // impossible date
      {"evaluate", ex, "--as-of", "yesterday"},
      {"evaluate", ex, "--as-of", "2026-08-03T12:00:00"},  // no time zone
      {"knowledge", "--format", "html"},
  };
  for (const auto& args : cases) {
    const RunResult r = run_binary(args);
    std::string shown;
    for (const auto& a : args) shown += a + " ";
    EXPECT_EQ(r.status, 2) << shown << "\n" << r.err;
    EXPECT_TRUE(r.out.empty() || args.empty()) << shown;
  }
}

TEST(cliEvaluate, UnknownProfileListsAvailableOnes) {
  const RunResult r =
      run_binary({"evaluate", example_path(kEx01), "--as-of", kAsOf, "--profile", "nope"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("nope"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("default"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("consensus-2013"), std::string::npos) << r.err;
}

TEST(cliEvaluate, EmptyInputExitsThree) { expect_problem_lines(evaluate_stdin("")); }

TEST(cliEvaluate, NonJsonExitsThree) { expect_problem_lines(evaluate_stdin("this is not JSON {")); }

TEST(cliEvaluate, MissingFileExitsThree) {
  const RunResult r = run_binary({"evaluate", "/nonexistent/khe-input.json", "--as-of", kAsOf});
  expect_problem_lines(r);
  EXPECT_NE(r.err.find("/nonexistent/khe-input.json"), std::string::npos);
}

TEST(cliEvaluate, NoPatientExitsThreeNamingPatient) {
  const RunResult r = evaluate_stdin(R"({"resourceType":"Bundle","type":"collection","entry":[
    {"resource":{"resourceType":"Observation","id":"o1","status":"final",
     "code":{"coding":[{"system":"http://loinc.org","code":"777-3"}]},
     "effectiveDateTime":"2026-08-01T09:00:00Z",
     "valueQuantity":{"value":18,"system":"http://unitsofmeasure.org","code":"10*9/L"}}}]})");
  expect_problem_lines(r);
  EXPECT_NE(r.err.find("Patient"), std::string::npos) << r.err;
}

TEST(cliEvaluate, NoBirthDateExitsThreeNamingResourceAndPath) {
  const RunResult r = evaluate_stdin(R"({"resourceType":"Bundle","type":"collection","entry":[
    {"resource":{"resourceType":"Patient","id":"p1","gender":"female"}}]})");
  expect_problem_lines(r);
  EXPECT_NE(r.err.find("Patient/p1"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("birthDate"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("entry[0]"), std::string::npos) << r.err;
}

const std::string kTwoPatients = R"({"resourceType":"Bundle","type":"collection","entry":[
  {"resource":{"resourceType":"Patient","id":"p1","birthDate":"2026-05-02"}},
  {"resource":{"resourceType":"Patient","id":"p2","birthDate":"2025-01-10"}}]})";

TEST(cliEvaluate, TwoPatientsNeedPatientOption) {
  const RunResult r = evaluate_stdin(kTwoPatients);
  expect_problem_lines(r);
  EXPECT_NE(r.err.find("Patient"), std::string::npos) << r.err;

  const RunResult picked = evaluate_stdin(kTwoPatients, {"--patient", "p2"});
  ASSERT_EQ(picked.status, 0) << picked.err;
  const json report = json::parse(picked.out);
  // Born 2025-01-10, evaluated 2026-08-03: 570 days old (p1 would be 93).
  EXPECT_EQ(report["patient"]["age_days"], 570);
}

TEST(cliEvaluate, StdinGivesTheSameReportAsTheFile) {
  const std::string path = example_path(kEx01);
  const RunResult from_file = run_binary({"evaluate", path, "--as-of", kAsOf});
  const RunResult from_stdin = evaluate_stdin(read_file(path));
  ASSERT_EQ(from_file.status, 0) << from_file.err;
  ASSERT_EQ(from_stdin.status, 0) << from_stdin.err;
  EXPECT_EQ(from_file.out, from_stdin.out);
}

TEST(cliEvaluate, OutputIsByteIdenticalAcrossRuns) {
  for (const std::string format : {"json", "text", "html"}) {
    const std::vector<std::string> args = {"evaluate", example_path(kEx01), "--as-of",
                                           kAsOf,      "--format",          format};
    const RunResult a = run_binary(args);
    const RunResult b = run_binary(args);
    ASSERT_EQ(a.status, 0) << a.err;
    EXPECT_FALSE(a.out.empty());
    EXPECT_EQ(a.out, b.out) << format;
  }
}

TEST(cliEvaluate, InputSha256IsTheDigestOfTheBytes) {
  EXPECT_EQ(reference_sha256("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::string path = example_path(kEx01);
  const RunResult r = run_binary({"evaluate", path, "--as-of", kAsOf});
  ASSERT_EQ(r.status, 0) << r.err;
  const json report = json::parse(r.out);
  EXPECT_EQ(report["provenance"]["input_sha256"], reference_sha256(read_file(path)));
}

TEST(cliEvaluate, ProvenanceNamesProfileAndAsOf) {
  const RunResult r = run_binary({"evaluate", example_path(kEx01), "--as-of", kAsOf});
  ASSERT_EQ(r.status, 0) << r.err;
  const json p = json::parse(r.out)["provenance"];
  EXPECT_EQ(p["profile"], "default");
  EXPECT_EQ(p["as_of"], kAsOf);
  EXPECT_FALSE(p["engine_version"].get<std::string>().empty());
  EXPECT_FALSE(p["knowledge_version"].get<std::string>().empty());
}

TEST(cliEvaluate, DataQualityWarningsStillExitZero) {
  // "109/L" could mean 109 per litre: the reader must refuse it and carry on.
  const RunResult r = evaluate_stdin(R"({"resourceType":"Bundle","type":"collection","entry":[
    {"resource":{"resourceType":"Patient","id":"p1","birthDate":"2026-05-02"}},
    {"resource":{"resourceType":"Observation","id":"o1","status":"final",
     "code":{"coding":[{"system":"http://loinc.org","code":"777-3"}]},
     "effectiveDateTime":"2026-08-01T09:00:00Z","valueQuantity":{"value":18,"unit":"109/L"}}}]})");
  ASSERT_EQ(r.status, 0) << r.err;
  const json report = json::parse(r.out);
  ASSERT_FALSE(report["data_quality"].empty());
  EXPECT_EQ(report["data_quality"][0]["resource"], "Observation/o1");
}

TEST(cliEvaluate, TextSummaryShowsRegimenDosesAndRuleIds) {
  const RunResult r =
      run_binary({"evaluate", example_path(kEx01), "--as-of", kAsOf, "--format", "text"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("EMERGENT"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Regimen: sirolimus + prednisolone"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[KMP-1]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[DOSE-SIR-1]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("mL of 1 mg/mL"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("the treating clinician decides"), std::string::npos) << r.out;
  const auto lines = lines_of(r.out);
  EXPECT_LE(lines.size(), 60u);
  for (const auto& l : lines) EXPECT_LE(l.size(), 100u) << l;
}

TEST(cliEvaluate, HtmlIsSelfContained) {
  const RunResult r =
      run_binary({"evaluate", example_path(kEx01), "--as-of", kAsOf, "--format", "html"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.rfind("<!DOCTYPE html>", 0), 0u);
  // Scripts are inline only (the course chart) and the page forbids any network access.
  EXPECT_EQ(r.out.find("<script src"), std::string::npos);
  EXPECT_NE(r.out.find("content=\"default-src 'none';"), std::string::npos);
  EXPECT_NE(r.out.find("KheChart.render("), std::string::npos);
  EXPECT_EQ(r.out.find("<link"), std::string::npos);
  EXPECT_EQ(r.out.find("<img"), std::string::npos);
  EXPECT_NE(r.out.find("[DOSE-SIR-1]"), std::string::npos);
  EXPECT_NE(r.out.find("the treating clinician decides"), std::string::npos);
}

TEST(cliKnowledge, ListsRulesVersionAndProfile) {
  const RunResult r = run_binary({"knowledge"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("KMP-2"), std::string::npos);
  EXPECT_NE(r.out.find("DOSE-SIR-1"), std::string::npos);
  EXPECT_NE(r.out.find("knowledge version"), std::string::npos);
  EXPECT_NE(r.out.find("profile default"), std::string::npos);
  EXPECT_NE(r.out.find("local default"), std::string::npos);
  // Each rule lists the alerts it can raise, with severity and text.
  EXPECT_NE(r.out.find("alert pjp_prophylaxis (warning): "), std::string::npos);
}

TEST(cliKnowledge, JsonListsEveryRuleWithSources) {
  const RunResult r = run_binary({"knowledge", "--profile", "consensus-2013", "--format", "json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const json k = json::parse(r.out);
  EXPECT_EQ(k["profile"], "consensus-2013");
  ASSERT_TRUE(k["rules"].is_array());
  bool found = false;
  for (const auto& rule : k["rules"]) {
    if (rule["id"] == "DOSE-SIR-1") {
      found = true;
      EXPECT_FALSE(rule["sources"].empty());
    }
    if (rule["id"] == "TX-7") {
      EXPECT_EQ(rule["parameters"][0]["value"], "vincristine_corticosteroid");
    }
    if (rule["id"] == "DOSE-VCR-1") {
      ASSERT_FALSE(rule["alerts"].empty());
      EXPECT_EQ(rule["alerts"][0]["code"], "vincristine_interval_too_short");
    }
  }
  EXPECT_TRUE(found);
}

TEST(cliKnowledge, BrokenRulesFileExitsTwoNamingTheFile) {
  const std::string dir = make_temp_dir("broken_knowledge");
  std::filesystem::copy(std::string(KHE_SOURCE_DIR) + "/knowledge", dir,
                        std::filesystem::copy_options::recursive);
  write_file(dir + "/rules.json", "{ \"rules\": [ { \"id\": ");
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"knowledge", "--knowledge", dir},
        std::vector<std::string>{"evaluate", example_path(kEx01), "--as-of", kAsOf, "--knowledge",
                                 dir}}) {
    const RunResult r = run_binary(args);
    EXPECT_EQ(r.status, 2) << args[0] << ": " << r.err;
    EXPECT_TRUE(r.out.empty());
    EXPECT_NE(r.err.find("rules.json"), std::string::npos) << r.err;
  }
}

TEST(cliKnowledge, CopiedKnowledgeFolderGivesTheSameReport) {
  const std::string dir = make_temp_dir("own_knowledge");
  std::filesystem::copy(std::string(KHE_SOURCE_DIR) + "/knowledge", dir,
                        std::filesystem::copy_options::recursive);
  const std::vector<std::string> args = {"evaluate", example_path(kEx01), "--as-of", kAsOf};
  std::vector<std::string> with_dir = args;
  with_dir.insert(with_dir.end(), {"--knowledge", dir});
  const RunResult embedded = run_binary(args);
  const RunResult from_dir = run_binary(with_dir);
  ASSERT_EQ(from_dir.status, 0) << from_dir.err;
  EXPECT_EQ(embedded.out, from_dir.out);
}

TEST(cliKnowledge, ListsThePkModels) {
  const RunResult text = run_binary({"knowledge"});
  ASSERT_EQ(text.status, 0) << text.err;
  EXPECT_NE(text.out.find("PK model fan2024 (default)"), std::string::npos);
  EXPECT_NE(text.out.find("PK model chen2020"), std::string::npos);
  EXPECT_NE(text.out.find("CL = 4.06 L/h x (weight / 16 kg)^1.23; IIV omega 0.2594"),
            std::string::npos);
  const RunResult json = run_binary({"knowledge", "--format", "json"});
  ASSERT_EQ(json.status, 0) << json.err;
  const auto j = nlohmann::json::parse(json.out);
  ASSERT_TRUE(j["pk_models"].is_array());
  ASSERT_EQ(j["pk_models"].size(), 2u);
  EXPECT_EQ(j["pk_models"][1]["id"], "fan2024");
  EXPECT_EQ(j["pk_models"][1]["default"], true);
  EXPECT_EQ(j["pk_models"][1]["validity"]["weight"]["low"], 3.3);
}

TEST(cliVersion, PrintsEngineAndKnowledgeVersions) {
  const RunResult r = run_binary({"--version"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("khe engine "), std::string::npos);
  EXPECT_NE(r.out.find("knowledge "), std::string::npos);
}

TEST(cliInProcess, RunMatchesTheBinary) {
  const std::vector<std::string> args = {"evaluate", example_path(kEx01), "--as-of", kAsOf};
  const RunResult a = run_in_process(args);
  const RunResult b = run_binary(args);
  ASSERT_EQ(a.status, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
}

}  // namespace
}  // namespace khe::cli::testing
