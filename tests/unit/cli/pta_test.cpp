// `khe tdm pta` through the real binary (KHE_BINARY): JSON keys, text output, determinism
// and usage errors (exit 2).
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/run_khe.h"

namespace khe::cli::testing {
namespace {

using nlohmann::json;

std::vector<std::string> pta_args(std::vector<std::string> extra = {}) {
  std::vector<std::string> a = {"tdm",
                                "pta",
                                "--model",
                                "fan2024",
                                "--weight-min-kg",
                                "5",
                                "--weight-max-kg",
                                "20",
                                "--mg-per-kg-day",
                                "0.06",
                                "--interval-h",
                                "12",
                                "--target",
                                "5-15",
                                "--n",
                                "20000",
                                "--seed",
                                "7"};
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

TEST(cliTdmPta, JsonHasTheContractKeys) {
  const RunResult r = run_binary(pta_args());
  ASSERT_EQ(r.status, 0) << r.err;
  ASSERT_TRUE(json::accept(r.out)) << r.out;
  const json j = json::parse(r.out);
  for (const char* key :
       {"model", "knowledge_version", "weight_min_kg", "weight_max_kg", "mg_per_kg_day",
        "interval_h", "target", "n", "seed", "below_pct", "within_pct", "above_pct",
        "trough_mean_ng_per_mL", "trough_quantiles_ng_per_mL", "warnings"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["model"], "fan2024");
  EXPECT_EQ(j["n"], 20000);
  EXPECT_EQ(j["seed"], 7);
  EXPECT_EQ(j["target"]["low_ng_per_mL"], 5.0);
  EXPECT_EQ(j["target"]["high_ng_per_mL"], 15.0);
  EXPECT_NEAR(
      j["below_pct"].get<double>() + j["within_pct"].get<double>() + j["above_pct"].get<double>(),
      100.0, 1e-3);
  for (const char* q : {"p05", "p10", "p25", "p50", "p75", "p90", "p95"})
    EXPECT_TRUE(j["trough_quantiles_ng_per_mL"].contains(q)) << q;
  EXPECT_TRUE(j["warnings"].empty());
}

TEST(cliTdmPta, DeterministicAndTextFormat) {
  const RunResult a = run_binary(pta_args());
  const RunResult b = run_binary(pta_args());
  ASSERT_EQ(a.status, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
  const RunResult t = run_binary(pta_args({"--format", "text"}));
  ASSERT_EQ(t.status, 0) << t.err;
  EXPECT_NE(t.out.find("within"), std::string::npos) << t.out;
}

TEST(cliTdmPta, DefaultModelAndDomainWarning) {
  std::vector<std::string> a = pta_args();
  a.erase(a.begin() + 2, a.begin() + 4);  // no --model: the default (fan2024)
  a[3] = "2";                             // --weight-min-kg 2, under Fan 2024's 3.3 kg
  const RunResult r = run_binary(a);
  ASSERT_EQ(r.status, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["model"], "fan2024");
  EXPECT_FALSE(j["warnings"].empty());
}

TEST(cliTdmPta, UsageErrorsExitTwo) {
  const std::vector<std::vector<std::string>> cases = {
      {"tdm", "pta"},                                           // required options missing
      pta_args({"--bogus"}),                                    // unknown option
      pta_args({"--format", "html"}),                           // unknown format
      pta_args({"--target", "15"}),                             // not LOW-HIGH
      pta_args({"--target", "15-5"}),                           // LOW > HIGH
      pta_args({"--target", "a-b"}),                            //
      pta_args({"--model", "nope"}),                            // unknown model
      pta_args({"--weight-min-kg", "30"}),                      // A > B
      pta_args({"--mg-per-kg-day", "0"}),                       // non-positive dose
      pta_args({"--interval-h", "-12"}),                        //
      pta_args({"--n", "0"}),                                   // n = 0
      pta_args({"--n", "-5"}),                                  //
      pta_args({"--weight-max-kg", "heavy"}),                   // not a number
      pta_args({"--knowledge", "/nonexistent/khe-knowledge"}),  // no such folder
  };
  for (const auto& args : cases) {
    const RunResult r = run_binary(args);
    EXPECT_EQ(r.err.find("internal error"), std::string::npos);
    std::string shown;
    for (const auto& a : args) shown += a + " ";
    EXPECT_EQ(r.status, 2) << shown << "\n" << r.err;
    EXPECT_TRUE(r.out.empty()) << shown << "\n" << r.out;
  }
}

}  // namespace
}  // namespace khe::cli::testing
