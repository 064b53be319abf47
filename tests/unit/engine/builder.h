// Builds model::Records directly (no FHIR) so engine rules are tested in isolation, and
// evaluates them with the default knowledge. Times are given relative to as-of.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "engine/evaluate.h"
#include "knowledge/embedded.h"
#include "knowledge/knowledge.h"

namespace khe::test {

inline const knowledge::Knowledge& default_knowledge() {
  static const knowledge::Knowledge k = [] {
    auto r = knowledge::load_default(engine::parameter_specs());
    if (!r) throw std::runtime_error(r.error().to_string());
    return std::move(r).value();
  }();
  return k;
}

inline Instant at(const char* text) { return parse_fhir_datetime(text).value().start; }

// The default knowledge plus one more profile file (its JSON text, stored as
// profiles/test-centre.json), to test a choice a centre makes in its own profile.
inline knowledge::Knowledge knowledge_with_profile(const std::string& profile_json) {
  knowledge::FileSet files = knowledge::default_files();
  files["profiles/test-centre.json"] = profile_json;
  auto r = knowledge::load(files, engine::parameter_specs());
  if (!r) throw std::runtime_error(r.error().to_string());
  return std::move(r).value();
}

class Builder {
 public:
  Builder() {
    as_of_ = at("2026-08-03T12:00:00Z");
    rec_.patient.id = "p1";
    age_days(120);
  }

  Builder& age_days(int d) {
    rec_.patient.birth_date = date_of(as_of_) - std::chrono::days(d);
    return *this;
  }
  Builder& female() {
    rec_.patient.gender = model::Gender::female;
    return *this;
  }
  Builder& dx(const std::string& code, model::Certainty c = model::Certainty::confirmed) {
    model::Diagnosis d;
    d.code = code;
    d.certainty = c;
    d.source = {"Condition/" + code, "code"};
    rec_.diagnoses.push_back(d);
    return *this;
  }
  Builder& lab(model::Analyte a, double v, double hours_ago = 2,
               model::Comparator cmp = model::Comparator::none) {
    model::LabResult l;
    l.analyte = a;
    l.value = {v, cmp};
    l.time = as_of_ - Seconds(static_cast<std::int64_t>(hours_ago * 3600));
    l.source = {
        "Observation/" + std::string(model::analyte_name(a)) + std::to_string(rec_.labs.size()),
        "valueQuantity"};
    rec_.labs.push_back(l);
    return *this;
  }
  Builder& ref_high(double v) {
    rec_.labs.back().ref_high = model::Measured{v};
    return *this;
  }
  Builder& ref_low(double v) {
    rec_.labs.back().ref_low = model::Measured{v};
    return *this;
  }
  Builder& platelets(double v, double hours_ago = 2) {
    return lab(model::Analyte::platelets, v, hours_ago);
  }
  Builder& fibrinogen(double v, double hours_ago = 2) {
    return lab(model::Analyte::fibrinogen, v, hours_ago);
  }
  Builder& body(double kg, double cm, double hours_ago = 24) {
    lab(model::Analyte::weight, kg, hours_ago);
    return lab(model::Analyte::height, cm, hours_ago);
  }
  Builder& flag(const std::string& code, bool v = true, double hours_ago = 2) {
    model::Finding f;
    f.code = code;
    f.flag = v;
    f.time = as_of_ - Seconds(static_cast<std::int64_t>(hours_ago * 3600));
    f.source = {"Observation/" + code, "valueBoolean"};
    rec_.findings.push_back(f);
    return *this;
  }
  Builder& coded(const std::string& code, const std::string& value, double hours_ago = 2) {
    model::Finding f;
    f.code = code;
    f.value_code = value;
    f.time = as_of_ - Seconds(static_cast<std::int64_t>(hours_ago * 3600));
    f.source = {"Observation/" + code, "valueCodeableConcept"};
    rec_.findings.push_back(f);
    return *this;
  }
  Builder& procedure(const std::string& code, double hours_ago, const std::string& indication = "",
                     model::ProcedureStatus s = model::ProcedureStatus::done) {
    model::ProcedureEvent p;
    p.code = code;
    p.status = s;
    if (s == model::ProcedureStatus::done)
      p.start = as_of_ - Seconds(static_cast<std::int64_t>(hours_ago * 3600));
    p.indication = indication;
    p.source = {"Procedure/" + code, "code"};
    rec_.procedures.push_back(p);
    return *this;
  }
  // A medication course that started `days_ago` days before as-of, open unless ended.
  Builder& med(const std::string& drug, double days_ago,
               std::optional<double> dose_mg = std::nullopt,
               std::optional<double> interval_h = std::nullopt) {
    model::MedicationCourse m;
    m.drug = drug;
    m.status = model::MedicationStatus::active;
    m.start = as_of_ - Seconds(static_cast<std::int64_t>(days_ago * 86400));
    if (dose_mg) m.dose = Milligrams(*dose_mg);
    m.interval_h = interval_h;
    m.route = "oral";
    m.source = {"MedicationStatement/" + drug, "medicationCodeableConcept"};
    rec_.medications.push_back(m);
    return *this;
  }
  Builder& ended(double days_ago) {
    auto& m = rec_.medications.back();
    m.status = model::MedicationStatus::completed;
    m.end = as_of_ - Seconds(static_cast<std::int64_t>(days_ago * 86400));
    return *this;
  }
  Builder& administered() {
    rec_.medications.back().source_kind = model::MedicationSource::administration;
    rec_.medications.back().status = model::MedicationStatus::completed;
    return *this;
  }
  // A laboratory value the reader refused, taken `hours_ago`.
  Builder& refused(model::Analyte a, double hours_ago) {
    model::DataIssue i{"unit_ambiguous",
                       model::IssueSeverity::warning,
                       {"Observation/refused", "valueQuantity.unit"},
                       "unit text is ambiguous"};
    i.analyte = a;
    i.time = as_of_ - Seconds(static_cast<std::int64_t>(hours_ago * 3600));
    rec_.issues.push_back(i);
    return *this;
  }
  Builder& issue(const std::string& code) {
    rec_.issues.push_back({code,
                           model::IssueSeverity::warning,
                           {"Observation/x", "valueQuantity.unit"},
                           "unit is ambiguous"});
    return *this;
  }

  // A typical KHE infant with severe KMP, for tests that vary one thing.
  static Builder khe_kmp(double plt = 20) {
    Builder b;
    b.dx("khe")
        .platelets(plt)
        .fibrinogen(2.0)
        .lab(model::Analyte::ddimer_feu, 0.3)
        .ref_high(0.5)
        .body(6, 62);
    return b;
  }

  engine::Report eval(const std::string& profile = "default") const {
    const auto& k = default_knowledge();
    return engine::evaluate(rec_, k, *k.profile(profile), as_of_);
  }
  // Evaluates with other knowledge (e.g. from knowledge_with_profile).
  engine::Report eval(const engine::EvaluateOptions& options) const {
    const auto& k = default_knowledge();
    return engine::evaluate(rec_, k, *k.profile("default"), as_of_, options);
  }
  engine::Report eval(const knowledge::Knowledge& k, const std::string& profile) const {
    return engine::evaluate(rec_, k, *k.profile(profile), as_of_);
  }

  model::Record& record() { return rec_; }
  Instant as_of() const { return as_of_; }

 private:
  model::Record rec_;
  Instant as_of_;
};

inline bool has_alert(const engine::Report& r, const std::string& code) {
  return std::any_of(r.alerts.begin(), r.alerts.end(),
                     [&](const engine::Alert& a) { return a.code == code; });
}

inline const engine::Alert* find_alert(const engine::Report& r, const std::string& code) {
  for (const auto& a : r.alerts)
    if (a.code == code) return &a;
  return nullptr;
}

inline const engine::Dose* find_dose(const engine::Report& r, const std::string& drug) {
  for (const auto& d : r.doses)
    if (d.drug == drug) return &d;
  return nullptr;
}

inline bool has_reason(const engine::Report& r, const std::string& prefix) {
  return std::any_of(r.urgency_reasons.begin(), r.urgency_reasons.end(),
                     [&](const std::string& s) { return s.rfind(prefix, 0) == 0; });
}

}  // namespace khe::test
