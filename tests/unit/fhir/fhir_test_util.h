// Helpers shared by the FHIR reader tests: the code fixture, small resource builders and
// lookups of facts and issues.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"
#include "fhir/codes_fixture.h"
#include "fhir/reader.h"

namespace khe::test {

inline const knowledge::Codes& codes() {
  static const knowledge::Codes c = make_test_codes();
  return c;
}

inline Instant at(std::string_view text) { return parse_fhir_datetime(text)->start; }

inline fhir::ReadOptions options(std::string_view as_of = "2026-08-10T12:00:00Z") {
  fhir::ReadOptions o;
  o.as_of = at(as_of);
  return o;
}

inline fhir::ReadOutcome read(std::string_view bytes, const fhir::ReadOptions& o = options()) {
  return fhir::read(bytes, codes(), o);
}

inline std::string example(const std::string& name) {
  std::ifstream in(std::string(KHE_SHARED_DIR) + "/examples/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline constexpr const char* kPatient =
    R"({"resourceType":"Patient","id":"p1","gender":"female","birthDate":"2026-01-01"})";

// A collection Bundle: the Patient p1 first (entry[0]), then `resources`.
inline std::string bundle(const std::vector<std::string>& resources,
                          const std::string& patient = kPatient) {
  std::string s =
      R"({"resourceType":"Bundle","type":"collection","entry":[{"fullUrl":"urn:uuid:p1","resource":)" +
      patient + "}";
  for (const std::string& r : resources) s += ",{\"resource\":" + r + "}";
  return s + "]}";
}

// An Observation of Patient/p1 with a LOINC (or other) code and the given value member(s).
inline std::string observation(
    const std::string& code, const std::string& value_members, const std::string& id = "o1",
    const std::string& extra = R"("effectiveDateTime":"2026-08-01T09:00:00Z")",
    const std::string& system = "http://loinc.org") {
  return R"({"resourceType":"Observation","id":")" + id +
         R"(","status":"final","subject":{"reference":"Patient/p1"},"code":{"coding":[{"system":")" +
         system + R"(","code":")" + code + R"("}]},)" + extra +
         (value_members.empty() ? "" : "," + value_members) + "}";
}

inline std::string ucum(const std::string& value, const std::string& code) {
  return R"("valueQuantity":{"value":)" + value +
         R"(,"system":"http://unitsofmeasure.org","code":")" + code + R"("})";
}

inline const model::DataIssue* find_issue(const model::Record& r, std::string_view code) {
  for (const auto& i : r.issues)
    if (i.code == code) return &i;
  return nullptr;
}

inline std::vector<const model::LabResult*> labs_of(const model::Record& r, model::Analyte a) {
  std::vector<const model::LabResult*> out;
  for (const auto& l : r.labs)
    if (l.analyte == a) out.push_back(&l);
  return out;
}

inline std::string all_problems(const fhir::ReadOutcome& o) {
  std::string s;
  for (const auto& p : o.problems) s += p.to_string() + "\n";
  return s;
}

inline std::string all_issues(const model::Record& r) {
  std::string s;
  for (const auto& i : r.issues)
    s += i.code + " " + i.source.resource + " " + i.source.path + ": " + i.message + "\n";
  return s;
}

// Reads a bundle that must be usable.
inline model::Record read_ok(std::string_view bytes, const fhir::ReadOptions& o = options()) {
  fhir::ReadOutcome out = read(bytes, o);
  EXPECT_TRUE(out.record.has_value()) << all_problems(out);
  EXPECT_TRUE(out.problems.empty()) << all_problems(out);
  return out.record ? *out.record : model::Record{};
}

}  // namespace khe::test
