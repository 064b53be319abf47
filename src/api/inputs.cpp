// GET /api/inputs: what the web app's forms offer, all of it from the knowledge. Analytes,
// units, drugs, routes, diagnoses and formulations come from the files the reader and the
// engine use; the finding, procedure and indication codes with their labels and the FHIR
// category of each analyte from knowledge/inputs.json (k.inputs), whose codes are the
// product code systems of the input contract (shared/contract/fhir-input.md).
#include <algorithm>
#include <map>
#include <variant>

#include "api/internal.h"
#include "model/analyte.h"
#include "write/labels.h"

namespace khe::api::detail {
namespace {

// The accepted units of an analyte with the plausible range in each (the reader refuses
// values outside it), the default unit first when it is one of them.
Json units_of(const knowledge::AnalyteDef& d, std::string& default_unit) {
  Json units = Json::array();
  default_unit.clear();
  for (const auto& [unit, factor] : d.unit_factors) {
    if (unit == d.canonical_unit) default_unit = unit;
  }
  if (default_unit.empty() && !d.unit_factors.empty()) default_unit = d.unit_factors[0].first;
  for (const auto& [unit, factor] : d.unit_factors) {
    Json u = Json::object();
    u["code"] = unit;
    if (factor > 0) {
      u["min"] = d.plausible_min / factor;
      u["max"] = d.plausible_max / factor;
    }
    units.push_back(std::move(u));
  }
  return units;
}

Json analytes(const knowledge::Codes& codes, const knowledge::InputsConfig& inputs) {
  Json out = Json::array();
  for (const auto& d : codes.analytes) {
    if (d.loinc.empty()) continue;  // quantity findings are offered with the findings
    std::string unit;
    Json units = units_of(d, unit);
    Json a = Json::object();
    const std::string_view name = model::analyte_name(d.analyte);
    a["analyte"] = name;
    a["label"] = write::analyte_label(name);
    a["loinc"] = d.loinc.front();
    a["loinc_codes"] = d.loinc;
    a["category"] = inputs.is_vital_sign(d.analyte) ? "vital-signs" : "laboratory";
    a["canonical_unit"] = d.canonical_unit;
    a["unit"] = unit;
    a["units"] = std::move(units);
    out.push_back(std::move(a));
  }
  return out;
}

Json options(const std::vector<knowledge::InputOption>& list) {
  Json out = Json::array();
  for (const auto& o : list) out.push_back({{"code", o.code}, {"label", o.label}});
  return out;
}

Json findings(const knowledge::Codes& codes, const knowledge::InputsConfig& inputs,
              const knowledge::Profile& profile) {
  Json out = Json::array();
  for (const knowledge::InputFinding& f : inputs.findings) {
    Json j = Json::object();
    j["code"] = f.code;
    j["label"] = f.label;
    j["value"] = f.value;
    if (!f.options.empty()) j["options"] = options(f.options);
    if (f.value == "quantity") {
      auto it = codes.quantity_findings.find(f.code);
      if (it == codes.quantity_findings.end()) continue;  // the knowledge does not read it
      std::string unit;
      j["units"] = units_of(codes.analyte(it->second), unit);
      j["unit"] = unit;
    }
    out.push_back(std::move(j));
  }
  // The adverse events the team records with a CTCAE grade (AE-2's finding codes).
  if (profile.has_rule("AE-2")) {
    const auto& rule = profile.rule("AE-2");
    auto codes_it = rule.params.find("recorded_findings");
    auto terms_it = rule.params.find("recorded_terms");
    const auto* list = codes_it == rule.params.end()
                           ? nullptr
                           : std::get_if<std::vector<std::string>>(&codes_it->second);
    const auto* terms = terms_it == rule.params.end()
                            ? nullptr
                            : std::get_if<std::vector<std::string>>(&terms_it->second);
    if (list != nullptr) {
      for (std::size_t i = 0; i < list->size(); ++i) {
        std::string label = terms != nullptr && i < terms->size() ? (*terms)[i] : (*list)[i];
        std::replace(label.begin(), label.end(), '_', ' ');
        if (!label.empty()) label[0] = static_cast<char>(std::toupper(label[0]));
        out.push_back({{"code", (*list)[i]},
                       {"label", "Adverse event: " + label},
                       {"value", "grade"},
                       {"rule_id", "AE-2"}});
      }
    }
  }
  return out;
}

Json diagnoses(const knowledge::Codes& codes) {
  const std::string prefix = codes.product_base + "diagnosis|";
  std::map<std::string, std::string> labels;  // code -> first synonym
  for (const auto& [key, code] : codes.diagnosis_codes) {
    if (key.starts_with(prefix)) labels.emplace(code, "");
  }
  for (const auto& [synonym, code] : codes.diagnosis_synonyms) {
    auto it = labels.find(code);
    if (it != labels.end() && it->second.empty()) it->second = synonym;
  }
  Json out = Json::array();
  for (const auto& [code, synonym] : labels) {
    std::string label = synonym.empty() ? code : synonym;
    if (synonym.size() > 4) label[0] = static_cast<char>(std::toupper(label[0]));
    out.push_back({{"code", code}, {"label", label}});
  }
  return out;
}

// Formulations named by the dose rules of the profile (all numbers from the knowledge).
struct FormulationParam {
  std::string_view rule, drug, value, name;
};
constexpr FormulationParam kFormulations[] = {
    {"DOSE-SIR-1", "sirolimus", "solution", "solution_name"},
    {"DOSE-SIR-1", "sirolimus", "dilution", "dilution_name"},
    {"DOSE-PRED-1", "prednisolone", "solution", "solution_name"},
    {"DOSE-VCR-1", "vincristine", "concentration", "concentration_name"},
};

Json formulations_of(std::string_view drug, const knowledge::Profile& profile) {
  Json out = Json::array();
  for (const FormulationParam& f : kFormulations) {
    if (f.drug != drug || !profile.has_rule(f.rule)) continue;
    const auto& rule = profile.rule(f.rule);
    auto value = rule.params.find(f.value);
    auto name = rule.params.find(f.name);
    if (value == rule.params.end() || name == rule.params.end()) continue;
    const auto* mg_per_ml = std::get_if<double>(&value->second);
    const auto* text = std::get_if<std::string>(&name->second);
    if (mg_per_ml == nullptr || text == nullptr) continue;
    out.push_back({{"name", *text}, {"concentration_mg_per_mL", *mg_per_ml}, {"rule_id", f.rule}});
  }
  if (drug == "sirolimus" && profile.has_rule("DOSE-SIR-1")) {
    const auto& rule = profile.rule("DOSE-SIR-1");
    auto tablets = rule.params.find("tablets");
    if (tablets != rule.params.end()) {
      if (const auto* mg = std::get_if<std::vector<double>>(&tablets->second)) {
        for (double t : *mg) {
          Json tab = Json::object();
          tab["name"] = "tablet";
          tab["tablet_mg"] = t;
          tab["rule_id"] = "DOSE-SIR-1";
          out.push_back(std::move(tab));
        }
      }
    }
  }
  return out;
}

Json drugs(const knowledge::Knowledge& k, const knowledge::Profile& profile) {
  std::map<std::string, std::vector<std::string>> rxnorm;  // drug -> codes
  for (const auto& [code, drug] : k.codes.rxnorm_to_drug) rxnorm[drug].push_back(code);
  std::map<std::string, std::vector<std::string>> names;
  for (const auto& [name, drug] : k.codes.drug_names) names[drug].push_back(name);
  std::vector<std::string> ids;
  for (const auto& [id, d] : k.drugs) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  Json out = Json::array();
  for (const std::string& id : ids) {
    const knowledge::Drug& d = k.drugs.find(id)->second;
    auto& codes = rxnorm[id];
    std::sort(codes.begin(), codes.end());
    Json j = Json::object();
    j["id"] = id;
    j["label"] = names[id].empty() ? id : names[id].front();
    j["rxnorm"] = codes.empty() ? Json(nullptr) : Json(codes.front());
    j["rxnorm_codes"] = codes;
    j["names"] = names[id];
    j["classes"] = d.classes;
    j["kmp_therapy"] = k.drug_is(id, "kmp_therapy");
    j["formulations"] = formulations_of(id, profile);
    out.push_back(std::move(j));
  }
  return out;
}

Json routes(const knowledge::Codes& codes) {
  std::map<std::string, Json> by_name;
  for (const auto& [key, name] : codes.route_codes) {
    const auto bar = key.find('|');
    if (bar == std::string::npos || by_name.count(name)) continue;
    by_name[name] = {{"name", name}, {"system", key.substr(0, bar)}, {"code", key.substr(bar + 1)}};
  }
  Json out = Json::array();
  for (auto& [name, j] : by_name) out.push_back(std::move(j));
  return out;
}

}  // namespace

http::Response get_inputs(const Ctx& c) {
  const auto& codes = c.k.codes;
  Json body = Json::object();
  body["knowledge_version"] = c.k.version;
  body["profile"] = c.default_profile.id;
  body["systems"] = {{"loinc", codes.loinc_system},
                     {"ucum", codes.ucum_system},
                     {"rxnorm", codes.rxnorm_system},
                     {"finding", codes.product_base + "finding"},
                     {"diagnosis", codes.product_base + "diagnosis"},
                     {"procedure", codes.product_base + "procedure"}};
  body["analytes"] = analytes(codes, c.k.inputs);
  body["findings"] = findings(codes, c.k.inputs, c.default_profile);
  body["diagnoses"] = diagnoses(codes);
  body["verification_statuses"] = {"confirmed", "provisional", "unconfirmed"};
  body["drugs"] = drugs(c.k, c.default_profile);
  body["routes"] = routes(codes);
  body["medication_resources"] = {"MedicationStatement", "MedicationRequest",
                                  "MedicationAdministration"};
  body["procedures"] = options(c.k.inputs.procedures);
  body["indications"] = options(c.k.inputs.indications);
  Json profiles = Json::array();
  for (const auto& [id, p] : c.k.profiles) {
    profiles.push_back({{"id", id}, {"description", p.description}});
  }
  body["profiles"] = std::move(profiles);
  // The sources the report's rule findings cite, for the evidence list.
  Json sources = Json::array();
  for (const auto& src : c.k.sources) {
    sources.push_back(
        {{"id", src.id}, {"citation", src.citation}, {"url", src.url}, {"evidence", src.evidence}});
  }
  body["sources"] = std::move(sources);
  http::Response r = json_body(200, body);
  r.set_header("Cache-Control", "no-cache");
  return r;
}

}  // namespace khe::api::detail
