// Discovery (GET /cds-services) and the CDS knowledge (knowledge/cds.json).
#include <set>

#include "cds/cards.h"
#include "cds_test_util.h"
#include "knowledge/embedded.h"

namespace khe::cds::testing {
namespace {

TEST(CdsDiscovery, ListsTheServicesWithTheirHooksAndPrefetch) {
  const json d = json::parse(services().discovery_json());
  ASSERT_TRUE(d.contains("services"));
  ASSERT_TRUE(d["services"].is_array());
  std::map<std::string, std::string> hooks;
  for (const auto& s : d["services"]) {
    for (const char* required : {"hook", "description", "id"}) {
      ASSERT_TRUE(s.contains(required) && s[required].is_string()) << s.dump();
    }
    EXPECT_TRUE(s["title"].is_string());
    ASSERT_TRUE(s["prefetch"].is_object());
    for (const auto& [key, query] : s["prefetch"].items()) {
      ASSERT_TRUE(query.is_string());
      EXPECT_NE(query.get<std::string>().find("{{context.patientId}}"), std::string::npos) << key;
      EXPECT_EQ(query.get<std::string>().find('<'), std::string::npos) << "unexpanded " << key;
    }
    hooks[s["id"]] = s["hook"];
  }
  EXPECT_EQ(hooks["khe-kmp"], "patient-view");
  EXPECT_EQ(hooks["khe-dose-check"], "order-select");
  EXPECT_EQ(hooks["khe-dose-sign"], "order-sign");
  expect_no_empty_values(d);
  EXPECT_TRUE(services().has_service("khe-kmp"));
  EXPECT_TRUE(services().has_service("khe-dose-sign"));
  EXPECT_FALSE(services().has_service("khe"));
  EXPECT_FALSE(services().has_service(""));
}

TEST(CdsDiscovery, PrefetchAsksForTheContractsDataOfThePatientOnly) {
  const json d = json::parse(services().discovery_json());
  const json& p = d["services"][0]["prefetch"];
  EXPECT_EQ(p["patient"], "Patient/{{context.patientId}}");
  EXPECT_EQ(p["conditions"], "Condition?patient={{context.patientId}}");
  EXPECT_EQ(p["procedures"], "Procedure?patient={{context.patientId}}");
  EXPECT_EQ(p["medication-requests"], "MedicationRequest?patient={{context.patientId}}");
  EXPECT_EQ(p["medication-statements"], "MedicationStatement?patient={{context.patientId}}");
  EXPECT_EQ(p["medication-administrations"],
            "MedicationAdministration?patient={{context.patientId}}");
  // Observations: every LOINC code the knowledge maps (the contract's table) and the
  // product's finding codes, from the knowledge's codes.
  const std::string obs = p["observations"];
  EXPECT_EQ(obs.rfind("Observation?patient={{context.patientId}}&code=", 0), 0u) << obs;
  for (const auto& a : kb().codes.analytes) {
    for (const auto& code : a.loinc) {
      EXPECT_NE(obs.find("http://loinc.org|" + code), std::string::npos) << code;
    }
  }
  for (const char* code : {"777-3", "3255-7", "48065-7", "29247-4", "29463-7", "8302-2"}) {
    EXPECT_NE(obs.find(std::string("|") + code), std::string::npos) << code;
  }
  EXPECT_NE(obs.find("http://khe-cds.org/fhir/CodeSystem/finding|"), std::string::npos);
  // The same prefetch for every service.
  for (const auto& s : d["services"]) EXPECT_EQ(s["prefetch"], p);
}

TEST(CdsDiscovery, IsBuiltOnceAndNeverChanges) {
  const std::string& a = services().discovery_json();
  const Services again(kb(), profile(), kPublicUrl);
  EXPECT_EQ(a, again.discovery_json());
  EXPECT_EQ(&a, &services().discovery_json());
}

// Every status, severity, urgency and regimen the engine can give has words in cds.json,
// and every combination of them makes a summary under 140 characters.
TEST(CdsKnowledge, SummaryWordsCoverEveryOutcomeUnder140Characters) {
  const auto& c = kb().cds.card;
  const engine::KmpStatus statuses[] = {
      engine::KmpStatus::present, engine::KmpStatus::absent, engine::KmpStatus::indeterminate,
      engine::KmpStatus::suspected, engine::KmpStatus::not_expected};
  const engine::Regimen regimens[] = {engine::Regimen::sirolimus_prednisolone,
                                      engine::Regimen::sirolimus,
                                      engine::Regimen::observation,
                                      engine::Regimen::add_vincristine,
                                      engine::Regimen::reassess_diagnosis,
                                      engine::Regimen::specialist_evaluation,
                                      engine::Regimen::vincristine_corticosteroid};
  for (auto s : statuses) EXPECT_TRUE(c.status.count(engine::name(s))) << engine::name(s);
  for (auto g : regimens) EXPECT_TRUE(c.regimen.count(engine::name(g))) << engine::name(g);
  EXPECT_TRUE(c.regimen.count("none"));
  EXPECT_TRUE(c.severity.count("none"));
  std::size_t longest = 0;
  for (auto s : statuses) {
    for (int band = -1; band < 3; ++band) {
      for (int u = 0; u < 3; ++u) {
        for (int g = -1; g < 7; ++g) {
          engine::Report r;
          r.kmp_status = s;
          if (band >= 0) r.kmp_severity = static_cast<engine::Band>(band);
          r.urgency = static_cast<engine::Urgency>(u);
          EXPECT_TRUE(c.urgency.count(engine::name(r.urgency)));
          EXPECT_TRUE(c.indicator.count(engine::name(r.urgency)));
          if (band >= 0) {
            EXPECT_TRUE(c.severity.count(engine::name(*r.kmp_severity)));
          }
          if (g >= 0) r.regimen = static_cast<engine::Regimen>(g);
          const std::string summary = detail::assessment_summary(kb(), r);
          EXPECT_EQ(summary.find('{'), std::string::npos) << summary;
          EXPECT_EQ(summary.find("\xE2\x80\xA6"), std::string::npos) << "cut: " << summary;
          longest = std::max(longest, code_points(summary));
        }
      }
    }
  }
  EXPECT_LT(longest, 140u);
  EXPECT_EQ(c.indicator.at("emergent"), "critical");
  EXPECT_EQ(c.indicator.at("urgent"), "warning");
  EXPECT_EQ(c.indicator.at("routine"), "info");
}

TEST(CdsKnowledge, DoseCheckIsData) {
  const auto& d = kb().cds.dose_check;
  EXPECT_DOUBLE_EQ(d.tolerance, 0.1);  // {"value": 10, "unit": "%"}
  const std::set<std::string> drugs(d.drugs.begin(), d.drugs.end());
  EXPECT_EQ(drugs, (std::set<std::string>{"sirolimus", "prednisolone", "methylprednisolone",
                                          "vincristine"}));
  EXPECT_EQ(kb().version, "2026.11.28-3");
}

std::string load_error(const knowledge::FileSet& files) {
  auto r = knowledge::load(files, engine::parameter_specs());
  return r ? std::string() : r.error().message;
}

TEST(CdsKnowledge, LoaderNamesEveryProblemByFileAndPath) {
  auto files = knowledge::default_files();
  ASSERT_EQ(load_error(files), "");
  json c = json::parse(files["cds.json"]);
  c["card"]["summary"] = "{status} {patient_name}";
  c["dose_check"]["drugs"].push_back("unobtainium");
  c["dose_check"]["tolerance"] = {{"value", 10}, {"unit", "mg"}};
  c["card"]["indicator"]["urgent"] = "red";
  c["prefetch"][1]["query"] = "Condition?patient={{context.encounterId}}";
  c["services"][1]["hook"] = "patient-view";
  files["cds.json"] = c.dump();
  const std::string e = load_error(files);
  EXPECT_NE(e.find("cds.json: card.summary: unknown placeholder {patient_name}"), std::string::npos)
      << e;
  EXPECT_NE(e.find("cds.json: dose_check.drugs[4]: unknown drug 'unobtainium'"), std::string::npos)
      << e;
  EXPECT_NE(e.find("cds.json: dose_check.tolerance.unit"), std::string::npos) << e;
  EXPECT_NE(e.find("cds.json: card.indicator.urgent"), std::string::npos) << e;
  EXPECT_NE(e.find("cds.json: prefetch[1].query"), std::string::npos) << e;
  EXPECT_NE(e.find("cds.json: services[1].hook"), std::string::npos) << e;

  files.erase("cds.json");
  EXPECT_NE(load_error(files).find("cds.json: $: file missing"), std::string::npos);
}

}  // namespace
}  // namespace khe::cds::testing
