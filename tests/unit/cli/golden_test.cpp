// Golden examples: every entry of shared/examples/expected.json is evaluated in-process
// with its as-of time and profile, and every expected key is checked in the JSON report.
#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/run_khe.h"

namespace khe::cli::testing {
namespace {

using nlohmann::json;

// Doses are rounded to 0.01 mL of a 1 mg/mL solution: one measuring step.
constexpr double kDoseToleranceMg = 0.01;

// One entry of expected.json; printed by its id so test names stay short.
struct GoldenCase {
  json entry;
};
void PrintTo(const GoldenCase& c, std::ostream* os) { *os << c.entry["id"].get<std::string>(); }

std::vector<GoldenCase> load_entries() {
  const json all = json::parse(read_file(std::string(KHE_SHARED_DIR) + "/examples/expected.json"));
  std::vector<GoldenCase> out;
  for (const auto& e : all) out.push_back({e});
  return out;
}

// Follows a dotted key ("kmp.status"); nullptr when a step is missing.
const json* at_path(const json& root, const std::string& dotted) {
  const json* node = &root;
  std::size_t pos = 0;
  while (pos <= dotted.size()) {
    const std::size_t dot = std::min(dotted.find('.', pos), dotted.size());
    const std::string key = dotted.substr(pos, dot - pos);
    if (!node->is_object() || !node->contains(key)) return nullptr;
    node = &(*node)[key];
    pos = dot + 1;
  }
  return node;
}

const json* dose_of(const json& report, const std::string& drug) {
  for (const auto& d : report["recommendation"]["doses"]) {
    if (d.value("drug", "") == drug) return &d;
  }
  return nullptr;
}

void check_value(const std::string& key, const json& actual, const json& expected) {
  if (expected.is_number()) {
    ASSERT_TRUE(actual.is_number()) << key << " = " << actual.dump();
    EXPECT_NEAR(actual.get<double>(), expected.get<double>(), 1e-9) << key;
  } else {
    EXPECT_EQ(actual, expected) << key;
  }
}

void check_doses(const json& report, const json& expected) {
  for (const auto& [drug, want] : expected.items()) {
    if (drug == "prednisolone_daily_mg") {
      const json* d = dose_of(report, "prednisolone");
      ASSERT_NE(d, nullptr) << "no prednisolone dose";
      ASSERT_TRUE((*d)["daily_mg"].is_number()) << d->dump();
      EXPECT_NEAR((*d)["daily_mg"].get<double>(), want.get<double>(), kDoseToleranceMg);
      continue;
    }
    const json* d = dose_of(report, drug);
    ASSERT_NE(d, nullptr) << "no dose for " << drug;
    if (want.contains("mg")) {
      EXPECT_NEAR((*d)["dose_mg"].get<double>(), want["mg"].get<double>(), kDoseToleranceMg)
          << drug;
    }
    if (want.contains("interval_h")) {
      EXPECT_EQ((*d)["interval_h"].get<double>(), want["interval_h"].get<double>()) << drug;
    }
  }
}

// Lowercase "cli" in the names so `ctest -R cli` selects these tests.
class GoldenTest : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(GoldenTest, ReportMatchesExpectedKeys) {
  const json& entry = GetParam().entry;
  const std::string profile =
      entry["profile"].is_null() ? "default" : entry["profile"].get<std::string>();
  const RunResult r =
      run_in_process({"evaluate", example_path(entry["file"]), "--as-of",
                      entry["as_of"].get<std::string>(), "--profile", profile, "--format", "json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const json report = json::parse(r.out);
  EXPECT_EQ(report["provenance"]["profile"], profile);
  EXPECT_EQ(report["provenance"]["as_of"], entry["as_of"]);

  for (const auto& [key, want] : entry["expected"].items()) {
    if (key == "doses") {
      check_doses(report, want);
    } else if (key == "alerts_include") {
      std::vector<std::string> codes;
      for (const auto& a : report["alerts"]) codes.push_back(a["code"]);
      for (const auto& code : want) {
        EXPECT_NE(std::find(codes.begin(), codes.end(), code.get<std::string>()), codes.end())
            << "missing alert " << code;
      }
    } else {
      const json* actual = at_path(report, key);
      ASSERT_NE(actual, nullptr) << "missing key " << key;
      check_value(key, *actual, want);
    }
  }
}

std::string entry_name(const ::testing::TestParamInfo<GoldenCase>& info) {
  std::string n = info.param.entry["id"];
  for (auto& c : n) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return n;
}

INSTANTIATE_TEST_SUITE_P(cliGolden, GoldenTest, ::testing::ValuesIn(load_entries()), entry_name);

}  // namespace
}  // namespace khe::cli::testing
