// Federated analysis (issue 7, item 4), in process: three synthetic centres' exports
// (tests/support/cohort_gen.h, different seeds and arm sizes) are each run, tallied and
// written as an aggregate file; the files read back and combined must give exactly the
// analysis of all the centres' patients together — every count, proportion, interval,
// difference, p-value, Kaplan-Meier step and median and log-rank statistic, compared as
// doubles with EXPECT_EQ. Also: the aggregate files hold no patient id and no date but the
// as-of; small cells are flagged; incompatible or malformed files are refused by name.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "cohort/aggregates.h"
#include "cohort/combine.h"
#include "cohort/run.h"
#include "cohort/tally.h"
#include "cohort_write/aggregates_json.h"
#include "cohort_write/cohort_csv.h"
#include "cohort_write/cohort_json.h"
#include "engine/builder.h"
#include "support/cohort_gen.h"
#include "support/process.h"

namespace khe::cohort {
namespace {

using nlohmann::json;
using test::default_knowledge;

const std::vector<Endpoint> kEndpoints = {
    Endpoint::durable_platelet_response_week4, Endpoint::platelet_response,
    Endpoint::fibrinogen_stabilized, Endpoint::relapse, Endpoint::time_to_platelet_response};

struct Centre {
  cohort_gen::Summary summary;
  std::string dir;
};

// Three centres of different sizes; the third is tiny (small cells). Generated once.
const std::vector<Centre>& centres() {
  static const std::vector<Centre> c = [] {
    const std::vector<std::vector<cohort_gen::Arm>> arms = {
        {{"sirolimus-prednisolone", 14, 12}, {"sirolimus", 13, 8}},
        {{"sirolimus-prednisolone", 9, 8}, {"sirolimus", 11, 6}},
        {{"sirolimus-prednisolone", 3, 3}, {"sirolimus", 2, 1}}};
    std::vector<Centre> out;
    for (std::size_t i = 0; i < arms.size(); ++i) {
      cohort_gen::Options o;
      o.arms = arms[i];
      o.seed = 7001 + 17 * i;
      o.out_dir = test_support::make_temp_dir("federated-centre-" + std::to_string(i));
      auto s = cohort_gen::generate(o);
      if (!s) throw std::runtime_error(s.error().to_string());
      out.push_back({std::move(s).value(), o.out_dir});
    }
    return out;
  }();
  return c;
}

Instant as_of() { return test::at(centres().front().summary.as_of.c_str()); }

RunOutput run_dirs(const std::vector<std::string>& dirs) {
  RunOptions o;
  o.inputs = dirs;
  o.as_of = as_of();
  o.by = Grouping::arm;
  o.threads = 2;
  const auto& k = default_knowledge();
  auto r = run(o, k, *k.profile("default"));
  if (!r) throw std::runtime_error(r.error().to_string());
  return std::move(r).value();
}

Provenance provenance() {
  const auto& k = default_knowledge();
  return Provenance{"test-engine", k.version, "default", as_of()};
}

// A centre's aggregate file, as --export-aggregates writes it.
std::string aggregate_file(const Centre& c, double confidence = 0.95, Grouping by = Grouping::arm) {
  const RunOutput r = run_dirs({c.dir});
  return cohort_write::to_aggregates_json(make_aggregates(
      provenance(), r.input, by, confidence, kDefaultSmallCell, tally(r.outcomes, kEndpoints)));
}

Result<CohortResult> combine_texts(const std::vector<std::string>& texts,
                                   const std::string& reference = "") {
  std::vector<AggregateFile> files;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    auto a = read_aggregates(texts[i]);
    if (!a) return Error{"centre" + std::to_string(i) + ".json", a.error().to_string()};
    files.push_back({"centre" + std::to_string(i) + ".json", std::move(a).value()});
  }
  return combine(files, reference);
}

void expect_interval(const stats::Interval& a, const stats::Interval& b) {
  EXPECT_EQ(a.low, b.low);
  EXPECT_EQ(a.high, b.high);
}

void expect_same_statistics(const EndpointResult& a, const EndpointResult& b) {
  SCOPED_TRACE(name(a.endpoint));
  ASSERT_EQ(a.endpoint, b.endpoint);
  ASSERT_EQ(a.groups.size(), b.groups.size());
  for (std::size_t g = 0; g < a.groups.size(); ++g) {
    const GroupResult& x = a.groups[g];
    const GroupResult& y = b.groups[g];
    EXPECT_EQ(x.group, y.group);
    EXPECT_EQ(x.patients, y.patients);
    EXPECT_EQ(x.not_evaluable, y.not_evaluable);
    ASSERT_EQ(x.proportion.has_value(), y.proportion.has_value());
    if (x.proportion) {
      EXPECT_EQ(x.proportion->n, y.proportion->n);
      EXPECT_EQ(x.proportion->events, y.proportion->events);
      EXPECT_EQ(x.proportion->estimate, y.proportion->estimate);
      expect_interval(x.proportion->ci, y.proportion->ci);
    }
    ASSERT_EQ(x.table.size(), y.table.size());
    for (std::size_t t = 0; t < x.table.size(); ++t) {
      EXPECT_EQ(x.table[t].time, y.table[t].time);
      EXPECT_EQ(x.table[t].events, y.table[t].events);
      EXPECT_EQ(x.table[t].censored, y.table[t].censored);
    }
    ASSERT_EQ(x.kaplan_meier.has_value(), y.kaplan_meier.has_value());
    if (x.kaplan_meier) {
      const auto& k = *x.kaplan_meier;
      const auto& l = *y.kaplan_meier;
      EXPECT_EQ(k.n, l.n);
      EXPECT_EQ(k.events, l.events);
      EXPECT_EQ(k.median, l.median);
      EXPECT_EQ(k.median_low, l.median_low);
      EXPECT_EQ(k.median_high, l.median_high);
      ASSERT_EQ(k.steps.size(), l.steps.size());
      for (std::size_t s = 0; s < k.steps.size(); ++s) {
        EXPECT_EQ(k.steps[s].time, l.steps[s].time);
        EXPECT_EQ(k.steps[s].at_risk, l.steps[s].at_risk);
        EXPECT_EQ(k.steps[s].events, l.steps[s].events);
        EXPECT_EQ(k.steps[s].survival, l.steps[s].survival);
        EXPECT_EQ(k.steps[s].std_err, l.steps[s].std_err);
        expect_interval(k.steps[s].ci, l.steps[s].ci);
      }
    }
  }
  ASSERT_EQ(a.comparisons.size(), b.comparisons.size());
  for (std::size_t c = 0; c < a.comparisons.size(); ++c) {
    EXPECT_EQ(a.comparisons[c].group1, b.comparisons[c].group1);
    EXPECT_EQ(a.comparisons[c].group2, b.comparisons[c].group2);
    EXPECT_EQ(a.comparisons[c].difference.difference, b.comparisons[c].difference.difference);
    expect_interval(a.comparisons[c].difference.ci, b.comparisons[c].difference.ci);
    EXPECT_EQ(a.comparisons[c].fisher_p, b.comparisons[c].fisher_p);
  }
  ASSERT_EQ(a.log_rank.has_value(), b.log_rank.has_value());
  if (a.log_rank) {
    EXPECT_EQ(a.log_rank->observed, b.log_rank->observed);
    EXPECT_EQ(a.log_rank->expected, b.log_rank->expected);
    EXPECT_EQ(a.log_rank->chi_square, b.log_rank->chi_square);
    EXPECT_EQ(a.log_rank->df, b.log_rank->df);
    EXPECT_EQ(a.log_rank->p, b.log_rank->p);
  }
}

TEST(Federated, CombinedAggregatesEqualThePooledAnalysisExactly) {
  std::vector<std::string> texts, dirs;
  for (const Centre& c : centres()) {
    texts.push_back(aggregate_file(c));
    dirs.push_back(c.dir);
  }
  const RunOutput all = run_dirs(dirs);
  ASSERT_EQ(all.input.patients, 14 + 13 + 9 + 11 + 3 + 2);
  const auto pooled = analyse(all.outcomes, kEndpoints, 0.95, "sirolimus");
  auto combined = combine_texts(texts, "sirolimus");
  ASSERT_TRUE(combined.ok()) << combined.error().to_string();
  ASSERT_EQ(combined->endpoints.size(), pooled.size());
  for (std::size_t e = 0; e < pooled.size(); ++e) {
    expect_same_statistics(pooled[e], combined->endpoints[e]);
    // The not-evaluable patients: the same counts by reason, without the list.
    const EndpointResult& c = combined->endpoints[e];
    ASSERT_TRUE(c.not_evaluable_counts.has_value());
    EXPECT_TRUE(c.not_evaluable.empty());
    std::map<std::string, int> want;
    for (const auto& n : pooled[e].not_evaluable) ++want[n.reason];
    std::map<std::string, int> got(c.not_evaluable_counts->begin(), c.not_evaluable_counts->end());
    EXPECT_EQ(got, want);
  }
  // The cohort is not trivial: both arms, responders and non-responders, a log-rank test.
  EXPECT_EQ(pooled.front().groups.size(), 2u);
  EXPECT_EQ(pooled.front().comparisons.size(), 1u);
  EXPECT_TRUE(pooled.back().log_rank.has_value());
  EXPECT_GT(pooled.back().groups.front().kaplan_meier->steps.size(), 2u);

  // The input counts add up; the provenance lists each centre.
  EXPECT_EQ(combined->input.patients, all.input.patients);
  EXPECT_EQ(combined->input.files, all.input.files);
  EXPECT_EQ(combined->input.bytes, all.input.bytes);
  EXPECT_EQ(combined->input.resources, all.input.resources);
  ASSERT_EQ(combined->combined_from.size(), 3u);
  EXPECT_EQ(combined->provenance.engine_version, "test-engine");

  // The rendered forms: CSV has neither hash nor patient list, so it is byte-identical; the
  // JSON is, less the input hash, the sources and the not-evaluable list.
  CohortResult p;
  p.provenance = combined->provenance;
  p.input = all.input;
  p.by = Grouping::arm;
  p.confidence = 0.95;
  p.endpoints = pooled;
  EXPECT_EQ(cohort_write::to_csv(*combined), cohort_write::to_csv(p));
  json a = json::parse(cohort_write::to_json(p));
  json b = json::parse(cohort_write::to_json(*combined));
  for (json* j : {&a, &b}) {
    (*j)["provenance"].erase("input_sha256");
    (*j)["provenance"].erase("combined_from");
    for (auto& e : (*j)["endpoints"]) e.erase("not_evaluable");
  }
  EXPECT_EQ(a, b);
}

TEST(Federated, CentresInAnyOrderGiveTheSameResult) {
  std::vector<std::string> texts;
  for (const Centre& c : centres()) texts.push_back(aggregate_file(c));
  auto forward = combine_texts(texts);
  std::reverse(texts.begin(), texts.end());
  auto backward = combine_texts(texts);
  ASSERT_TRUE(forward.ok() && backward.ok());
  for (std::size_t e = 0; e < kEndpoints.size(); ++e)
    expect_same_statistics(forward->endpoints[e], backward->endpoints[e]);
}

TEST(Federated, AggregateFileHoldsNoPatientIdAndNoDateButTheAsOf) {
  for (const Centre& c : centres()) {
    const std::string text = aggregate_file(c);
    ASSERT_FALSE(c.summary.truth.empty());
    for (const auto& t : c.summary.truth) {
      EXPECT_EQ(text.find(t.id), std::string::npos) << "a patient id is in the aggregates";
      EXPECT_EQ(text.find(t.therapy_start), std::string::npos) << "a day 0 is in the aggregates";
    }
    // The only date is the evaluation time of the provenance.
    const std::regex date(R"(\d{4}-\d{2}-\d{2})");
    int dates = 0;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), date);
         it != std::sregex_iterator(); ++it)
      ++dates;
    EXPECT_EQ(dates, 1);
    // And no per-patient rows: one object per group, the table per distinct day.
    const json j = json::parse(text);
    EXPECT_EQ(j["format"], kAggregatesFormat);
    for (const auto& e : j["endpoints"])
      for (const auto& g : e["groups"]) EXPECT_FALSE(g.contains("patient_id"));
  }
}

TEST(Federated, SmallCellsAreFlaggedNotSuppressed) {
  const json tiny = json::parse(aggregate_file(centres()[2]));
  for (const auto& e : tiny["endpoints"])
    for (const auto& g : e["groups"]) {
      EXPECT_TRUE(g["small_cell"].get<bool>()) << e["endpoint"] << " " << g["group"];
      EXPECT_GE(g["n"].get<int>(), 0);  // the counts are there, exact
    }
  EXPECT_EQ(tiny["small_cell_threshold"], 5);
  // The rule itself: evaluable, responders or non-responders between 1 and the threshold.
  GroupTally g;
  g.evaluable = 40;
  g.responders = 20;
  EXPECT_FALSE(is_small_cell(g, false, 5));
  g.responders = 36;  // 4 non-responders
  EXPECT_TRUE(is_small_cell(g, false, 5));
  g.responders = 40;  // none without the endpoint: 0 is not a small cell
  EXPECT_FALSE(is_small_cell(g, false, 5));
  EXPECT_FALSE(is_small_cell(GroupTally{}, false, 5));
  g.evaluable = 3;
  g.responders = 3;
  EXPECT_TRUE(is_small_cell(g, false, 5));
  EXPECT_FALSE(is_small_cell(g, false, 0));  // --small-cell 0: nothing flagged
  g.evaluable = 10;
  g.table = {{3.0, 2, 0}, {20.0, 0, 8}};  // 2 events
  EXPECT_TRUE(is_small_cell(g, true, 5));
}

TEST(Federated, IncompatibleFilesAreRefusedNamingTheFileAndField) {
  const std::string a = aggregate_file(centres()[0]);
  const std::string b = aggregate_file(centres()[1], 0.9);
  auto r = combine_texts({a, b});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().where.find("centre1.json"), std::string::npos) << r.error().to_string();
  EXPECT_NE(r.error().where.find("confidence"), std::string::npos) << r.error().to_string();

  json other = json::parse(a);
  other["by"] = "regimen";
  r = combine_texts({a, other.dump()});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().where, "centre1.json: by");

  other = json::parse(a);
  other["endpoints"].erase(0);
  r = combine_texts({a, other.dump()});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().where, "centre1.json: endpoints");

  for (const char* field : {"knowledge_version", "profile"}) {
    other = json::parse(a);
    other["provenance"][field] = "something else";
    r = combine_texts({a, other.dump()});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().where, std::string("centre1.json: ") + field);
  }
  // as_of may differ: listed, the latest is the result's.
  other = json::parse(a);
  other["provenance"]["as_of"] = "2030-01-01T00:00:00Z";
  r = combine_texts({a, other.dump()});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(format_instant(r->provenance.as_of), "2030-01-01T00:00:00Z");
  EXPECT_EQ(r->combined_from[0].as_of, as_of());
}

// One edit of a valid file and the path the error must name.
struct Damage {
  std::string pointer;  // JSON pointer of the field
  json value;
  std::string where;
};

TEST(Federated, MalformedFilesAreRefusedWithThePathOfTheField) {
  const json good = json::parse(aggregate_file(centres()[2]));
  ASSERT_TRUE(read_aggregates(good.dump()).ok());
  const std::vector<Damage> damages = {
      {"/endpoints/0/groups/0/n", 3.0, "endpoints[0].groups[0].n"},  // a float, even integral
      {"/endpoints/0/groups/0/responders", -1, "endpoints[0].groups[0].responders"},
      {"/endpoints/0/groups/0/responders", 99, "endpoints[0].groups[0].responders"},
      {"/endpoints/0/groups/0/patients", "3", "endpoints[0].groups[0].patients"},
      {"/endpoints/0/groups/0/small_cell", 1, "endpoints[0].groups[0].small_cell"},
      {"/endpoints/0/groups/0/n", 4294967296.0, "endpoints[0].groups[0].n"},
      {"/endpoints/4/groups/0/table/0/time", -1.0, "endpoints[4].groups[0].table[0].time"},
      {"/endpoints/4/groups/0/table/0/events", 1.5, "endpoints[4].groups[0].table[0].events"},
      {"/endpoints/4/groups/0/events", 1000, "endpoints[4].groups[0].table"},
      {"/endpoints/0/endpoint", "survival", "endpoints[0].endpoint"},
      {"/endpoints/0/type", "time_to_event", "endpoints[0].type"},
      {"/confidence", 1.5, "confidence"},
      {"/by", "site", "by"},
      {"/provenance/as_of", "2026-08-03", "provenance.as_of"},
      {"/input/bytes", -5, "input.bytes"},
      {"/format", "khe-cohort-aggregates/2", "format"},
  };
  for (const Damage& d : damages) {
    json bad = good;
    bad[json::json_pointer(d.pointer)] = d.value;
    const auto r = read_aggregates(bad.dump());
    ASSERT_FALSE(r.ok()) << d.pointer;
    EXPECT_EQ(r.error().where, d.where) << d.pointer << ": " << r.error().to_string();
  }
  json missing = good;
  missing["endpoints"][0]["groups"][0].erase("patients");
  EXPECT_EQ(read_aggregates(missing.dump()).error().where, "endpoints[0].groups[0].patients");
  EXPECT_FALSE(read_aggregates("").ok());
  EXPECT_FALSE(read_aggregates("[1, 2]").ok());
  EXPECT_FALSE(read_aggregates(good.dump().substr(0, 100)).ok());
}

TEST(Federated, AddingTalliesChecksOverflowAndEndpoint) {
  EndpointTally a, b;
  a.groups.push_back({"A", 2000000000, 0, 2000000000, 0, {}});
  b.groups.push_back({"A", 2000000000, 0, 2000000000, 0, {}});
  EXPECT_FALSE(add(a, b).ok());
  EndpointTally c, d;
  c.groups.push_back({"A", 1, 0, 1, 1, {}});
  d = c;
  EXPECT_EQ(add(c, d)->groups.front().responders, 2);
  d.endpoint = Endpoint::relapse;
  EXPECT_FALSE(add(c, d).ok());
}

}  // namespace
}  // namespace khe::cohort
