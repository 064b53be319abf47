// The cohort writers (src/cohort_write): JSON, CSV and text byte for byte against golden/
// for a hand-made CohortResult (KHE_UPDATE_GOLDEN=1 rewrites them:
// `KHE_UPDATE_GOLDEN=1 ./build/tests/khe_cohort_write_tests`), RFC 4180 quoting, and the
// HTML page: self-contained (no external URL), escaped, with the Kaplan-Meier data.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cohort_write/cohort_csv.h"
#include "cohort_write/cohort_html.h"
#include "cohort_write/cohort_json.h"
#include "cohort_write/cohort_text.h"
#include "cohort_write/format.h"
#include "write/chart_assets.h"

namespace khe::cohort_write {
namespace {

using cohort::Endpoint;

const std::string kGolden = std::string(KHE_SOURCE_DIR) + "/tests/unit/cohort_write/golden/";

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

void expect_golden(const std::string& name, const std::string& body) {
  const std::string path = kGolden + name;
  const char* update = std::getenv("KHE_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::filesystem::create_directories(kGolden);
    std::ofstream(path, std::ios::binary) << body;
    return;
  }
  ASSERT_TRUE(std::filesystem::exists(path)) << path << " (KHE_UPDATE_GOLDEN=1 writes it)";
  EXPECT_EQ(body, slurp(path)) << name << ": differs from golden/" << name
                               << " (KHE_UPDATE_GOLDEN=1 rewrites it if the change is intended)";
}

stats::Proportion prop(int events, int n, double low, double high) {
  return {n, events, static_cast<double>(events) / n, {low, high}};
}

cohort::GroupResult binary_group(const std::string& name, int patients, int not_evaluable,
                                 std::optional<stats::Proportion> p) {
  cohort::GroupResult g;
  g.group = name;
  g.patients = patients;
  g.not_evaluable = not_evaluable;
  g.proportion = p;
  return g;
}

// The trial's primary endpoint (35/37 vs 24/36), a time-to-response endpoint with two
// curves (one never reaching 50%), and relapse with a group of no evaluable patient.
cohort::CohortResult sample(const std::string& a = "sirolimus_prednisolone",
                            const std::string& b = "sirolimus") {
  cohort::CohortResult r;
  r.provenance.engine_version = "0.1.0";
  r.provenance.knowledge_version = "test";
  r.provenance.profile = "default";
  r.provenance.as_of = start_of(Date(std::chrono::year{2026} / 8 / 3)) + hours(12);
  r.input.files = 3;
  r.input.bytes = 1234567;
  r.input.resources = 4321;
  r.input.patients = 76;
  r.input.unreadable = 1;
  r.input.orphans = 2;
  r.input.sha256 = std::string(64, 'a');
  r.by = cohort::Grouping::arm;
  r.confidence = 0.95;

  cohort::EndpointResult primary;
  primary.endpoint = Endpoint::durable_platelet_response_week4;
  primary.groups.push_back(binary_group(a, 38, 1, prop(35, 37, 0.8230863, 0.9850382)));
  primary.groups.push_back(binary_group(b, 37, 1, prop(24, 36, 0.5035099, 0.7978183)));
  cohort::Comparison c;
  c.group1 = a;
  c.group2 = b;
  c.difference = {35.0 / 37 - 24.0 / 36, {0.0993541, 0.4468632}};
  c.fisher_p = 0.003218734;
  primary.comparisons.push_back(c);
  primary.not_evaluable = {{"p-017", a, "no platelet count on days 25-31"},
                           {"p-052", b, "no platelet count on days 25-31"},
                           {"p-075", "", "no ResearchSubject"}};
  r.endpoints.push_back(primary);

  cohort::EndpointResult tte;
  tte.endpoint = Endpoint::time_to_platelet_response;
  cohort::GroupResult ga;
  ga.group = a;
  ga.patients = 4;
  stats::KaplanMeier ka;
  ka.n = 4;
  ka.events = 3;
  ka.steps = {{7, 4, 1, 0.75, 0.2165064, {0.4558, 1.0}},
              {14, 3, 2, 0.25, 0.2165064, {0.04582, 1.0}}};
  ka.median = 14;
  ka.median_low = 7;
  ka.median_high = std::nullopt;
  ga.kaplan_meier = ka;
  ga.table = {{7, 1, 0}, {14, 2, 0}, {21, 0, 1}};
  cohort::GroupResult gb;
  gb.group = b;
  gb.patients = 3;
  gb.not_evaluable = 1;
  stats::KaplanMeier kb;
  kb.n = 2;
  kb.events = 1;
  kb.steps = {{10.5, 2, 1, 0.5, 0.3535534, {0.125, 1.0}}};
  kb.median = 10.5;
  kb.median_low = 10.5;
  gb.kaplan_meier = kb;
  gb.table = {{3, 0, 1}, {10.5, 1, 0}};
  tte.groups = {ga, gb};
  tte.log_rank = stats::LogRank{{3, 1}, {2.4166667, 1.5833333}, 0.3908, 1, 0.5318};
  tte.not_evaluable = {{"p-033", b, "no platelet count after day 0"}};
  r.endpoints.push_back(tte);

  cohort::EndpointResult relapse;
  relapse.endpoint = Endpoint::relapse;
  relapse.groups.push_back(binary_group(a, 38, 38, std::nullopt));
  relapse.groups.push_back(binary_group(b, 37, 35, prop(1, 2, 0.0945312, 0.9054688)));
  for (int i = 0; i < 40; ++i) {
    relapse.not_evaluable.push_back({"q-" + std::to_string(100 + i), i < 38 ? a : b,
                                     i % 3 == 0 ? "no KMP-directed therapy start (spec §8)"
                                                : "no resolution of KMP before the as-of time"});
  }
  r.endpoints.push_back(relapse);
  return r;
}

TEST(CohortWriteGolden, Json) { expect_golden("cohort.json", to_json(sample())); }
TEST(CohortWriteGolden, Csv) { expect_golden("cohort.csv", to_csv(sample())); }
TEST(CohortWriteGolden, Text) { expect_golden("cohort.txt", to_text(sample())); }

TEST(CohortWriteJson, IsValidJsonWithStableKeysAndSameBytes) {
  const std::string j = to_json(sample());
  EXPECT_EQ(j, to_json(sample()));
  const auto doc = nlohmann::ordered_json::parse(j);
  std::vector<std::string> keys;
  for (const auto& [k, v] : doc.items()) keys.push_back(k);
  EXPECT_EQ(keys,
            (std::vector<std::string>{"provenance", "input", "by", "confidence", "endpoints"}));
  EXPECT_EQ(doc["provenance"]["as_of"], "2026-08-03T12:00:00Z");
  EXPECT_EQ(doc["provenance"]["input_sha256"], std::string(64, 'a'));
  const auto& primary = doc["endpoints"][0];
  EXPECT_EQ(primary["endpoint"], "durable_platelet_response_week4");
  EXPECT_EQ(primary["groups"][0]["n"], 37);
  EXPECT_EQ(primary["groups"][0]["responders"], 35);
  EXPECT_EQ(primary["comparisons"][0]["method"], stats::kNewcombeMethod);
  EXPECT_DOUBLE_EQ(primary["comparisons"][0]["difference"].get<double>(), 0.279279);
  EXPECT_TRUE(primary["log_rank"].is_null());
  EXPECT_TRUE(primary["not_evaluable"][2]["group"].is_null());
  const auto& tte = doc["endpoints"][1];
  EXPECT_EQ(tte["type"], "time_to_event");
  EXPECT_TRUE(tte["groups"][0]["median_ci_high"].is_null());
  EXPECT_EQ(tte["groups"][0]["steps"].size(), 2u);
  EXPECT_EQ(tte["groups"][0]["censored_at"][0]["time"], 21);
  EXPECT_EQ(tte["log_rank"]["groups"][1], "sirolimus");
  EXPECT_EQ(tte["log_rank"]["observed"][0], 3);
  // Every not-evaluable patient is listed, and counted by reason.
  const auto& relapse = doc["endpoints"][2];
  EXPECT_EQ(relapse["not_evaluable"].size(), 40u);
  EXPECT_EQ(relapse["not_evaluable_count"], 40);
  EXPECT_EQ(relapse["not_evaluable_reasons"][0]["count"], 26);
  EXPECT_TRUE(relapse["groups"][0]["proportion"].is_null());
}

TEST(CohortWriteJson, SmallPValuesKeepTheirDigits) {
  cohort::CohortResult r = sample();
  r.endpoints[0].comparisons[0].fisher_p = 1.234567891e-12;
  const auto doc = nlohmann::json::parse(to_json(r));
  EXPECT_DOUBLE_EQ(doc["endpoints"][0]["comparisons"][0]["fisher_p"].get<double>(), 1.23457e-12);
}

// Splits RFC 4180 CSV (quoted fields may hold commas, quotes and line breaks).
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows(1);
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().push_back(field);
      field.clear();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      rows.back().push_back(field);
      field.clear();
      rows.emplace_back();
      ++i;
    } else {
      field += c;
    }
  }
  if (rows.back().empty()) rows.pop_back();
  return rows;
}

TEST(CohortWriteCsv, QuotesGroupNamesWithCommasAndQuotes) {
  EXPECT_EQ(csv_field("plain"), "plain");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("two\nlines"), "\"two\nlines\"");
  const std::string odd = "arm \"B\", low dose";
  const std::string csv = to_csv(sample("A", odd));
  EXPECT_NE(csv.find("\"arm \"\"B\"\", low dose\""), std::string::npos);
  const auto rows = parse_csv(csv);
  ASSERT_GT(rows.size(), 3u);
  for (const auto& row : rows) EXPECT_EQ(row.size(), rows[0].size());
  EXPECT_EQ(rows[0][0], "row");
  EXPECT_EQ(rows[2][2], odd);  // the second group row of the first endpoint
  // The comparison row names both groups.
  bool found = false;
  for (const auto& row : rows) {
    if (row[0] == "comparison") {
      found = true;
      EXPECT_EQ(row[2], "A");
      EXPECT_EQ(row[3], odd);
    }
  }
  EXPECT_TRUE(found);
}

TEST(CohortWriteCsv, RowsAreGroupsThenComparisonsThenLogRank) {
  const auto rows = parse_csv(to_csv(sample()));
  std::vector<std::string> kinds;
  for (std::size_t i = 1; i < rows.size(); ++i) kinds.push_back(rows[i][0]);
  EXPECT_EQ(kinds, (std::vector<std::string>{"group", "group", "group", "group", "group", "group",
                                             "comparison", "log_rank"}));
  EXPECT_EQ(to_csv(sample()).find('\n'), to_csv(sample()).find("\r\n") + 1);  // CRLF
}

TEST(CohortWriteText, ListsTheFirstNotEvaluableAndCountsTheRest) {
  const std::string t = to_text(sample());
  EXPECT_NE(t.find("... and 20 more"), std::string::npos);
  EXPECT_NE(t.find("26 x no resolution of KMP before the as-of time"), std::string::npos);
  EXPECT_NE(t.find("difference +27.9% (95% CI 9.9% to 44.7%"), std::string::npos);
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(CohortWriteHtml, NeedsNoNetworkAndNamesNoExternalUrl) {
  const std::string html = to_html(sample());
  EXPECT_NE(html.find("default-src 'none'"), std::string::npos);
  EXPECT_EQ(html.find("<script src"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("href="), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);
  EXPECT_EQ(html.find("@import"), std::string::npos);
  // Outside the inlined Chart.js (whose licence comment names its home page), no URL at all.
  std::string page = html;
  const auto lib = page.find(write::chart_library_js());
  ASSERT_NE(lib, std::string::npos);
  page.erase(lib, write::chart_library_js().size());
  EXPECT_EQ(page.find("http://"), std::string::npos);
  EXPECT_EQ(page.find("https://"), std::string::npos);
  EXPECT_EQ(page.find("//cdn"), std::string::npos);
}

TEST(CohortWriteHtml, DrawsKaplanMeierFromEmbeddedData) {
  const std::string html = to_html(sample());
  EXPECT_NE(html.find(write::chart_module_js()), std::string::npos);
  EXPECT_NE(html.find("KheChart.renderKaplanMeier("), std::string::npos);
  EXPECT_NE(html.find("<div id=\"km-time_to_platelet_response\""), std::string::npos);
  const std::string open = "<script type=\"application/json\" id=\"khe-cohort-km\">\n";
  const auto from = html.find(open);
  ASSERT_NE(from, std::string::npos);
  const auto to = html.find("</script>", from);
  const auto data = nlohmann::json::parse(html.substr(from + open.size(), to - from - open.size()));
  ASSERT_EQ(data.size(), 1u);
  EXPECT_EQ(data[0]["endpoint"], "time_to_platelet_response");
  EXPECT_EQ(data[0]["plot"], "cumulative");
  EXPECT_EQ(data[0]["groups"][1]["steps"][0]["time"], 10.5);
  EXPECT_EQ(count(html, "</script>"), 4u);  // data, Chart.js, khe-chart.js, init
}

TEST(CohortWriteHtml, WithoutTimeToEventNoScriptAtAll) {
  cohort::CohortResult r = sample();
  r.endpoints.erase(r.endpoints.begin() + 1);
  const std::string html = to_html(r);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("Fisher&#39;s exact p"), std::string::npos);
}

TEST(CohortWriteHtml, EscapesEveryText) {
  const std::string evil = "</script><script>alert(1)</script>";
  const std::string html = to_html(sample(evil, "<b>B&amp;</b>"));
  EXPECT_EQ(html.find("<script>alert(1)"), std::string::npos);
  EXPECT_EQ(html.find("<b>B"), std::string::npos);
  EXPECT_NE(html.find("&lt;/script&gt;&lt;script&gt;alert(1)"), std::string::npos);
  EXPECT_EQ(count(html, "</script>"), 4u);
}

TEST(CohortWriteHtml, PrintableAndReproducible) {
  const std::string html = to_html(sample());
  EXPECT_EQ(html, to_html(sample()));
  EXPECT_NE(html.find("@media print{"), std::string::npos);
  EXPECT_NE(html.find("Not evaluable (40)"), std::string::npos);
  EXPECT_NE(html.find("Provenance: engine 0.1.0, knowledge test"), std::string::npos);
}

TEST(CohortWriteFormat, RoundsAndLabels) {
  EXPECT_EQ(round_significant(0.003218734, 3), 0.00322);
  EXPECT_EQ(round_significant(0.0, 3), 0.0);
  EXPECT_EQ(p_text(0.003218734), "0.0032");
  EXPECT_EQ(p_text(0.41), "0.41");
  EXPECT_EQ(p_text(1.0), "1");
  EXPECT_EQ(p_text(2e-9), "< 0.0001");
  EXPECT_EQ(percent(35.0 / 37), "94.6%");
  EXPECT_EQ(confidence_text(0.95), "95%");
  EXPECT_EQ(confidence_text(0.975), "97.5%");
  EXPECT_EQ(bytes_text(1234567), "1.2 MB");
  EXPECT_EQ(days_text(std::nullopt), "not reached");
}

}  // namespace
}  // namespace khe::cohort_write
