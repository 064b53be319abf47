// Observation -> LabResult (LOINC analytes and quantity findings) or Finding (product
// `finding` codes with a boolean or coded value, or the CTCAE grade of an `ae-` finding as
// valueInteger). Panels' components are read like observations of their own (blood
// pressure usually arrives that way).
#include <cstdint>
#include <optional>

#include "fhir/quantity.h"
#include "fhir/resource.h"

namespace khe::fhir {
namespace {

struct ObservationCode {
  std::optional<model::Analyte> analyte;  // LOINC analyte or quantity finding
  std::string_view finding;               // product finding code (when not a quantity)
};

// The first LOINC coding the knowledge maps wins; else the first product finding coding.
// Codes we do not know leave both empty: such observations are not ours to read.
ObservationCode classify(const Ctx& c, Element holder) {
  ObservationCode out;
  std::string_view finding;
  auto code = member(holder, "code");
  if (!code) return out;
  for_each(*code, "coding", [&](Element coding, std::size_t) {
    if (out.analyte) return;
    std::string_view system = str(coding, "system");
    std::string_view value = str(coding, "code");
    if (value.empty()) return;
    if (system == c.codes.loinc_system) {
      auto it = c.codes.loinc_to_analyte.find(value);
      if (it != c.codes.loinc_to_analyte.end()) out.analyte = it->second;
    } else if (finding.empty() && c.is_product(system, "finding")) {
      finding = value;
    }
  });
  if (out.analyte || finding.empty()) return out;
  auto q = c.codes.quantity_findings.find(finding);
  if (q != c.codes.quantity_findings.end())
    out.analyte = q->second;
  else
    out.finding = finding;
  return out;
}

// effective[x], else issued. A present but unreadable time is not replaced by a later one:
// `issued` is when the result was released, not when the sample was taken.
std::optional<Instant> observation_time(const Ctx& c) {
  if (auto v = member(c.json, "effectiveDateTime")) return read_time(c, *v, "effectiveDateTime");
  if (auto v = member(c.json, "effectiveInstant")) return read_time(c, *v, "effectiveInstant");
  if (auto p = member(c.json, "effectivePeriod"); p && member(*p, "start"))
    return read_time_member(c, *p, "effectivePeriod", "start");
  if (auto v = member(c.json, "issued")) return read_time(c, *v, "issued");
  c.issue("time_missing", "",
          "Observation has no effectiveDateTime, effectivePeriod.start or issued; not used");
  return std::nullopt;
}

bool has_other_value(Element holder) {
  for (std::string_view key :
       {"valueString", "valueInteger", "valueCodeableConcept", "valueBoolean", "valueRange",
        "valueRatio", "valueSampledData", "valueTime", "valueDateTime", "valuePeriod"})
    if (member(holder, key)) return true;
  return false;
}

// referenceRange[0].low/.high in the canonical unit. Either bound unreadable drops the range
// (noted): a half-understood range is worse than none, and the value itself is still used.
void read_reference_range(const Ctx& c, Element holder, std::string_view rel,
                          const knowledge::AnalyteDef& def, model::LabResult& lab) {
  auto range = first(holder, "referenceRange");
  if (!range) return;
  std::string range_rel = join(rel, "referenceRange[0]");
  std::optional<model::Measured> bounds[2];
  const char* keys[2] = {"low", "high"};
  for (int i = 0; i < 2; ++i) {
    auto q = member(*range, keys[i]);
    if (!q) continue;
    std::string q_rel = join(range_rel, keys[i]);
    RawQuantity raw;
    model::Measured m;
    Rejection r = read_raw_quantity(*q, q_rel, c.codes, false, &raw);
    if (r.ok()) r = to_canonical(raw, q_rel, def, c.codes, c.units, false, &m);
    if (!r.ok()) {
      c.info("reference_range_dropped", r.rel, "reference range not used: " + r.message);
      return;
    }
    bounds[i] = m;
  }
  lab.ref_low = bounds[0];
  lab.ref_high = bounds[1];
}

// Reads the valueQuantity of `holder` (the resource, or one of its components at `rel`).
void read_lab(const Ctx& c, Element holder, std::string_view rel, model::Analyte analyte,
              Instant time) {
  if (static_cast<std::size_t>(analyte) >= c.codes.analytes.size()) return;  // knowledge lacks it
  const knowledge::AnalyteDef& def = c.codes.analyte(analyte);
  std::string q_rel = join(rel, "valueQuantity");
  auto q = member(holder, "valueQuantity");
  if (!q) {
    if (has_other_value(holder))
      c.lab_issue("value_rejected", rel,
                  "a value other than valueQuantity cannot be read for " +
                      std::string(model::analyte_name(analyte)) + "; not used",
                  analyte, time);
    else
      c.info("value_missing", rel, "no valueQuantity (e.g. dataAbsentReason); nothing to read");
    return;
  }
  RawQuantity raw;
  model::Measured value;
  Rejection r = read_raw_quantity(*q, q_rel, c.codes, true, &raw);
  if (r.ok()) r = to_canonical(raw, q_rel, def, c.codes, c.units, true, &value);
  if (!r.ok()) {
    c.lab_issue(r.code, r.rel, r.message, analyte, time);
    return;
  }
  model::LabResult lab{analyte, value, time, std::nullopt, std::nullopt, c.source(q_rel)};
  read_reference_range(c, holder, rel, def, lab);
  c.out.add(std::move(lab));
}

void read_finding(const Ctx& c, std::string_view code, Instant time) {
  model::Finding f;
  f.code = code;
  f.time = time;
  if (auto b = member(c.json, "valueBoolean")) {
    bool flag = false;
    if (b->get(flag) != simdjson::SUCCESS) {
      c.issue("value_rejected", "valueBoolean", "valueBoolean is not true/false; not used");
      return;
    }
    f.flag = flag;
    f.source = c.source("valueBoolean");
  } else if (auto cc = member(c.json, "valueCodeableConcept")) {
    std::string_view value;
    for_each(*cc, "coding", [&](Element coding, std::size_t) {
      if (value.empty() && c.is_product(str(coding, "system"), "finding"))
        value = str(coding, "code");
    });
    if (value.empty()) {
      c.issue(
          "value_unrecognised", "valueCodeableConcept",
          "finding '" + std::string(code) + "' has no product finding code as its value; not used");
      return;
    }
    f.value_code = value;
    f.source = c.source("valueCodeableConcept");
  } else if (auto n = member(c.json, "valueInteger"); n && code.starts_with("ae-")) {
    // The CTCAE grade of an adverse event the team recorded: 1..5, nothing else.
    std::int64_t grade = 0;
    if (n->get(grade) != simdjson::SUCCESS || grade < 1 || grade > 5) {
      c.issue("value_rejected", "valueInteger",
              "finding '" + std::string(code) +
                  "' needs a CTCAE grade from 1 to 5 as valueInteger; not used");
      return;
    }
    f.grade = static_cast<int>(grade);
    f.source = c.source("valueInteger");
  } else {
    c.issue("value_missing", "",
            "finding '" + std::string(code) + "' has no valueBoolean" +
                (code.starts_with("ae-") ? ", valueInteger" : "") +
                " or valueCodeableConcept; not used");
    return;
  }
  c.out.add(std::move(f));
}

bool ignored_status(const Ctx& c) {
  std::string_view status = str(c.json, "status");
  if (status != "entered-in-error" && status != "cancelled") return false;
  c.info("status_ignored", "status", "status '" + std::string(status) + "'; resource not used");
  return true;
}

}  // namespace

void read_observation(const Ctx& c) {
  ObservationCode code = classify(c, c.json);
  bool known = code.analyte || !code.finding.empty();
  if (!known) {  // a panel of codes we know (blood pressure) is ours too
    for_each(c.json, "component", [&](Element comp, std::size_t) {
      if (!known && classify(c, comp).analyte) known = true;
    });
  }
  if (!known) return;  // not ours
  if (ignored_status(c)) return;
  std::optional<Instant> time = observation_time(c);
  if (!time) return;

  if (code.analyte)
    read_lab(c, c.json, "", *code.analyte, *time);
  else if (!code.finding.empty())
    read_finding(c, code.finding, *time);

  for_each(c.json, "component", [&](Element comp, std::size_t i) {
    ObservationCode cc = classify(c, comp);
    if (cc.analyte) read_lab(c, comp, indexed("component", i), *cc.analyte, *time);
  });
}

}  // namespace khe::fhir
