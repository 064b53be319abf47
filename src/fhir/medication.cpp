// MedicationRequest / MedicationStatement / MedicationAdministration -> MedicationCourse.
#include <algorithm>
#include <cmath>

#include "fhir/quantity.h"
#include "fhir/resource.h"
#include "fhir/text.h"

namespace khe::fhir {
namespace {

using model::MedicationSource;
using model::MedicationStatus;

struct DrugMatch {
  std::string drug;
  bool by_text = false;
};

// Adds the drug ids whose name occurs as whole words in `text`.
void drugs_named_in(const Ctx& c, std::string_view text, std::vector<std::string_view>& found) {
  if (text.empty()) return;
  std::string lower = lower_trimmed(text);
  for (const auto& [name, drug] : c.codes.drug_names) {
    if (!contains_phrase(lower, name)) continue;
    if (std::find(found.begin(), found.end(), drug) == found.end()) found.push_back(drug);
  }
}

// RxNorm ingredient code first. Otherwise the text and displays: exactly one drug named
// there is a match; two different drugs ("sirolimus and prednisolone") are reported, never
// guessed. Product codes (SCD/SBD) are not ingredient codes and so fall through to the text.
std::optional<DrugMatch> match_drug(const Ctx& c, Element cc) {
  std::optional<DrugMatch> match;
  for_each(cc, "coding", [&](Element coding, std::size_t) {
    if (match || str(coding, "system") != c.codes.rxnorm_system) return;
    auto it = c.codes.rxnorm_to_drug.find(str(coding, "code"));
    if (it != c.codes.rxnorm_to_drug.end()) match = DrugMatch{it->second, false};
  });
  if (match) return match;
  std::vector<std::string_view> found;
  drugs_named_in(c, str(cc, "text"), found);
  for_each(cc, "coding",
           [&](Element coding, std::size_t) { drugs_named_in(c, str(coding, "display"), found); });
  if (found.empty()) return std::nullopt;
  if (found.size() > 1) {
    std::string names;
    for (std::string_view d : found) names += (names.empty() ? "" : ", ") + std::string(d);
    c.issue("drug_ambiguous", "medicationCodeableConcept",
            "medication text names several drugs (" + names + "); not used");
    return std::nullopt;
  }
  return DrugMatch{std::string(found.front()), true};
}

// nullopt: the record is not to be used (entered in error, cancelled, never taken).
std::optional<MedicationStatus> status_of(const Ctx& c) {
  std::string_view s = str(c.json, "status");
  if (s == "entered-in-error" || s == "cancelled" || s == "not-taken" || s == "not-done") {
    c.info("status_ignored", "status", "status '" + std::string(s) + "'; medication not used");
    return std::nullopt;
  }
  if (s == "active" || s == "in-progress") return MedicationStatus::active;
  if (s == "completed") return MedicationStatus::completed;
  if (s == "stopped") return MedicationStatus::stopped;
  if (s == "on-hold") return MedicationStatus::on_hold;
  if (s == "draft" || s == "intended" || s == "planned") return MedicationStatus::planned;
  return MedicationStatus::unknown;
}

void read_period(const Ctx& c, Element period, std::string_view rel, model::MedicationCourse& m) {
  m.start = read_time_member(c, period, rel, "start");
  m.end = read_time_member(c, period, rel, "end");  // an end date closes the course
}

void read_dates(const Ctx& c, MedicationSource kind, model::MedicationCourse& m) {
  switch (kind) {
    case MedicationSource::statement:
      if (auto p = member(c.json, "effectivePeriod"))
        read_period(c, *p, "effectivePeriod", m);
      else
        m.start = read_time_member(c, c.json, "", "effectiveDateTime");
      break;
    case MedicationSource::administration:
      if (auto p = member(c.json, "effectivePeriod")) {
        read_period(c, *p, "effectivePeriod", m);
      } else {
        m.start = read_time_member(c, c.json, "", "effectiveDateTime");
        m.end = m.start;  // one given dose
      }
      break;
    case MedicationSource::request: {
      m.start = read_time_member(c, c.json, "", "authoredOn");
      auto dosage = first(c.json, "dosageInstruction");
      auto timing = dosage ? member(*dosage, "timing") : std::nullopt;
      auto repeat = timing ? member(*timing, "repeat") : std::nullopt;
      auto bounds = repeat ? member(*repeat, "boundsPeriod") : std::nullopt;
      if (!bounds) break;
      const char* rel = "dosageInstruction[0].timing.repeat.boundsPeriod";
      if (auto s = read_time_member(c, *bounds, rel, "start")) m.start = s;
      m.end = read_time_member(c, *bounds, rel, "end");
      break;
    }
  }
}

// A positive number, or nullopt.
std::optional<double> positive_number(Element obj, std::string_view key) {
  auto v = member(obj, key);
  double x = 0;
  if (!v || v->get_double().get(x) != simdjson::SUCCESS || !std::isfinite(x) || x <= 0)
    return std::nullopt;
  return x;
}

// timing.repeat -> hours between doses = period (in hours) / frequency.
void read_interval(const Ctx& c, Element dosage, std::string_view dosage_rel,
                   model::MedicationCourse& m) {
  auto timing = member(dosage, "timing");
  auto repeat = timing ? member(*timing, "repeat") : std::nullopt;
  if (!repeat) return;
  std::string rel = join(dosage_rel, "timing.repeat");
  bool has_frequency = member(*repeat, "frequency").has_value();
  if (!has_frequency && !member(*repeat, "period")) return;  // e.g. only boundsPeriod
  // FHIR frequency is a positiveInt; absent means once per period.
  std::optional<double> frequency = has_frequency ? positive_number(*repeat, "frequency") : 1.0;
  std::optional<double> period = positive_number(*repeat, "period");
  std::string_view unit = str(*repeat, "periodUnit");
  double unit_h = unit == "min"  ? 1.0 / 60
                  : unit == "h"  ? 1
                  : unit == "d"  ? 24
                  : unit == "wk" ? 168
                                 : 0;
  if (!frequency || *frequency != std::floor(*frequency) || !period || unit_h == 0) {
    c.issue(
        "timing_rejected", rel,
        "timing.repeat needs a whole frequency >= 1, a period > 0 and periodUnit min, h, d or wk "
        "(periodUnit '" +
            std::string(unit) + "'); dosing interval not read");
    return;
  }
  m.interval_h = *period * unit_h / *frequency;
}

void read_dose(const Ctx& c, Element quantity, std::string_view rel, model::MedicationCourse& m) {
  RawQuantity raw;
  double mg = 0;
  Rejection r = read_raw_quantity(quantity, rel, c.codes, false, &raw);
  if (r.ok()) r = to_milligrams(raw, rel, c.units, &mg);
  if (!r.ok()) {
    c.issue(r.code, r.rel, r.message,
            r.code == "dose_not_mass" ? model::IssueSeverity::info : model::IssueSeverity::warning);
    return;
  }
  m.dose = Milligrams(mg);
}

// Route: a coded route we know, else known text or display, else the text as given.
void read_route(const Ctx& c, Element dosage, model::MedicationCourse& m) {
  auto route = member(dosage, "route");
  if (!route) return;
  std::string key;
  std::string_view display;
  for_each(*route, "coding", [&](Element coding, std::size_t) {
    if (!m.route.empty()) return;
    key.assign(str(coding, "system"));
    key += '|';
    key += str(coding, "code");
    auto it = c.codes.route_codes.find(key);
    if (it != c.codes.route_codes.end()) m.route = it->second;
    if (display.empty()) display = str(coding, "display");
  });
  if (!m.route.empty()) return;
  std::string text = lower_trimmed(str(*route, "text"));
  if (text.empty()) text = lower_trimmed(display);
  for (const auto& [name, canonical] : c.codes.route_names) {
    if (name == text) {
      m.route = canonical;
      return;
    }
  }
  m.route = std::move(text);
}

void read_dosage(const Ctx& c, MedicationSource kind, model::MedicationCourse& m) {
  if (kind == MedicationSource::administration) {
    auto dosage = member(c.json, "dosage");
    if (!dosage) return;
    if (auto dose = member(*dosage, "dose")) read_dose(c, *dose, "dosage.dose", m);
    read_route(c, *dosage, m);
    return;
  }
  const char* key = kind == MedicationSource::statement ? "dosage" : "dosageInstruction";
  auto dosage = first(c.json, key);
  if (!dosage) return;
  std::string rel = std::string(key) + "[0]";
  if (auto dr = first(*dosage, "doseAndRate")) {
    if (auto dose = member(*dr, "doseQuantity"))
      read_dose(c, *dose, join(rel, "doseAndRate[0].doseQuantity"), m);
  }
  read_interval(c, *dosage, rel, m);
  read_route(c, *dosage, m);
}

}  // namespace

void read_medication(const Ctx& c, std::string_view type) {
  MedicationSource kind = type == "MedicationRequest"     ? MedicationSource::request
                          : type == "MedicationStatement" ? MedicationSource::statement
                                                          : MedicationSource::administration;
  auto cc = member(c.json, "medicationCodeableConcept");
  if (!cc) {
    if (member(c.json, "medicationReference"))
      c.issue(
          "medication_unresolved", "medicationReference",
          "medicationReference is not read (send medicationCodeableConcept); medication not used");
    return;
  }
  std::optional<DrugMatch> drug = match_drug(c, *cc);
  if (!drug) return;  // a drug the knowledge does not know
  std::optional<MedicationStatus> status = status_of(c);
  if (!status) return;

  model::MedicationCourse m;
  m.drug = std::move(drug->drug);
  m.matched_by_text = drug->by_text;
  m.source_kind = kind;
  m.status = *status;
  m.source = c.source("medicationCodeableConcept");
  read_dates(c, kind, m);
  read_dosage(c, kind, m);
  c.out.add(std::move(m));
}

}  // namespace khe::fhir
