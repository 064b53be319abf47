// The API's tests run in-process: a fresh Store in a temp folder, the default knowledge,
// and Api::handle called directly. Every call checks that the status it observes is
// documented in openapi.json for the route (method, path template).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>

#include "api/api.h"
#include "core/time.h"
#include "engine/evaluate.h"
#include "http/message.h"
#include "knowledge/knowledge.h"
#include "store/audit.h"
#include "store/store.h"
#include "support/process.h"

namespace khe::api::testing {

using nlohmann::json;

inline std::string shared_dir() { return KHE_SHARED_DIR; }
inline std::string example(const std::string& name) {
  return test_support::read_file(shared_dir() + "/examples/" + name);
}

// 2026-08-03T12:00:00Z plus `seconds`.
inline Instant at(std::int64_t seconds = 0) {
  return parse_fhir_datetime("2026-08-03T12:00:00Z").value().start + Seconds(seconds);
}

inline const knowledge::Knowledge& default_knowledge() {
  static const knowledge::Knowledge k = [] {
    auto loaded = knowledge::load_default(engine::parameter_specs());
    if (!loaded) std::abort();
    return std::move(loaded).value();
  }();
  return k;
}

// The status codes openapi.json documents for (method, path template).
inline std::set<int> documented_statuses(const std::string& method, const std::string& path) {
  static const json doc = json::parse(Api::openapi_json());
  std::set<int> out;
  std::string m = method;
  for (char& c : m) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!doc["paths"].contains(path) || !doc["paths"][path].contains(m)) return out;
  for (const auto& [code, _] : doc["paths"][path][m]["responses"].items()) {
    out.insert(std::stoi(code));
  }
  return out;
}

inline http::Request request(const std::string& method, const std::string& target,
                             const std::string& body = "",
                             const std::string& content_type = "application/fhir+json") {
  http::Request r;
  r.method = method;
  r.target = target;
  auto t = http::parse_target(target);
  if (t) {
    r.path = t->path;
    r.query = t->query;
  } else {
    r.path = target;
  }
  if (!content_type.empty()) r.headers.push_back({"Content-Type", content_type});
  r.body = body;
  return r;
}

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test_support::make_temp_dir("api");
    auto s = store::Store::open(dir_ + "/khe.db");
    ASSERT_TRUE(s.ok()) << s.error().to_string();
    store_ = std::move(s).value();
    const auto& k = default_knowledge();
    api_ = std::make_unique<Api>(*store_, k, *k.profile("default"));
  }

  // Calls the API and checks the status is documented for the route it matched.
  http::Response call(const http::Request& r, Instant now = at()) {
    http::Response out = api_->handle(r, now, "test-caller");
    const std::string route = Api::route_of(r.method, r.path);
    if (!route.empty()) {
      const auto documented = documented_statuses(r.method, route);
      EXPECT_TRUE(documented.count(out.status))
          << r.method << " " << route << " answered " << out.status
          << ", which openapi.json does not document";
    }
    return out;
  }
  http::Response get(const std::string& target, Instant now = at()) {
    return call(request("GET", target, "", ""), now);
  }
  http::Response post(const std::string& target, const std::string& body,
                      const std::string& content_type = "application/fhir+json",
                      Instant now = at()) {
    return call(request("POST", target, body, content_type), now);
  }
  http::Response del(const std::string& target) { return call(request("DELETE", target, "", "")); }

  // A Patient born `born` ("2026-06-01"), created through the API.
  std::string create(const std::string& id, const std::string& born = "2026-06-01") {
    const json p = {
        {"resourceType", "Patient"}, {"id", id}, {"birthDate", born}, {"gender", "female"}};
    const auto r = post("/api/patients", p.dump());
    EXPECT_EQ(r.status, 201) << r.body;
    return id;
  }

  std::int64_t audit_count() {
    auto entries = store_->audit_entries(0, 100000);
    EXPECT_TRUE(entries.ok());
    return entries.ok() ? static_cast<std::int64_t>(entries->size()) : -1;
  }
  std::vector<store::AuditEntry> audits() {
    auto entries = store_->audit_entries(0, 100000);
    EXPECT_TRUE(entries.ok());
    return entries.ok() ? *entries : std::vector<store::AuditEntry>{};
  }
  std::size_t resource_count(const std::string& id) {
    auto r = store_->patient_resources(id);
    return r.ok() ? r->size() : 0;
  }

  std::string dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Api> api_;
};

// FHIR resources for the tests (synthetic).
inline json lab(const std::string& loinc, double value, const std::string& unit,
                const std::string& time = "2026-08-03T09:00:00Z") {
  return {{"resourceType", "Observation"},
          {"status", "final"},
          {"code", {{"coding", {{{"system", "http://loinc.org"}, {"code", loinc}}}}}},
          {"effectiveDateTime", time},
          {"valueQuantity",
           {{"value", value}, {"system", "http://unitsofmeasure.org"}, {"code", unit}}}};
}
inline json platelets(double value, const std::string& time = "2026-08-03T09:00:00Z") {
  return lab("777-3", value, "10*9/L", time);
}
inline json diagnosis(const std::string& code = "khe") {
  return {{"resourceType", "Condition"},
          {"verificationStatus",
           {{"coding",
             {{{"system", "http://terminology.hl7.org/CodeSystem/condition-ver-status"},
               {"code", "confirmed"}}}}}},
          {"code",
           {{"coding",
             {{{"system", "http://khe-cds.org/fhir/CodeSystem/diagnosis"}, {"code", code}}}}}},
          {"recordedDate", "2026-08-01"}};
}
inline json finding_bool(const std::string& code, bool value) {
  return {
      {"resourceType", "Observation"},
      {"status", "final"},
      {"code",
       {{"coding", {{{"system", "http://khe-cds.org/fhir/CodeSystem/finding"}, {"code", code}}}}}},
      {"effectiveDateTime", "2026-08-02T09:00:00Z"},
      {"valueBoolean", value}};
}
inline json sirolimus_statement() {
  return {{"resourceType", "MedicationStatement"},
          {"status", "active"},
          {"medicationCodeableConcept",
           {{"coding",
             {{{"system", "http://www.nlm.nih.gov/research/umls/rxnorm"}, {"code", "35302"}}}}}},
          {"effectivePeriod", {{"start", "2026-08-01T08:00:00Z"}}},
          {"dosage",
           {{{"timing", {{"repeat", {{"frequency", 1}, {"period", 12}, {"periodUnit", "h"}}}}},
             {"doseAndRate",
              {{{"doseQuantity",
                 {{"value", 0.25},
                  {"unit", "mg"},
                  {"system", "http://unitsofmeasure.org"},
                  {"code", "mg"}}}}}}}}}};
}
inline json transfusion() {
  return {{"resourceType", "Procedure"},
          {"status", "completed"},
          {"code",
           {{"coding",
             {{{"system", "http://khe-cds.org/fhir/CodeSystem/procedure"},
               {"code", "platelet-transfusion"}}}}}},
          {"performedDateTime", "2026-08-02T10:00:00Z"},
          {"reasonCode",
           {{{"coding",
              {{{"system", "http://khe-cds.org/fhir/CodeSystem/procedure"},
                {"code", "indication-active-bleeding"}}}}}}}};
}

inline json parse(const http::Response& r) { return json::parse(r.body, nullptr, false); }

}  // namespace khe::api::testing
