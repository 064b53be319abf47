// Course of treatment (§8) as far as the core engine needs it: therapy start, platelet
// response, the trial's week-4 durable response, fibrinogen stabilization, relapse.
//
// Confounded values (§2, CONF-1) follow one principle throughout: "Confounded values can
// show worsening but never establish a better status, a better band, or a response". A
// confounded value that would help (a count above 100, a fibrinogen at or above 1.5) is
// ignored; one that shows the threshold is not reached counts like any other value.
#include <algorithm>

#include "engine/rules.h"

namespace khe::engine {
namespace {

// Whether a course starting on `s` begins with KMP: "the latest platelet count in
// [S - 7 days, end of day S] is < 100" (§8), with the counts chosen as §2 says: "rules use
// the latest non-confounded fresh value, unless a later confounded value is lower (then that
// one). If every fresh value is confounded, they use the last value before the earliest of
// those transfusions when it is at most 30 days old". A transfusion just before the first
// dose therefore never hides the KMP that was there.
bool baseline_low(const Ctx& c, Date s) {
  const double present_below = c.p.num("KMP-1", "present_below");
  const Instant from = start_of(s) - seconds_of_days(c.p.num("RESP-1", "baseline_window"));
  const Instant to = start_of(s + std::chrono::days(1));
  auto low = [&](const LabResult* l) { return below(l->value, present_below).value_or(false); };
  const LabResult* clean = nullptr;
  std::vector<const LabResult*> confounded;
  for (const LabResult* l : c.labs(Analyte::platelets)) {
    if (l->time < from || l->time >= to) continue;
    if (c.platelet_confounded(*l))
      confounded.push_back(l);
    else
      clean = l;  // oldest first: the last one wins
  }
  for (const LabResult* l : confounded)
    if ((!clean || l->time > clean->time) && low(l)) return true;  // a later, worse value
  if (clean || confounded.empty()) return clean && low(clean);
  // Every count in the window is confounded: the last count before the earliest
  // transfusion that confounds one of them.
  const Seconds window = seconds_of_days(c.p.num("CONF-1", "platelet_window"));
  const auto& products = c.p.list("CONF-1", "platelet_products");
  std::optional<Instant> earliest;
  for (const auto& proc : c.rec.procedures) {
    if (proc.status != model::ProcedureStatus::done || !proc.start ||
        std::find(products.begin(), products.end(), proc.code) == products.end())
      continue;
    for (const LabResult* l : confounded)
      if (*proc.start <= l->time && l->time <= *proc.start + window &&
          (!earliest || *proc.start < *earliest))
        earliest = proc.start;
  }
  const LabResult* before = nullptr;
  for (const LabResult* l : c.labs(Analyte::platelets))
    if (earliest && l->time < *earliest) before = l;
  const Seconds max_age = seconds_of_days(c.p.num("CONF-1", "fallback_max_age"));
  return before && before->time >= start_of(s) - max_age && low(before);
}

}  // namespace

void compute_response(Ctx& c) {
  // The courses examined for day 0 are the therapy episodes (COURSE-1, sorted by start):
  // a dose change, a duplicate statement or a single administration inside a course is not
  // a new course.
  std::vector<Instant> courses;
  for (const auto& e : c.out.therapy)
    if (e.counts_for_therapy_start) courses.push_back(e.start);
  if (courses.empty()) return;  // no KMP-directed therapy: response stays null
  Response resp;
  resp.why = c.prov("RESP-1");
  const double threshold = c.p.num("KMP-1", "response_above");
  const double present_below = c.p.num("KMP-1", "present_below");
  const double week4_first = c.p.num("RESP-1", "week4_first_day");
  const double week4_last = c.p.num("RESP-1", "week4_last_day");
  const Seconds resolution_gap = seconds_of_days(c.p.num("RESP-1", "resolution_gap"));
  const auto& plts = c.labs(Analyte::platelets);
  for (const Instant start : courses) {
    Date s = date_of(start);
    if (baseline_low(c, s)) {
      resp.therapy_start = s;
      break;
    }
  }
  if (resp.therapy_start) {
    Date s = *resp.therapy_start;
    // A count shows a response only when non-confounded and above the threshold; it shows
    // the threshold is not reached when it is known not to be above it, confounded or not
    // (§2). A confounded count above the threshold shows neither.
    auto high = [&](const LabResult* l) {
      return !c.platelet_confounded(*l) && above(l->value, threshold).value_or(false);
    };
    auto not_high = [&](const LabResult* l) {
      return c.platelet_confounded(*l) ? !above(l->value, threshold).value_or(true) : !high(l);
    };

    const LabResult* first_response = nullptr;
    bool any_after = false;
    for (const LabResult* l : plts) {
      int day = static_cast<int>(days_between(s, date_of(l->time)));
      if (day < 1) continue;
      any_after = true;
      if (high(l)) {
        first_response = l;
        resp.days_to_platelet_response = day;
        break;
      }
    }
    if (any_after) resp.platelet_response = first_response != nullptr;

    // Week 4 (RESP-1 window): the last count in the window decides, and every count since
    // the first response (by time, not date: "since the first response") up to it must stay
    // above the threshold.
    const LabResult* last_in_window = nullptr;
    for (const LabResult* l : plts) {
      int day = static_cast<int>(days_between(s, date_of(l->time)));
      if (day >= week4_first && day <= week4_last) last_in_window = l;
    }
    if (last_in_window) {
      bool ok = first_response && high(last_in_window);
      if (ok)
        for (const LabResult* l : plts) {
          if (l->time < first_response->time || l->time > last_in_window->time) continue;
          if (not_high(l)) ok = false;
        }
      resp.durable_platelet_response_week4 = ok;
    }

    // Resolution: a count > threshold at least 7 days after an earlier one, all between
    // above. Relapse: after resolution, a count < 100 (KMP-1 present again).
    std::optional<Date> resolved;
    const LabResult* first_high = nullptr;
    for (const LabResult* l : plts) {
      if (date_of(l->time) < s) continue;
      if (high(l)) {
        if (!first_high)
          first_high = l;
        else if (!resolved && l->time - first_high->time >= resolution_gap)
          resolved = date_of(l->time);
      } else if (not_high(l)) {
        first_high = nullptr;
        if (resolved && below(l->value, present_below).value_or(false)) resp.relapse = true;
      }
    }
    resp.resolution_date = resolved;
    if (resp.relapse) {
      c.finding("RESP-1", "Platelets fell below the threshold after KMP resolved (relapse).");
      c.alert("kmp_relapse", c.p.list("RESP-1", "relapse_checks"));
    }

    // Fibrinogen stabilization from day 0: the latest non-confounded value >= threshold and
    // none below it after the first such value; "null without a fibrinogen after day 0", so
    // a baseline value alone decides nothing. A confounded value cannot show stabilization
    // but a confounded value below the threshold shows a fall (§2).
    bool seen_stable = false, fell = false, any_after_day0 = false;
    const double fib_threshold = c.p.num("KMP-3", "fibrinogen_below");
    for (const LabResult* l : c.labs(Analyte::fibrinogen)) {
      const int day = static_cast<int>(days_between(s, date_of(l->time)));
      if (day < 0) continue;
      const bool confounded = c.fibrinogen_confounded(*l);
      const bool low = confounded ? below(l->value, fib_threshold).value_or(false)
                                  : below(l->value, fib_threshold).value_or(true);
      if (confounded && !low) continue;  // ignored: never a better status
      if (day >= 1) any_after_day0 = true;
      if (!low)
        seen_stable = true;
      else if (seen_stable)
        fell = true;
    }
    if (any_after_day0) resp.fibrinogen_stabilized = seen_stable && !fell;
  }
  c.out.response = resp;
}

}  // namespace khe::engine
