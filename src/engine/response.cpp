// Course of treatment (§8) as far as the core engine needs it: therapy start, platelet
// response, the trial's week-4 durable response, fibrinogen stabilization, relapse.
#include <algorithm>

#include "engine/rules.h"

namespace khe::engine {
namespace {

bool kmp_directed(const Ctx& c, const model::MedicationCourse& m) {
  if (c.p.text("TX-7", "kmp_first_line") == "vincristine_corticosteroid")
    return c.kb.drug_is(m.drug, "vincristine") || c.kb.drug_is(m.drug, "corticosteroid");
  return c.kb.drug_is(m.drug, "sirolimus");
}

}  // namespace

void compute_response(Ctx& c) {
  std::vector<const model::MedicationCourse*> courses;
  for (const auto& m : c.rec.medications)
    if (m.start && *m.start <= c.as_of && m.status != model::MedicationStatus::planned &&
        kmp_directed(c, m))
      courses.push_back(&m);
  if (courses.empty()) return;  // no KMP-directed therapy: response stays null
  std::stable_sort(courses.begin(), courses.end(),
                   [](auto* a, auto* b) { return *a->start < *b->start; });
  Response resp;
  resp.why = c.prov("RESP-1");
  const double threshold = c.p.num("KMP-1", "response_above");
  const Seconds baseline_window = seconds_of_days(c.p.num("RESP-1", "baseline_window"));
  const double week4_first = c.p.num("RESP-1", "week4_first_day");
  const double week4_last = c.p.num("RESP-1", "week4_last_day");
  const Seconds resolution_gap = seconds_of_days(c.p.num("RESP-1", "resolution_gap"));
  const auto& plts = c.labs(Analyte::platelets);
  for (const auto* m : courses) {
    Date s = date_of(*m->start);
    const LabResult* base = nullptr;
    for (const LabResult* l : plts)
      if (l->time >= start_of(s) - baseline_window && l->time < start_of(s + std::chrono::days(1)))
        base = l;
    if (base && below(base->value, threshold).value_or(false)) {
      resp.therapy_start = s;
      break;
    }
  }
  if (resp.therapy_start) {
    Date s = *resp.therapy_start;
    std::optional<Date> first_response;
    bool any_after = false;
    for (const LabResult* l : plts) {
      int day = static_cast<int>(days_between(s, date_of(l->time)));
      if (day < 1) continue;
      any_after = true;
      if (!c.platelet_confounded(*l) && above(l->value, threshold).value_or(false)) {
        first_response = date_of(l->time);
        resp.days_to_platelet_response = day;
        break;
      }
    }
    if (any_after) resp.platelet_response = first_response.has_value();

    // Week 4 (RESP-1 window): the last count in the window decides, and every non-confounded
    // count since the first response up to it must stay above the threshold.
    const LabResult* last_in_window = nullptr;
    for (const LabResult* l : plts) {
      int day = static_cast<int>(days_between(s, date_of(l->time)));
      if (day >= week4_first && day <= week4_last) last_in_window = l;
    }
    if (last_in_window) {
      bool ok = !c.platelet_confounded(*last_in_window) &&
                above(last_in_window->value, threshold).value_or(false) && first_response;
      if (ok)
        for (const LabResult* l : plts) {
          if (date_of(l->time) < *first_response || l->time > last_in_window->time) continue;
          if (!c.platelet_confounded(*l) && !above(l->value, threshold).value_or(false)) ok = false;
        }
      resp.durable_platelet_response_week4 = ok;
    }

    // Resolution: a count > threshold at least 7 days after an earlier one, all between above.
    std::optional<Date> resolved;
    const LabResult* first_high = nullptr;
    for (const LabResult* l : plts) {
      if (date_of(l->time) < s || c.platelet_confounded(*l)) continue;
      if (!above(l->value, threshold).value_or(false)) {
        first_high = nullptr;
        if (resolved && below(l->value, threshold).value_or(false)) resp.relapse = true;
        continue;
      }
      if (!first_high)
        first_high = l;
      else if (!resolved && l->time - first_high->time >= resolution_gap)
        resolved = date_of(l->time);
    }
    resp.resolution_date = resolved;
    if (resp.relapse) {
      c.finding("RESP-1", "Platelets fell below the threshold after KMP resolved (relapse).");
      c.alert("kmp_relapse", c.p.list("RESP-1", "relapse_checks"));
    }

    // Fibrinogen stabilization from day 0.
    bool seen_stable = false, fell = false, any_fib = false;
    const double fib_threshold = c.p.num("KMP-3", "fibrinogen_below");
    for (const LabResult* l : c.labs(Analyte::fibrinogen)) {
      if (date_of(l->time) < s || c.fibrinogen_confounded(*l)) continue;
      any_fib = true;
      bool low = below(l->value, fib_threshold).value_or(true);
      if (!low)
        seen_stable = true;
      else if (seen_stable)
        fell = true;
    }
    if (any_fib) resp.fibrinogen_stabilized = seen_stable && !fell;
  }
  c.out.response = resp;
}

}  // namespace khe::engine
