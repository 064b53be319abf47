// The writers on hand-built reports: contract keys, nulls, rounding, determinism, escaping.
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "knowledge/knowledge.h"
#include "write/html_writer.h"
#include "write/json_writer.h"
#include "write/number.h"
#include "write/text_writer.h"

namespace khe::write {
namespace {

using nlohmann::json;

engine::Report sample_report() {
  engine::Report r;
  r.kmp_status = engine::KmpStatus::present;
  r.kmp_severity = engine::Band::severe;
  r.platelets = model::Measured{18.000000000000004, model::Comparator::none};
  r.coagulopathy = true;
  r.severe_hypofibrinogenemia = true;
  r.high_risk = true;
  r.risk_reasons = {"site-muscle-or-deeper"};
  r.urgency = engine::Urgency::emergent;
  r.regimen = engine::Regimen::sirolimus_prednisolone;
  r.regimen_why = engine::Provenance{"TX-1", {"blood2022"}, "", false};
  engine::Dose d;
  d.drug = "sirolimus";
  d.dose = Milligrams(0.1 + 0.2);
  d.calculated = Milligrams(0.30000000000000004);
  d.interval_h = 12;
  d.route = "oral";
  d.basis = "0.8 mg/m2 x 0.375 m2";
  d.volume = Millilitres(0.30000000000000004);
  d.concentration = MgPerMl(1);
  d.body.bsa = SquareMetres(0.37499999999);
  d.why.rule_id = "DOSE-SIR-1";
  r.doses.push_back(d);
  engine::Alert a;
  a.code = "pjp_prophylaxis";
  a.severity = engine::AlertSeverity::warning;
  a.message = "Consider <PJP> prophylaxis & check \"levels\"";
  a.why.rule_id = "PJP-1";
  r.alerts.push_back(a);
  engine::Alert c = a;
  c.code = "critical_one";
  c.severity = engine::AlertSeverity::critical;
  r.alerts.push_back(c);
  r.engine_version = "0.1.0";
  r.knowledge_version = "test";
  r.profile = "default";
  r.as_of = start_of(Date(std::chrono::year{2026} / 8 / 3)) + hours(12);
  r.input_sha256 = std::string(64, 'a');
  return r;
}

TEST(cliWriter, RoundToRemovesFloatingPointNoise) {
  EXPECT_EQ(round_to(0.1 + 0.2, 4), 0.3);
  EXPECT_EQ(round_to(-0.00001, 2), 0.0);
  EXPECT_FALSE(std::signbit(round_to(-0.00001, 2)));
  EXPECT_EQ(format_number(0.1 + 0.2, 4), "0.3");
  EXPECT_EQ(format_number(12.0, 2), "12");
  EXPECT_EQ(format_number(0.24444, 4), "0.2444");
}

TEST(cliWriter, JsonHasContractKeysAndRoundedNumbers) {
  const std::string text = to_json(sample_report());
  ASSERT_EQ(text.back(), '\n');
  const json j = json::parse(text);
  EXPECT_EQ(j["kmp"]["status"], "present");
  EXPECT_EQ(j["kmp"]["severity"], "severe");
  EXPECT_EQ(j["kmp"]["platelets_10e9_per_L"], 18);
  EXPECT_EQ(j["coagulopathy"]["present"], true);
  EXPECT_EQ(j["risk"]["level"], "high");
  EXPECT_EQ(j["urgency"], "emergent");
  EXPECT_EQ(j["recommendation"]["regimen"], "sirolimus_prednisolone");
  const json& d = j["recommendation"]["doses"][0];
  EXPECT_EQ(d["dose_mg"], 0.3);
  EXPECT_EQ(d["volume_mL"], 0.3);
  EXPECT_EQ(d["bsa_m2"], 0.375);
  EXPECT_EQ(d["interval_h"], 12);
  EXPECT_EQ(d["rule_id"], "DOSE-SIR-1");
  EXPECT_TRUE(j["response"].is_null());
  EXPECT_EQ(j["provenance"]["as_of"], "2026-08-03T12:00:00Z");
  EXPECT_EQ(text.find("0.30000000000000004"), std::string::npos);
  // The contract's top-level order is stable: kmp first, provenance last.
  const auto ordered = nlohmann::ordered_json::parse(text);
  EXPECT_EQ(ordered.begin().key(), "kmp");
  EXPECT_EQ((--ordered.end()).key(), "provenance");
}

TEST(cliWriter, SeverityIsNullUnlessPresentOrSuspected) {
  engine::Report r = sample_report();
  r.kmp_status = engine::KmpStatus::absent;  // a stray band must not leak into the report
  r.platelets.reset();
  r.regimen.reset();
  r.regimen_null_reason = "data_missing";
  const json j = json::parse(to_json(r));
  EXPECT_TRUE(j["kmp"]["severity"].is_null());
  EXPECT_TRUE(j["kmp"]["platelets_10e9_per_L"].is_null());
  EXPECT_TRUE(j["recommendation"]["regimen"].is_null());
  EXPECT_EQ(j["recommendation"]["null_reason"], "data_missing");
}

TEST(cliWriter, SameReportSameBytes) {
  EXPECT_EQ(to_json(sample_report()), to_json(sample_report()));
}

TEST(cliWriter, TextOrdersAlertsCriticalFirstWithRuleIds) {
  const knowledge::Knowledge k;
  const std::string text = to_text(sample_report(), k);
  const auto critical = text.find("CRITICAL critical_one");
  const auto warning = text.find("WARNING pjp_prophylaxis");
  ASSERT_NE(critical, std::string::npos) << text;
  ASSERT_NE(warning, std::string::npos) << text;
  EXPECT_LT(critical, warning);
  EXPECT_NE(text.find("[PJP-1]"), std::string::npos);
  EXPECT_NE(text.find("0.3 mg = 0.3 mL of 1 mg/mL"), std::string::npos) << text;
  EXPECT_NE(text.find("EMERGENT"), std::string::npos);
}

TEST(cliWriter, TextWrapsLongWordsWithinTheWidth) {
  engine::Report r = sample_report();
  r.alerts[0].message = std::string(250, 'x') + " end";
  const knowledge::Knowledge k;
  const std::string text = to_text(r, k);
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t nl = text.find('\n', start);
    EXPECT_LE(nl - start, kTextWidth);
    start = nl + 1;
  }
  EXPECT_NE(text.find(" end"), std::string::npos);
}

TEST(cliWriter, HtmlEscapesEveryText) {
  const knowledge::Knowledge k;
  const std::string html = to_html(sample_report(), k);
  EXPECT_EQ(html.find("<PJP>"), std::string::npos);
  EXPECT_NE(html.find("&lt;PJP&gt; prophylaxis &amp; check &quot;levels&quot;"), std::string::npos);
  EXPECT_EQ(html_escape("<a href='x'>"), "&lt;a href=&#39;x&#39;&gt;");
}

}  // namespace
}  // namespace khe::write
