// Helpers of the CDS Hooks tests: the knowledge, the example patients posted as prefetch,
// and a fake FHIR server.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cds/cds.h"
#include "engine/evaluate.h"
#include "knowledge/knowledge.h"

namespace khe::cds::testing {

using json = nlohmann::json;

inline const knowledge::Knowledge& kb() {
  static const knowledge::Knowledge k = [] {
    auto r = knowledge::load_default(engine::parameter_specs());
    if (!r) throw std::runtime_error(r.error().to_string());
    return std::move(r).value();
  }();
  return k;
}

inline const knowledge::Profile& profile() { return *kb().profile("default"); }

constexpr const char* kPublicUrl = "https://khe.example.org";
constexpr const char* kFhirServer = "https://ehr.example.org/fhir";
constexpr const char* kHookInstance = "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea";

inline const Services& services() {
  static const Services s(kb(), profile(), std::string(kPublicUrl) + "/");
  return s;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

inline json example(const std::string& file) {
  return json::parse(read_file(std::string(KHE_SHARED_DIR) + "/examples/" + file));
}

inline json expected_examples() {
  return json::parse(read_file(std::string(KHE_SHARED_DIR) + "/examples/expected.json"));
}

inline Instant instant(const std::string& text) { return parse_fhir_datetime(text)->start; }

// The prefetch key of each resource type (as in knowledge/cds.json).
inline const std::map<std::string, std::string>& key_of_type() {
  static const std::map<std::string, std::string> m = {
      {"Condition", "conditions"},
      {"Observation", "observations"},
      {"MedicationRequest", "medication-requests"},
      {"MedicationStatement", "medication-statements"},
      {"MedicationAdministration", "medication-administrations"},
      {"Procedure", "procedures"}};
  return m;
}

// An example Bundle as a CDS Client would prefetch it: the Patient by itself, every other
// resource in the searchset Bundle of its key, subjects as "Patient/<id>". Keys with no
// resources are null (CDS Hooks: the client has no data for them).
struct Patient {
  std::string id;
  json prefetch;
};

inline void rewrite_subjects(json& j, const std::string& from, const std::string& to) {
  if (j.is_object()) {
    for (auto& [k, v] : j.items()) {
      if (k == "reference" && v.is_string() && v.get<std::string>() == from) v = to;
      rewrite_subjects(v, from, to);
    }
  } else if (j.is_array()) {
    for (auto& v : j) rewrite_subjects(v, from, to);
  }
}

inline Patient as_prefetch(json bundle) {
  Patient p;
  std::string full_url;
  for (const auto& e : bundle["entry"]) {
    if (e["resource"]["resourceType"] == "Patient") {
      p.id = e["resource"]["id"];
      full_url = e.value("fullUrl", "");
    }
  }
  rewrite_subjects(bundle, full_url, "Patient/" + p.id);
  p.prefetch = json::object();
  for (const auto& [type, key] : key_of_type()) p.prefetch[key] = nullptr;
  for (const auto& e : bundle["entry"]) {
    const json& r = e["resource"];
    const std::string type = r["resourceType"];
    if (type == "Patient") {
      p.prefetch["patient"] = r;
      continue;
    }
    json& b = p.prefetch[key_of_type().at(type)];
    if (b.is_null())
      b = {{"resourceType", "Bundle"}, {"type", "searchset"}, {"entry", json::array()}};
    b["entry"].push_back(
        {{"fullUrl", std::string(kFhirServer) + "/" + type + "/" + r.value("id", "x")},
         {"resource", r}});
  }
  return p;
}

inline json request(const std::string& hook, const std::string& patient_id) {
  return {{"hook", hook},
          {"hookInstance", kHookInstance},
          {"context", {{"userId", "Practitioner/example"}, {"patientId", patient_id}}}};
}

inline json patient_view(const Patient& p) {
  json r = request("patient-view", p.id);
  r["prefetch"] = p.prefetch;
  return r;
}

// A fake FHIR server: URL -> body; every call is recorded.
class FakeFetcher : public FhirFetcher {
 public:
  std::map<std::string, std::string> pages;
  std::vector<std::pair<std::string, std::string>> calls;  // url, token

  Result<std::string> get(const std::string& url, const std::string& token) override {
    calls.emplace_back(url, token);
    auto it = pages.find(url);
    if (it == pages.end()) return Error{"fetch", "HTTP 404"};
    return it->second;
  }
};

// The URL the services fetch for a prefetch key of `patient_id` ('|' percent-encoded).
inline std::string fetch_url(const std::string& key, const std::string& patient_id) {
  for (const auto& t : services().prefetch()) {
    if (t.key != key) continue;
    std::string q = t.query;
    const std::string token = "{{context.patientId}}";
    q.replace(q.find(token), token.size(), patient_id);
    std::string out = std::string(kFhirServer) + "/";
    for (char c : q) out += c == '|' ? std::string("%7C") : std::string(1, c);
    return out;
  }
  return {};
}

// Walks a JSON value: no null and no "" anywhere (CDS Hooks: omit empty optional fields).
inline void expect_no_empty_values(const json& j, const std::string& path = "$") {
  if (j.is_null()) ADD_FAILURE() << path << " is null";
  if (j.is_string() && j.get<std::string>().empty()) ADD_FAILURE() << path << " is \"\"";
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) expect_no_empty_values(v, path + "." + k);
  }
  if (j.is_array()) {
    for (std::size_t i = 0; i < j.size(); ++i) {
      expect_no_empty_values(j[i], path + "[" + std::to_string(i) + "]");
    }
  }
}

inline std::size_t code_points(const std::string& s) {
  std::size_t n = 0;
  for (char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// Dose checks against example 1 (ex01-khe-severe-kmp).
// ex01: sirolimus 0.24 mg every 12 h and prednisolone 11.2 mg every 24 h are computed.
inline const Patient& ex01() {
  static const Patient p = as_prefetch(example("ex01-khe-severe-kmp.json"));
  return p;
}

inline json order(const std::string& id, const std::string& rxnorm, const std::string& text,
                  double value, const std::string& unit, double period_h = 12) {
  return {
      {"resourceType", "MedicationRequest"},
      {"id", id},
      {"status", "draft"},
      {"intent", "order"},
      {"subject", {{"reference", "Patient/" + ex01().id}}},
      {"medicationCodeableConcept",
       {{"coding", {{{"system", "http://www.nlm.nih.gov/research/umls/rxnorm"}, {"code", rxnorm}}}},
        {"text", text}}},
      {"dosageInstruction",
       {{{"text", text + " " + std::to_string(value) + " " + unit},
         {"timing", {{"repeat", {{"frequency", 1}, {"period", period_h}, {"periodUnit", "h"}}}}},
         {"doseAndRate",
          {{{"doseQuantity",
             {{"value", value},
              {"unit", unit},
              {"system", "http://unitsofmeasure.org"},
              {"code", unit}}}}}}}}}};
}

inline json sirolimus(double mg, const std::string& id = "draft-sir") {
  return order(id, "35302", "sirolimus oral solution", mg, "mg");
}

// A dose-check hook request (order-select or order-sign) for ex01 with `orders` drafted.
inline json dose_hook(const std::string& name, const std::vector<json>& orders,
                      const std::vector<std::string>& selections = {}) {
  json r = request(name, ex01().id);
  r["prefetch"] = ex01().prefetch;
  json bundle = {{"resourceType", "Bundle"}, {"type", "collection"}, {"entry", json::array()}};
  for (const auto& o : orders) bundle["entry"].push_back({{"resource", o}});
  r["context"]["draftOrders"] = bundle;
  if (name == "order-select") r["context"]["selections"] = selections;
  return r;
}

}  // namespace khe::cds::testing
