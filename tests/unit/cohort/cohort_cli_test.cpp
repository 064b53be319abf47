// `khe cohort` as a user runs it: the real binary on small synthetic exports (example 6 of
// the shared examples, cloned into several patients with a ResearchSubject each, written
// as Bulk Data NDJSON, one file per resource type). Exit statuses, usage errors, every
// format, -o, and the one-line summary on a standard error that is not a terminal.
#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/process.h"

namespace khe::cohort {
namespace {

using nlohmann::json;
using test_support::make_temp_dir;
using test_support::read_file;
using test_support::run_binary;
using test_support::write_file;

constexpr const char* kAsOf = "2026-06-08T12:00:00Z";

// Example 6 (sirolimus + prednisolone from 2026-05-01, durable response) as patient `id`:
// every resource renamed and made to refer to Patient/<id>, plus a ResearchSubject in
// `arm`. Resources by type.
std::map<std::string, std::vector<json>> patient(const std::string& id, const std::string& arm) {
  const json bundle = json::parse(read_file(
      std::string(KHE_SHARED_DIR) + "/examples/ex06-khe-on-treatment-durable-response.json"));
  std::map<std::string, std::vector<json>> out;
  int n = 0;
  for (const auto& entry : bundle["entry"]) {
    json r = entry["resource"];
    const std::string type = r["resourceType"];
    if (type == "Patient") {
      r["id"] = id;
    } else {
      r["id"] = id + "-" + std::to_string(++n);
      for (const char* key : {"subject", "patient"}) {
        if (r.contains(key)) r[key]["reference"] = "Patient/" + id;
      }
    }
    out[type].push_back(r);
  }
  out["ResearchSubject"].push_back({{"resourceType", "ResearchSubject"},
                                    {"id", id + "-rs"},
                                    {"status", "on-study"},
                                    {"study", {{"reference", "ResearchStudy/trial"}}},
                                    {"individual", {{"reference", "Patient/" + id}}},
                                    {"assignedArm", arm},
                                    {"actualArm", arm}});
  return out;
}

// A Bulk Data export in a fresh folder: one NDJSON file per resource type.
std::string export_dir(const std::string& name, int patients) {
  const std::string dir = make_temp_dir(name);
  std::map<std::string, std::string> files;
  for (int i = 0; i < patients; ++i) {
    const std::string id = "p" + std::to_string(100 + i);
    for (const auto& [type, resources] : patient(id, i % 2 == 0 ? "A" : "B")) {
      for (const auto& r : resources) files[type] += r.dump() + "\n";
    }
  }
  for (const auto& [type, text] : files) write_file(dir + "/" + type + ".ndjson", text);
  return dir;
}

std::vector<std::string> args(const std::string& input, std::vector<std::string> more) {
  std::vector<std::string> a = {"cohort", input, "--as-of", kAsOf, "--threads", "2"};
  a.insert(a.end(), more.begin(), more.end());
  return a;
}

TEST(CohortCli, JsonByArmWithTheSummaryLineOnStderr) {
  const std::string dir = export_dir("cohort-cli-json", 4);
  const auto r = run_binary(args(dir, {}));
  ASSERT_EQ(r.status, 0) << r.err;
  const json doc = json::parse(r.out);
  EXPECT_EQ(doc["by"], "arm");
  EXPECT_EQ(doc["provenance"]["as_of"], kAsOf);
  EXPECT_EQ(doc["provenance"]["input_sha256"].get<std::string>().size(), 64u);
  EXPECT_EQ(doc["input"]["patients"], 4);
  // Patient, Condition, Observation, MedicationStatement, ResearchSubject.
  EXPECT_EQ(doc["input"]["files"], 5);
  ASSERT_EQ(doc["endpoints"].size(), 1u);
  const json& e = doc["endpoints"][0];
  EXPECT_EQ(e["endpoint"], "durable_platelet_response_week4");
  ASSERT_EQ(e["groups"].size(), 2u);
  EXPECT_EQ(e["groups"][0]["group"], "A");
  EXPECT_EQ(e["groups"][0]["n"], 2);
  EXPECT_EQ(e["groups"][0]["responders"], 2);
  EXPECT_EQ(e["comparisons"].size(), 1u);
  // Not a terminal: no progress bar, exactly one summary line, and no patient id.
  EXPECT_EQ(r.err.find('\r'), std::string::npos);
  EXPECT_EQ(r.err.rfind("khe cohort: 5 files, ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find(" 4 patients, 0 unreadable, 0 orphan resources, "), std::string::npos);
  EXPECT_NE(r.err.find(" MB/s, "), std::string::npos);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1);
  EXPECT_EQ(r.err.find("p100"), std::string::npos);
}

TEST(CohortCli, SameBytesWhateverTheThreads) {
  const std::string dir = export_dir("cohort-cli-threads", 6);
  const std::vector<std::string> endpoints = {"--endpoint", "time_to_platelet_response",
                                              "--endpoint", "platelet_response"};
  auto one_args = std::vector<std::string>{"cohort", dir, "--as-of", kAsOf, "--threads", "1"};
  auto four_args = std::vector<std::string>{"cohort", dir, "--as-of", kAsOf, "--threads", "4"};
  one_args.insert(one_args.end(), endpoints.begin(), endpoints.end());
  four_args.insert(four_args.end(), endpoints.begin(), endpoints.end());
  const auto one = run_binary(one_args);
  const auto four = run_binary(four_args);
  ASSERT_EQ(one.status, 0) << one.err;
  ASSERT_EQ(four.status, 0) << four.err;
  EXPECT_EQ(one.out, four.out);
  const json doc = json::parse(one.out);
  EXPECT_EQ(doc["endpoints"][0]["endpoint"], "time_to_platelet_response");
  EXPECT_EQ(doc["endpoints"][0]["type"], "time_to_event");
  EXPECT_EQ(doc["endpoints"][1]["endpoint"], "platelet_response");
}

TEST(CohortCli, EndpointBeforeTheInputTakesOneName) {
  const std::string dir = export_dir("cohort-cli-order", 2);
  const auto r = run_binary({"cohort", "--endpoint", "relapse", dir, "--as-of", kAsOf});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["endpoints"][0]["endpoint"], "relapse");
}

TEST(CohortCli, EveryFormat) {
  const std::string dir = export_dir("cohort-cli-formats", 2);
  const auto text = run_binary(args(dir, {"--format", "text", "--by", "none"}));
  ASSERT_EQ(text.status, 0) << text.err;
  EXPECT_NE(text.out.find("Durable platelet response at week 4"), std::string::npos);
  EXPECT_NE(text.out.find("  all "), std::string::npos);
  const auto csv = run_binary(args(dir, {"--format", "csv"}));
  ASSERT_EQ(csv.status, 0) << csv.err;
  EXPECT_EQ(csv.out.rfind("row,endpoint,group,group2,", 0), 0u);
  EXPECT_NE(csv.out.find("\r\ngroup,durable_platelet_response_week4,A,"), std::string::npos);
  const auto html =
      run_binary(args(dir, {"--format", "html", "--endpoint", "time_to_platelet_response"}));
  ASSERT_EQ(html.status, 0) << html.err;
  EXPECT_EQ(html.out.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.out.find("KheChart.renderKaplanMeier("), std::string::npos);
}

TEST(CohortCli, WritesToTheFileOfDashO) {
  const std::string dir = export_dir("cohort-cli-o", 2);
  const std::string file = make_temp_dir("cohort-cli-o-out") + "/result.json";
  const auto r = run_binary(args(dir, {"-o", file}));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(r.out.empty());
  EXPECT_EQ(json::parse(read_file(file))["input"]["patients"], 2);
  const auto bad = run_binary(args(dir, {"-o", dir + "/no/such/folder/x.json"}));
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("error: -o"), std::string::npos);
}

TEST(CohortCli, UsageErrorsExitTwoWithAMessage) {
  const std::string dir = export_dir("cohort-cli-usage", 1);
  const auto endpoint = run_binary(args(dir, {"--endpoint", "overall_survival"}));
  EXPECT_EQ(endpoint.status, 2);
  EXPECT_NE(endpoint.err.find("unknown endpoint 'overall_survival'"), std::string::npos);
  EXPECT_NE(endpoint.err.find("durable_platelet_response_week4"), std::string::npos);
  EXPECT_EQ(endpoint.out, "");
  EXPECT_EQ(run_binary(args(dir, {"--format", "xml"})).status, 2);
  EXPECT_EQ(run_binary(args(dir, {"--by", "centre"})).status, 2);
  EXPECT_EQ(run_binary(args(dir, {"--confidence", "95"})).status, 2);
  EXPECT_EQ(run_binary(args(dir, {"--threads", "0"})).status, 2);
  EXPECT_EQ(run_binary(args(dir, {"--profile", "nope"})).status, 2);
  EXPECT_EQ(run_binary({"cohort", dir, "--as-of", "yesterday"}).status, 2);
  EXPECT_EQ(run_binary({"cohort"}).status, 2);  // INPUT is required
}

TEST(CohortCli, MissingOrEmptyInputIsUnusable) {
  const auto missing = run_binary({"cohort", "/nonexistent/export", "--as-of", kAsOf});
  EXPECT_EQ(missing.status, 3);
  EXPECT_EQ(missing.err.rfind("error: ", 0), 0u) << missing.err;
  const auto empty = run_binary({"cohort", make_temp_dir("cohort-cli-empty"), "--as-of", kAsOf});
  EXPECT_EQ(empty.status, 3);
  EXPECT_NE(empty.err.find("no Patient"), std::string::npos);
  EXPECT_EQ(empty.out, "");
}

TEST(CohortCli, UnusableLinesAreCountedNotFatal) {
  const std::string dir = export_dir("cohort-cli-garbage", 2);
  write_file(dir + "/Junk.ndjson", "{\"resourceType\":\"Observation\"}\nnot json at all\n");
  const auto r = run_binary(args(dir, {}));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("unusable lines, the first at "), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("not json at all"), std::string::npos);  // never the content
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1);
}

TEST(CohortCli, HelpNamesTheEndpoints) {
  const auto r = run_binary({"cohort", "--help"});
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("time_to_platelet_response"), std::string::npos);
  EXPECT_NE(r.out.find("--confidence"), std::string::npos);
}

}  // namespace
}  // namespace khe::cohort
