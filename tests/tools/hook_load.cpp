// hook_load EXAMPLES_DIR OUT_DIR URL TOKENS [es384|rs384]: the inputs of the load test
// (`make bench-http`, bench/http/run.sh) — synthetic only.
//   OUT_DIR/request.json  a patient-view request for khe-kmp whose prefetch holds example 1
//                         (severe KMP at diagnosis) plus a fortnight of 6-hourly blood
//                         counts and coagulation tests before it: about 100 Observations,
//                         dated relative to now
//   OUT_DIR/tokens.txt    TOKENS lines "Bearer <JWT>", each with its own jti, audience
//                         URL/cds-services/khe-kmp, valid for the next 55 minutes
//   OUT_DIR/jwks.json     the public key that signed them (give it to khe serve --jwks)
// Issuer: https://ehr.example.org.
#include <chrono>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "core/time.h"
#include "support/process.h"
#include "support/token_forge.h"

namespace {

using nlohmann::json;
namespace forge = khe::auth::testing;

json observation(const std::string& id, const std::string& patient, const char* loinc, double value,
                 const char* ucum, khe::Instant at) {
  return {{"resourceType", "Observation"},
          {"id", id},
          {"status", "final"},
          {"code", {{"coding", json::array({{{"system", "http://loinc.org"}, {"code", loinc}}})}}},
          {"subject", {{"reference", "Patient/" + patient}}},
          {"effectiveDateTime", khe::format_instant(at)},
          {"valueQuantity",
           {{"value", value},
            {"unit", ucum},
            {"system", "http://unitsofmeasure.org"},
            {"code", ucum}}}};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5 || argc > 6) {
    std::cerr << "usage: hook_load EXAMPLES_DIR OUT_DIR URL TOKENS [es384|rs384]\n";
    return 2;
  }
  const std::string examples = argv[1], out = argv[2], url = argv[3];
  const int tokens = std::stoi(argv[4]);
  const bool rsa = argc == 6 && std::string(argv[5]) == "rs384";
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  const khe::Instant as_of(now.time_since_epoch());

  // Example 1 with its dates moved to now (rebase_dates, beside this tool).
  const std::string self = argv[0];
  const std::string rebase = self.substr(0, self.rfind('/') + 1) + "rebase_dates";
  const auto r = khe::test_support::run_binary_path(
      rebase,
      {examples + "/ex01-khe-severe-kmp.json", "2026-08-03T12:00:00Z", khe::format_instant(as_of)});
  if (r.status != 0) {
    std::cerr << "error: rebase_dates failed: " << r.err;
    return 1;
  }
  json bundle = json::parse(r.out);
  std::string patient_id;
  json patient;
  for (const auto& e : bundle["entry"]) {
    if (e["resource"]["resourceType"] == "Patient") {
      patient = e["resource"];
      patient_id = patient["id"];
    }
  }
  json conditions = json::array(), observations = json::array();
  for (auto e : bundle["entry"]) {
    json& res = e["resource"];
    if (res.contains("subject")) res["subject"]["reference"] = "Patient/" + patient_id;
    if (res["resourceType"] == "Condition") conditions.push_back({{"resource", res}});
    if (res["resourceType"] == "Observation") observations.push_back({{"resource", res}});
  }
  // A fortnight of 6-hourly counts before the example's own (platelets falling, fibrinogen
  // falling, D-dimer rising): 4 analytes x 23 draws.
  for (int i = 0; i < 23; ++i) {
    const khe::Instant at = as_of - khe::hours(24 * 14) + khe::hours(6 * i) - khe::hours(48);
    const std::string n = std::to_string(i);
    const double f = static_cast<double>(i) / 22.0;
    observations.push_back({{"resource", observation("plt-" + n, patient_id, "777-3",
                                                     150.0 - 110.0 * f, "10*9/L", at)}});
    observations.push_back(
        {{"resource", observation("fib-" + n, patient_id, "3255-7", 2.4 - 1.5 * f, "g/L", at)}});
    observations.push_back({{"resource", observation("ddi-" + n, patient_id, "48065-7",
                                                     0.8 + 6.0 * f, "mg/L{FEU}", at)}});
    observations.push_back(
        {{"resource", observation("hgb-" + n, patient_id, "718-7", 11.5 - 2.0 * f, "g/dL", at)}});
  }
  auto searchset = [](const json& entries) {
    return json{{"resourceType", "Bundle"},
                {"type", "searchset"},
                {"total", entries.size()},
                {"entry", entries}};
  };
  const json empty = searchset(json::array());
  json request{{"hook", "patient-view"},
               {"hookInstance", "5b3e2f1a-0c1d-4e5f-8a9b-0c1d2e3f4a5b"},
               {"context", {{"userId", "Practitioner/load-1"}, {"patientId", patient_id}}},
               {"prefetch",
                {{"patient", patient},
                 {"conditions", searchset(conditions)},
                 {"observations", searchset(observations)},
                 {"medication-requests", empty},
                 {"medication-statements", empty},
                 {"medication-administrations", empty},
                 {"procedures", empty}}}};
  std::ofstream(out + "/request.json") << request.dump();

  const forge::TestKey key = rsa ? forge::make_rsa_key("load-key") : forge::make_ec_key("load-key");
  std::ofstream(out + "/jwks.json") << forge::jwks_text(json::array({forge::public_jwk(key)}));
  std::ofstream lines(out + "/tokens.txt");
  const std::int64_t t = now.time_since_epoch().count();
  for (int i = 0; i < tokens; ++i) {
    const json claims{{"iss", "https://ehr.example.org"},
                      {"sub", "load-client"},
                      {"aud", url + "/cds-services/khe-kmp"},
                      {"iat", t - 5},
                      {"exp", t + 3300},
                      {"jti", "load-" + std::to_string(t) + "-" + std::to_string(i)}};
    lines << "Bearer " << forge::make_jwt(forge::header_for(key), claims, key) << "\n";
  }
  std::cout << observations.size() << " observations; " << tokens << " tokens ("
            << (rsa ? "RS384" : "ES384") << ")\n";
  return 0;
}
