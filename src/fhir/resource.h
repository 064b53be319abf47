// What every resource reader shares: the resource being read, where it sits in the input
// (for SourceRef paths), the code tables, and the collector its facts go to.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/time.h"
#include "fhir/collector.h"
#include "fhir/json.h"
#include "fhir/quantity.h"
#include "knowledge/codes.h"
#include "model/record.h"

namespace khe::fhir {

struct Ctx {
  const knowledge::Codes& codes;
  Collector& out;
  Converter& units;        // memoised unit conversions, shared by the whole read() call
  Element json;            // the resource object
  std::string_view label;  // "Observation/abc" or "Observation[entry 3]"
  std::string_view base;   // path of the resource: "entry[3].resource", "line 4" or ""
  std::string_view sep;    // between base and a relative path: "." or ": "

  // Full JSON path of `rel` (a path relative to the resource, "valueQuantity.value"). Built
  // with one exactly sized allocation: every fact carries one.
  std::string path(std::string_view rel) const {
    const bool has_sep = !base.empty() && !rel.empty();
    std::string p;
    p.reserve(base.size() + (has_sep ? sep.size() : 0) + rel.size());
    p += base;
    if (has_sep) p += sep;
    p += rel;
    return p;
  }
  model::SourceRef source(std::string_view rel) const { return {std::string(label), path(rel)}; }

  void issue(std::string code, std::string_view rel, std::string message,
             model::IssueSeverity severity = model::IssueSeverity::warning) const {
    out.add(model::DataIssue{std::move(code), severity, source(rel), std::move(message)});
  }
  // A refused laboratory value: the issue also records the analyte and its time.
  void lab_issue(std::string code, std::string_view rel, std::string message,
                 model::Analyte analyte, Instant time) const {
    model::DataIssue i{std::move(code), model::IssueSeverity::warning, source(rel),
                       std::move(message)};
    i.analyte = analyte;
    i.time = time;
    out.add(std::move(i));
  }
  void info(std::string code, std::string_view rel, std::string message) const {
    issue(std::move(code), rel, std::move(message), model::IssueSeverity::info);
  }

  // True when `system` is the product code system `kind` ("finding", "procedure", ...).
  bool is_product(std::string_view system, std::string_view kind) const {
    return system.size() == codes.product_base.size() + kind.size() &&
           system.starts_with(codes.product_base) && system.ends_with(kind);
  }
};

// Reads a FHIR date/dateTime/instant at `rel`. Usable only when precise to the day at least:
// "2026-05" could be any day of May, and freshness rules would silently count it as May 1st.
// Reports and returns nullopt otherwise.
std::optional<Instant> read_time(const Ctx& c, Element value, std::string_view rel);
// The same for an optional member `key` of `obj` (rel is the path of `obj`); absent -> nullopt
// without an issue.
std::optional<Instant> read_time_member(const Ctx& c, Element obj, std::string_view rel,
                                        std::string_view key);

void read_observation(const Ctx& c);
void read_condition(const Ctx& c);
void read_procedure(const Ctx& c);
// MedicationRequest, MedicationStatement and MedicationAdministration.
void read_medication(const Ctx& c, std::string_view type);

}  // namespace khe::fhir
