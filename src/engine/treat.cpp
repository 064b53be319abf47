// Treatment recommendation (TX-1..8): the regimen the evidence supports for this child.
#include <algorithm>

#include "engine/rules.h"

namespace khe::engine {
namespace {

// TX-4: refractory KMP on first-line therapy.
bool refractory(Ctx& c) {
  const Report& r = c.out;
  if (!r.response || !r.response->therapy_start || r.kmp_status != KmpStatus::present) return false;
  Date start = *r.response->therapy_start;
  if (days_between(start, date_of(c.as_of)) < c.p.num("TX-4", "min_days")) return false;
  // latest non-confounded count vs the nearest non-confounded count 14 days before it
  const LabResult* latest = nullptr;
  for (const LabResult* l : c.labs(Analyte::platelets))
    if (!c.platelet_confounded(*l)) latest = l;
  if (!latest) return false;
  const LabResult* before = nullptr;
  Instant cutoff = start_of(date_of(latest->time) -
                            std::chrono::days(static_cast<int>(c.p.num("TX-4", "lookback")))) +
                   days(1);
  for (const LabResult* l : c.labs(Analyte::platelets))
    if (!c.platelet_confounded(*l) && l->time < cutoff) before = l;
  if (!before || before->value.comparator != model::Comparator::none) return false;
  if (!below(latest->value, c.p.num("TX-4", "improvement_ratio") * before->value.value)
           .value_or(false))
    return false;
  // a corticosteroid given since therapy start
  bool steroid = false;
  for (const auto& m : c.rec.medications)
    if (c.is(m, "corticosteroid") && m.start && *m.start <= c.as_of &&
        (!m.end || date_of(*m.end) >= start) && m.status != model::MedicationStatus::planned)
      steroid = true;
  if (!steroid) return false;
  // sirolimus levels within the KMP target, >= 7 days apart, the later within 14 days
  const auto& target = c.p.numbers("TARGET-1", "kmp");
  std::vector<const LabResult*> in_range;
  for (const LabResult* l : c.labs(Analyte::sirolimus_level))
    if (date_of(l->time) >= start && l->value.comparator == model::Comparator::none &&
        l->value.value >= target[0] && l->value.value <= target[1])
      in_range.push_back(l);
  if (in_range.size() < static_cast<std::size_t>(c.p.num("TX-4", "min_levels_in_target")))
    return false;
  const LabResult* last = in_range.back();
  if (c.as_of - last->time > seconds_of_days(c.p.num("TX-4", "last_level_within"))) return false;
  bool apart = false;
  for (const LabResult* l : in_range)
    if (last->time - l->time >= seconds_of_days(c.p.num("TX-4", "levels_apart"))) apart = true;
  return apart;
}

void early_escalation(Ctx& c) {
  const Report& r = c.out;
  if (!r.response || !r.response->therapy_start) return;
  if (days_between(*r.response->therapy_start, date_of(c.as_of)) <= c.p.num("TX-4b", "after_day"))
    return;
  int bleeding_products = 0;
  for (const auto& proc : c.rec.procedures)
    if (proc.status == model::ProcedureStatus::done && proc.start && *proc.start <= c.as_of &&
        *proc.start >= c.as_of - seconds_of_days(c.p.num("TX-4b", "window")) &&
        c.in_list("TX-4b", "products", proc.code) &&
        proc.indication == "indication-active-bleeding")
      ++bleeding_products;
  if (r.urgency == Urgency::emergent ||
      bleeding_products >= c.p.num("TX-4b", "bleeding_transfusions"))
    c.alert("early_escalation_review");
}

void set(Ctx& c, Regimen reg, std::string_view rule, std::string statement) {
  c.out.regimen = reg;
  c.out.regimen_why = c.prov(rule);
  c.finding(rule, std::move(statement));
}

}  // namespace

void recommend(Ctx& c, const Assessment& a) {
  Report& r = c.out;
  const bool consensus = c.p.text("TX-7", "kmp_first_line") == "vincristine_corticosteroid";
  switch (r.kmp_status) {
    case KmpStatus::present: {
      const auto* not_tolerated = c.latest_finding("sirolimus-not-tolerated");
      if (not_tolerated && not_tolerated->flag.value_or(false)) {
        set(c, Regimen::vincristine_corticosteroid, "TX-4c",
            "Sirolimus not tolerated: vincristine with a corticosteroid.");
      } else if (consensus) {
        set(c, Regimen::vincristine_corticosteroid, "TX-7",
            "Profile consensus-2013: vincristine with prednisolone first line.");
      } else if (refractory(c)) {
        set(c, Regimen::add_vincristine, "TX-4",
            "KMP refractory to first-line therapy: add vincristine.");
        c.alert("refractory_checks_before_escalation", c.p.list("TX-4", "checks"));
      } else {
        std::vector<std::string> why;
        if (r.kmp_severity == Band::severe || r.kmp_severity == Band::moderate)
          why.push_back(std::string(name(*r.kmp_severity)) + " thrombocytopenia");
        if (r.coagulopathy.value_or(false)) why.push_back("coagulopathy");
        if (a.active_bleeding) why.push_back("active bleeding");
        if (r.high_risk) why.push_back("high-risk features");
        if (!why.empty()) {
          std::string list;
          for (const auto& w : why) list += (list.empty() ? "" : ", ") + w;
          set(c, Regimen::sirolimus_prednisolone, "TX-1",
              "KMP with " + list + ": sirolimus with a short course of prednisolone.");
          r.context.push_back(c.p.text("TX-1", "evidence"));
        } else {
          bool combo = c.p.text("TX-1m", "regimen") == "sirolimus_prednisolone";
          set(c, combo ? Regimen::sirolimus_prednisolone : Regimen::sirolimus, "TX-1m",
              "Mild KMP without coagulopathy, bleeding or high-risk features.");
          c.alert("mild_kmp_prednisolone_optional");
        }
      }
      break;
    }
    case KmpStatus::absent:
      if (c.dx_class == DxClass::unknown_type) {
        set(c, Regimen::specialist_evaluation, "TX-5",
            "Vascular tumour of unknown type: specialist evaluation (MRI; biopsy when safe).");
      } else if (c.active("sirolimus")) {
        set(c, Regimen::sirolimus, "TX-8",
            "On sirolimus and KMP now absent: continue sirolimus (at least 12 months in the "
            "trial).");
      } else {
        std::vector<std::string> why;
        const auto* growth = c.latest_finding("lesion-growth");
        if (growth && growth->value_code == "growth-progressive")
          why.push_back("progressive growth");
        if (const auto* s = c.latest_finding("lesion-symptomatic"); s && s->flag.value_or(false))
          why.push_back("symptomatic lesion");
        if (a.vital_compression) why.push_back("vital-structure compression");
        if (r.high_risk && c.p.flag("TX-2", "high_risk_treats"))
          why.push_back("high-risk features");
        if (!why.empty()) {
          std::string list;
          for (const auto& w : why) list += (list.empty() ? "" : ", ") + w;
          set(c, Regimen::sirolimus, "TX-2", "No KMP, but " + list + ": sirolimus alone.");
        } else {
          set(c, Regimen::observation, "TX-3", "No KMP and no reason to treat: observation.");
          r.context.push_back(c.p.text("TX-3", "note"));
          if (!growth) c.alert("lesion_course_unknown");
        }
      }
      break;
    case KmpStatus::suspected:
      set(c, Regimen::specialist_evaluation, "TX-5",
          "Suspected KMP with a tumour of unknown type: specialist evaluation (MRI; biopsy when "
          "safe).");
      break;
    case KmpStatus::not_expected:
      set(c, Regimen::reassess_diagnosis, "TX-5",
          "KMP not expected with this diagnosis: reassess the diagnosis.");
      break;
    case KmpStatus::indeterminate:
      r.regimen_null_reason = "data_missing";
      c.finding("TX-5", "No regimen: data are missing (a fresh platelet count).");
      break;
    case KmpStatus::not_applicable:
      r.regimen_null_reason = "nothing_to_recommend";
      c.finding("TX-5", "No regimen: nothing to recommend for this record.");
      break;
  }
  if (r.kmp_status == KmpStatus::present || r.kmp_status == KmpStatus::suspected)
    for (const auto& line : c.p.list("TX-6", "context")) r.context.push_back(line);
  early_escalation(c);

  // TX-8: corticosteroid still given > 14 days after the first platelet response
  if (r.response && r.response->therapy_start && r.response->days_to_platelet_response &&
      c.active("corticosteroid")) {
    Date responded =
        *r.response->therapy_start + std::chrono::days(*r.response->days_to_platelet_response);
    if (days_between(responded, date_of(c.as_of)) > c.p.num("TX-8", "steroid_after_response"))
      c.alert("corticosteroid_taper_due", {c.p.text("TAPER-1", "schedule")});
  }
}

}  // namespace khe::engine
