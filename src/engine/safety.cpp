// Drug safety (DOSE-SIR-2, DOSE-VCR-1 alerts, DDI-1..6, PJP-1/2, VAX-1, SURG-1, HEP-1,
// REN-1, LIP-1, BP-1, PREG-1, TAPER-1, TX-6), supportive care (SUP-1..3) and data
// quality (DQ-1).
#include <algorithm>
#include <cmath>

#include "engine/rules.h"

namespace khe::engine {
namespace {

bool recommended(const Ctx& c, std::string_view drug) {
  for (const Dose& d : c.out.doses)
    if (c.kb.drug_is(d.drug, drug)) return true;
  return false;
}

bool on_or_starting(const Ctx& c, std::string_view drug) {
  return c.active(drug) || recommended(c, drug);
}

// The interacting drug counts when active now or stopped within `within_days`.
bool active_within(const Ctx& c, std::string_view cls, double within_days) {
  for (const auto& m : c.rec.medications) {
    if (!c.is(m, cls)) continue;
    if (c.course_active(m)) return true;
    if (within_days > 0 && m.start && *m.start <= c.as_of) {
      Instant last = m.end ? *m.end : *m.start;
      if (last <= c.as_of && c.as_of - last <= seconds_of_days(within_days)) return true;
    }
  }
  return false;
}

// Days on a corticosteroid at >= the VAX-1 intensity, for the latest course.
bool high_dose_steroid_course(const Ctx& c) {
  const auto& P = c.p;
  for (const auto& m : c.rec.medications) {
    if (!c.is(m, "corticosteroid") || !m.start || *m.start > c.as_of || !m.dose) continue;
    double per_day =
        m.dose->value * (m.interval_h && *m.interval_h > 0 ? 24.0 / *m.interval_h : 1.0);
    Instant end = m.end ? std::min(*m.end, c.as_of) : c.as_of;
    if (end - *m.start < seconds_of_days(P.num("VAX-1", "steroid_days"))) continue;
    const auto& w = c.out.body.weight;
    bool high = w && w->value >= P.num("VAX-1", "steroid_weight_from")
                    ? per_day >= P.num("VAX-1", "steroid_mg_day")
                    : (w && per_day / w->value >= P.num("VAX-1", "steroid_per_kg_day"));
    if (high) return true;
  }
  return false;
}

}  // namespace

void drug_safety(Ctx& c, const Assessment& a) {
  const auto& P = c.p;
  Report& r = c.out;
  const bool sirolimus = on_or_starting(c, "sirolimus");
  const bool steroid = on_or_starting(c, "corticosteroid");
  const bool vincristine = on_or_starting(c, "vincristine");

  // DOSE-SIR-2
  if (sirolimus && (c.corrected_age_days < P.num("DOSE-SIR-2", "corrected_below") ||
                    (r.body.weight && r.body.weight->value < P.num("DOSE-SIR-2", "weight_below"))))
    c.alert("sirolimus_infant_caution");

  // DOSE-VCR-1
  if (vincristine) {
    c.alert("vincristine_iv_only");
    c.alert("vincristine_pre_dose_checks", P.list("DOSE-VCR-1", "checks"));
  }
  std::vector<Instant> vcr_given;
  for (const auto& m : c.rec.medications)
    if (m.source_kind == model::MedicationSource::administration && c.is(m, "vincristine") &&
        m.start && *m.start <= c.as_of)
      vcr_given.push_back(*m.start);
  std::sort(vcr_given.begin(), vcr_given.end());
  for (std::size_t i = 1; i < vcr_given.size(); ++i)
    if (vcr_given[i] - vcr_given[i - 1] < seconds_of_days(P.num("DOSE-VCR-1", "min_spacing"))) {
      c.alert("vincristine_interval_too_short",
              {format_instant(vcr_given[i - 1]) + " and " + format_instant(vcr_given[i])});
    }

  // DDI-1..6
  const LabResult* plt = a.platelets.value ? a.platelets.value->lab : nullptr;
  for (const auto& x : c.kb.interactions) {
    bool subject = x.drug == "*" || on_or_starting(c, x.drug);
    if (!subject) continue;
    if (x.platelets_below && !(plt && below(plt->value, *x.platelets_below).value_or(false)))
      continue;
    for (const auto& cls : x.with_drugs)
      if (active_within(c, cls, x.within_days)) {
        std::vector<std::string> names;
        for (const auto& m : c.rec.medications)
          if (c.is(m, cls) && std::find(names.begin(), names.end(), m.drug) == names.end())
            names.push_back(m.drug);
        c.alert(x.alert, names);
      }
  }

  // PJP-1 / PJP-2
  if (sirolimus) {
    Alert& pjp = c.alert("pjp_prophylaxis");
    std::string sev =
        P.text("PJP-1", (steroid || vincristine) ? "combined_severity" : "alone_severity");
    pjp.severity = sev == "critical"  ? AlertSeverity::critical
                   : sev == "warning" ? AlertSeverity::warning
                                      : AlertSeverity::info;
    if (c.corrected_age_days < P.num("PJP-2", "tmp_smx_from")) {
      c.alert("tmp_smx_contraindicated_under_2_months", P.list("PJP-2", "alternatives"));
    } else if (r.body.bsa) {
      double per_day = std::min(P.num("PJP-2", "tmp_mg_per_m2_day") * r.body.bsa->value,
                                P.num("PJP-2", "tmp_cap"));
      double per_dose = per_day / P.num("PJP-2", "doses_per_day");
      pjp.details.push_back("TMP-SMX (PJP-2): trimethoprim " + fmt_num(per_day, 1) + " mg/day as " +
                            fmt_num(P.num("PJP-2", "doses_per_day"), 0) + " doses of " +
                            fmt_num(per_dose, 1) + " mg on " +
                            fmt_num(P.num("PJP-2", "days_per_week"), 0) + " days a week (" +
                            fmt_num(P.num("PJP-2", "tmp_mg_per_m2_day")) + " mg/m2/day, at most " +
                            fmt_num(P.num("PJP-2", "tmp_cap")) + " mg/day)");
    }
  }

  // VAX-1
  if (sirolimus || high_dose_steroid_course(c))
    c.alert("live_vaccines_contraindicated", P.list("VAX-1", "vaccines"));

  // TAPER-1: stress dosing within 12 months of a >= 14-day corticosteroid course
  bool stress = c.infection_or_fever() || c.acute("hemodynamic-instability") ||
                std::any_of(c.rec.procedures.begin(), c.rec.procedures.end(),
                            [](const model::ProcedureEvent& e) {
                              return e.status == model::ProcedureStatus::planned;
                            });
  if (stress)
    for (const auto& m : c.rec.medications) {
      if (!c.is(m, "corticosteroid") || !m.start || *m.start > c.as_of) continue;
      Instant end = m.end ? std::min(*m.end, c.as_of) : c.as_of;
      if (end - *m.start >= seconds_of_days(P.num("TAPER-1", "course")) &&
          c.as_of - end <= seconds_of_days(P.num("TAPER-1", "stress_window")))
        c.alert("consider_stress_dose_steroid");
    }

  // SURG-1
  for (const auto& e : c.rec.procedures) {
    if (e.status != model::ProcedureStatus::planned) continue;
    if (c.active("sirolimus")) c.alert("sirolimus_periop_review", {e.code});
    if (r.kmp_status == KmpStatus::present || r.kmp_status == KmpStatus::suspected) {
      std::vector<std::string> latest;
      for (Analyte an : {Analyte::platelets, Analyte::fibrinogen, Analyte::pt, Analyte::aptt})
        if (const LabResult* l = c.latest(an))
          latest.push_back(std::string(model::analyte_name(an)) + " " + fmt_num(l->value.value, 2) +
                           " " + c.kb.codes.analyte(an).canonical_unit + " (" +
                           format_instant(l->time) + ")");
        else
          latest.push_back(std::string(model::analyte_name(an)) + ": not measured");
      c.alert("procedure_in_kmp_bleeding_risk", latest);
    }
  }

  // HEP-1, REN-1, LIP-1
  if (const LabResult* alt = c.latest_fresh(Analyte::alt)) {
    if (auto uln = c.upper_limit(*alt)) {
      if (above(alt->value, P.num("HEP-1", "alt_uln_multiple") * *uln).value_or(false))
        c.alert("hepatic_toxicity_review");
    } else {
      c.alert("reference_range_missing", {"ALT (" + alt->source.resource + ")"});
    }
  }
  if (const LabResult* cr = c.latest_fresh(Analyte::creatinine)) {
    if (auto uln = c.upper_limit(*cr)) {
      if (above(cr->value, *uln).value_or(false)) c.alert("renal_review");
    } else {
      c.alert("reference_range_missing", {"creatinine (" + cr->source.resource + ")"});
    }
  }
  if (const LabResult* tg = c.latest_fresh(Analyte::triglycerides);
      tg && above(tg->value, P.num("LIP-1", "triglycerides_above")).value_or(false))
    c.alert("hypertriglyceridemia_review");

  // BP-1, GLU-1
  if (steroid) {
    c.alert("steroid_bp_weekly");
    c.alert("steroid_glucose_weekly");
  }

  // PREG-1
  if (c.rec.patient.gender == model::Gender::female &&
      c.age_years >= P.num("PREG-1", "from_age_years") &&
      (recommended(c, "sirolimus") || recommended(c, "vincristine")))
    c.alert("pregnancy_test_and_contraception");

  // TX-6: monotherapies not recommended in KMP
  if (r.kmp_status == KmpStatus::present || r.kmp_status == KmpStatus::suspected) {
    bool effective = c.active("sirolimus") || c.active("vincristine") || c.active("corticosteroid");
    if (!effective && c.active("propranolol")) c.alert("propranolol_monotherapy_not_recommended");
    if (!effective && c.active("aspirin")) c.alert("aspirin_monotherapy_not_recommended");
    if (c.active("interferon") && c.age_days < P.num("TX-6", "interferon_below"))
      c.alert("interferon_under_1y_not_recommended");
  }
}

void supportive_care(Ctx& c, const Assessment& a) {
  const auto& P = c.p;
  Seconds recent = seconds_of_days(P.num("TIME-1", "fresh_lab"));
  for (const auto& e : c.rec.procedures) {
    if (e.status != model::ProcedureStatus::done || !e.start || *e.start > c.as_of ||
        c.as_of - *e.start > recent)
      continue;
    if (!c.in_list("SUP-1", "transfusion_products", e.code)) continue;
    if (e.indication.empty()) {
      c.alert("transfusion_indication_missing", {e.code + " (" + e.source.resource + ")"});
    } else if (e.code == "platelet-transfusion" && e.indication == "indication-prophylactic") {
      c.alert("platelet_transfusion_not_indicated", {e.source.resource});
    } else if (e.code == "platelet-transfusion" && e.indication == "indication-pre-procedure") {
      // Before a procedure platelets are indicated only below the SUP-1 threshold.
      const LabResult* before = nullptr;
      for (const LabResult* l : c.labs(Analyte::platelets))
        if (l->time <= *e.start) before = l;
      if (before && !below(before->value, P.num("SUP-1", "pre_procedure_below")).value_or(true))
        c.alert("platelet_transfusion_not_indicated",
                {e.source.resource + ": platelets " + fmt_num(before->value.value) +
                 " before a procedure"});
    }
  }
  const LabResult* fib = a.fibrinogen.value ? a.fibrinogen.value->lab : nullptr;
  if (fib && below(fib->value, P.num("SUP-2", "fibrinogen_below")).value_or(false)) {
    bool planned = std::any_of(
        c.rec.procedures.begin(), c.rec.procedures.end(),
        [](const model::ProcedureEvent& e) { return e.status == model::ProcedureStatus::planned; });
    if (a.active_bleeding || planned)
      c.alert("fibrinogen_replacement_indicated");
    else
      c.alert("low_fibrinogen_clinician_decision");
  }
  if (c.out.severe_anemia.value_or(false))
    c.alert("red_cell_transfusion_review", P.list("SUP-3", "thresholds"));
}

void data_quality(Ctx& c) {
  for (const auto& issue : c.rec.issues) {
    c.out.data_issues.push_back(issue);
    if (issue.severity == model::IssueSeverity::warning)
      c.alert("data_quality",
              {issue.source.resource + " " + issue.source.path + ": " + issue.message});
  }
}

// A refused value newer than the one the report used (or, when none was used, a refused
// value recent enough that it would have been used) may change the conclusion.
void newer_values_refused(Ctx& c) {
  for (const auto& issue : c.rec.issues) {
    if (!issue.analyte || !issue.time || *issue.time > c.as_of) continue;
    const std::string_view name = model::analyte_name(*issue.analyte);
    const UsedValue* used = nullptr;
    for (const auto& u : c.out.values_used)
      if (u.name == name && (!used || u.time > used->time)) used = &u;
    bool matters = used ? *issue.time > used->time
                        : *issue.time >= c.as_of - seconds_of_days(c.p.num("TIME-1", "fresh_lab"));
    if (matters)
      c.alert("newer_value_refused",
              {std::string(name) + " from " + format_instant(*issue.time) + " (" +
               issue.source.resource + " " + issue.source.path + "): " + issue.message});
  }
}

}  // namespace khe::engine
