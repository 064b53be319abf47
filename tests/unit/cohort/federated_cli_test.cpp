// `khe cohort --export-aggregates` and `--combine` as a user runs them: the built binary on
// three synthetic centres (tests/support/cohort_gen.h). The combined analysis must be the
// analysis of the three exports read together: the CSV byte for byte, the JSON less the
// input hash, the list of sources and the not-evaluable list (absent: null). Usage errors
// and unusable files exit 2 and 3 with the file named.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/cohort_gen.h"
#include "support/process.h"

namespace khe {
namespace {

using nlohmann::json;
using test_support::make_temp_dir;
using test_support::read_file;
using test_support::run_binary;
using test_support::write_file;

struct Centres {
  std::vector<std::string> dirs;
  std::vector<std::string> ids;  // every generated patient id
  std::string as_of;
  std::string out;  // a folder for the aggregate files
};

const Centres& centres() {
  static const Centres c = [] {
    Centres out;
    out.out = make_temp_dir("federated-cli-out");
    const std::vector<std::vector<cohort_gen::Arm>> arms = {
        {{"sirolimus-prednisolone", 10, 9}, {"sirolimus", 11, 7}},
        {{"sirolimus-prednisolone", 6, 5}, {"sirolimus", 7, 4}},
        {{"sirolimus-prednisolone", 2, 2}, {"sirolimus", 3, 1}}};
    for (std::size_t i = 0; i < arms.size(); ++i) {
      cohort_gen::Options o;
      o.arms = arms[i];
      o.seed = 9100 + i;
      o.out_dir = make_temp_dir("federated-cli-" + std::to_string(i));
      auto s = cohort_gen::generate(o);
      if (!s) throw std::runtime_error(s.error().to_string());
      out.dirs.push_back(o.out_dir);
      out.as_of = s->as_of;
      for (const auto& t : s->truth) out.ids.push_back(t.id);
    }
    return out;
  }();
  return c;
}

const std::vector<std::string> kAnalysis = {
    "--by",       "arm",     "--endpoint", "durable_platelet_response_week4",
    "--endpoint", "relapse", "--endpoint", "time_to_platelet_response"};

std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& more) {
  a.insert(a.end(), more.begin(), more.end());
  return a;
}

// Each centre's aggregate file, written by the binary; their paths.
std::vector<std::string> export_all(const std::vector<std::string>& extra = {}) {
  const Centres& c = centres();
  std::vector<std::string> files;
  for (std::size_t i = 0; i < c.dirs.size(); ++i) {
    const std::string file = c.out + "/centre" + std::to_string(i) + ".json";
    const auto r = run_binary(
        with(with({"cohort", c.dirs[i], "--as-of", c.as_of, "--export-aggregates", "-o", file},
                  kAnalysis),
             extra));
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "");
    files.push_back(file);
  }
  return files;
}

TEST(FederatedCli, CombinedEqualsThePooledAnalysis) {
  const Centres& c = centres();
  const std::vector<std::string> files = export_all();
  for (const std::string& f : files) {
    const std::string text = read_file(f);
    for (const std::string& id : c.ids) EXPECT_EQ(text.find(id), std::string::npos);
  }
  for (const std::string format : {"json", "csv", "text"}) {
    SCOPED_TRACE(format);
    std::vector<std::string> pooled_args = {"cohort"};
    pooled_args.insert(pooled_args.end(), c.dirs.begin(), c.dirs.end());
    const auto pooled =
        run_binary(with(with(pooled_args, kAnalysis),
                        {"--as-of", c.as_of, "--reference", "sirolimus", "--format", format}));
    ASSERT_EQ(pooled.status, 0) << pooled.err;
    std::vector<std::string> combine_args = {"cohort",   "--reference", "sirolimus",
                                             "--format", format,        "--combine"};
    combine_args.insert(combine_args.end(), files.begin(), files.end());
    const auto combined = run_binary(combine_args);
    ASSERT_EQ(combined.status, 0) << combined.err;
    EXPECT_NE(combined.err.find("combined 3 aggregate files"), std::string::npos);
    for (const std::string& id : c.ids) EXPECT_EQ(combined.out.find(id), std::string::npos);
    if (format == "csv") {
      EXPECT_EQ(combined.out, pooled.out);
    } else if (format == "json") {
      json a = json::parse(pooled.out);
      json b = json::parse(combined.out);
      ASSERT_EQ(b["provenance"]["combined_from"].size(), 3u);
      for (json* j : {&a, &b}) {
        (*j)["provenance"].erase("input_sha256");
        (*j)["provenance"].erase("combined_from");
        for (auto& e : (*j)["endpoints"]) {
          if (j == &b) {
            EXPECT_TRUE(e["not_evaluable"].is_null());
          }
          e.erase("not_evaluable");
        }
      }
      EXPECT_EQ(a, b);
    } else {
      EXPECT_NE(combined.out.find("Combined from " + files[0]), std::string::npos);
    }
  }
}

TEST(FederatedCli, UsageErrorsAndUnusableFiles) {
  const Centres& c = centres();
  const std::vector<std::string> files = export_all();
  // INPUT and --combine together; neither.
  auto r = run_binary({"cohort", c.dirs[0], "--combine", files[0]});
  EXPECT_EQ(r.status, 2);
  r = run_binary({"cohort", "--as-of", c.as_of});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("INPUT is required"), std::string::npos) << r.err;
  // An incompatible file (another grouping): usage error naming the file and the field.
  const std::string other = c.out + "/regimen.json";
  std::vector<std::string> by_regimen = kAnalysis;
  by_regimen[1] = "regimen";
  r = run_binary(with({"cohort", c.dirs[1], "--as-of", c.as_of, "--export-aggregates", "-o", other},
                      by_regimen));
  ASSERT_EQ(r.status, 0) << r.err;
  r = run_binary({"cohort", "--combine", files[0], other});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find(other + ": by"), std::string::npos) << r.err;
  // A damaged file: input unusable, the file and the field named.
  json bad = json::parse(read_file(files[1]));
  bad["endpoints"][0]["groups"][0]["responders"] = 2.0;
  const std::string damaged = c.out + "/damaged.json";
  write_file(damaged, bad.dump());
  r = run_binary({"cohort", "--combine", files[0], damaged});
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find(damaged + ": not a valid aggregate file: endpoints[0].groups[0].responders"),
            std::string::npos)
      << r.err;
  r = run_binary({"cohort", "--combine", c.out + "/missing.json"});
  EXPECT_EQ(r.status, 3);
  // A reference that is no group of the combined cohort.
  r = run_binary({"cohort", "--reference", "placebo", "--combine", files[0]});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--reference placebo is not a group of the combined cohort (groups: "),
            std::string::npos)
      << r.err;
  // --small-cell: 0 flags nothing.
  const std::vector<std::string> unflagged = export_all({"--small-cell", "0"});
  const json j = json::parse(read_file(unflagged[2]));
  EXPECT_EQ(j["small_cell_threshold"], 0);
  for (const auto& e : j["endpoints"])
    for (const auto& g : e["groups"]) EXPECT_FALSE(g["small_cell"].get<bool>());
}

}  // namespace
}  // namespace khe
