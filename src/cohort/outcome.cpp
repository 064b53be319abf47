// Reduces an engine report to the study's endpoints (outcome.h has the decisions).
#include "cohort/outcome.h"

#include <algorithm>
#include <set>

namespace khe::cohort {
namespace {

EndpointValue not_evaluable(std::string reason) {
  EndpointValue v;
  v.not_evaluable = std::move(reason);
  return v;
}

EndpointValue binary(const std::optional<bool>& value, const char* reason_when_null) {
  EndpointValue v;
  if (value)
    v.responder = *value;
  else
    v.not_evaluable = reason_when_null;
  return v;
}

EndpointValue& at(PatientOutcome& o, Endpoint e) { return o.endpoints[static_cast<int>(e)]; }

// Statuses of a subject that was never enrolled (R4 research-subject-status).
bool never_enrolled(std::string_view status) {
  static constexpr std::string_view kNot[] = {
      "candidate",           "eligible",  "ineligible",      "not-registered",
      "potential-candidate", "screening", "pending-on-study"};
  return std::find(std::begin(kNot), std::end(kNot), status) != std::end(kNot);
}

// The group under `by`, or "" with `why`.
std::string group_of(const GroupInput& g, const engine::Report* report, std::string* why) {
  switch (g.by) {
    case Grouping::none:
      return "all";
    case Grouping::arm:
      return arm_of(g.subjects, why);
    case Grouping::regimen:
      if (!report) {
        *why = "record unreadable";
        return {};
      }
      if (!g.config) {
        *why = "no regimen knowledge";
        return {};
      }
      return first_line_regimen(*report, *g.config, why);
  }
  return {};
}

}  // namespace

std::string arm_of(const std::vector<StudySubject>& subjects, std::string* why_none) {
  std::set<std::string> arms;
  bool not_enrolled = false, no_arm = false;
  for (const auto& s : subjects) {
    if (never_enrolled(s.status)) {
      not_enrolled = true;
      continue;
    }
    const std::string& arm = !s.actual_arm.empty() ? s.actual_arm : s.assigned_arm;
    if (arm.empty())
      no_arm = true;
    else
      arms.insert(arm);
  }
  if (arms.size() == 1) return *arms.begin();
  if (arms.size() > 1) {
    std::string list;
    for (const auto& a : arms) list += (list.empty() ? "" : ", ") + a;
    *why_none = "ResearchSubjects with different arms (" + list + ")";
  } else if (subjects.empty()) {
    *why_none = "no ResearchSubject";
  } else if (no_arm) {
    *why_none = "ResearchSubject without actualArm or assignedArm";
  } else if (not_enrolled) {
    *why_none = "ResearchSubject not enrolled (status)";
  }
  return {};
}

std::string first_line_regimen(const engine::Report& report, const knowledge::CohortConfig& config,
                               std::string* why_none) {
  if (!report.response || !report.response->therapy_start) {
    *why_none = kNoTherapyStart;
    return {};
  }
  const Date day0 = *report.response->therapy_start;
  const Date from = day0 - std::chrono::days(config.window_before_days);
  const Date to = day0 + std::chrono::days(config.window_after_days);
  std::set<std::string> given;
  for (const auto& e : report.therapy) {
    if (!config.counts(e.drug)) continue;
    const Date start = date_of(e.start);
    const bool starts_in_window = start >= from && start <= to;
    const bool given_on_day0 = start <= day0 && (!e.end || date_of(*e.end) >= day0);
    if (starts_in_window || given_on_day0) given.insert(e.drug);
  }
  if (given.empty()) {
    *why_none = "no drug of knowledge/cohort.json given around day 0";
    return {};
  }
  for (const auto& r : config.regimens) {
    bool every_slot = true;
    for (const auto& slot : r.drugs) {
      bool filled = false;
      for (const auto& d : slot) filled = filled || given.count(d) > 0;
      every_slot = every_slot && filled;
    }
    bool every_drug = true;
    for (const auto& d : given) {
      bool covered = false;
      for (const auto& slot : r.drugs) covered = covered || std::count(slot.begin(), slot.end(), d);
      every_drug = every_drug && covered;
    }
    if (every_slot && every_drug) return r.name;
  }
  std::string list;
  for (const auto& d : given) list += (list.empty() ? "" : ", ") + d;
  *why_none = "first-line drugs match no regimen of knowledge/cohort.json (" + list + ")";
  return {};
}

PatientOutcome outcome_of(std::string patient_id, const engine::Report& report,
                          const GroupInput& group) {
  PatientOutcome o;
  o.patient_id = std::move(patient_id);
  o.group = group_of(group, &report, &o.no_group);
  const auto& r = report.response;
  if (!r || !r->therapy_start) {
    for (auto& v : o.endpoints) v = not_evaluable(kNoTherapyStart);
    return o;
  }
  at(o, Endpoint::durable_platelet_response_week4) =
      binary(r->durable_platelet_response_week4, kNoWeek4Count);
  at(o, Endpoint::platelet_response) = binary(r->platelet_response, kNoPlateletAfterDay0);
  at(o, Endpoint::fibrinogen_stabilized) = binary(r->fibrinogen_stabilized, kNoFibrinogenAfterDay0);
  at(o, Endpoint::relapse) =
      r->resolution_date ? binary(r->relapse, "") : not_evaluable(kNotResolved);

  EndpointValue& ttr = at(o, Endpoint::time_to_platelet_response);
  if (r->days_to_platelet_response) {
    ttr.time = stats::Survival{static_cast<double>(*r->days_to_platelet_response), true};
  } else {
    const Date day0 = *r->therapy_start;
    std::optional<std::int64_t> last;
    for (const auto& s : report.timeline.series) {
      if (s.analyte != "platelets") continue;
      for (const auto& p : s.points) {
        const std::int64_t day = days_between(day0, date_of(p.time));
        if (day >= 1 && (!last || day > *last)) last = day;
      }
    }
    if (last)
      ttr.time = stats::Survival{static_cast<double>(*last), false};
    else
      ttr.not_evaluable = kNoPlateletAfterDay0;
  }
  return o;
}

PatientOutcome unreadable_outcome(std::string patient_id, std::string_view reason,
                                  const GroupInput& group) {
  PatientOutcome o;
  o.patient_id = std::move(patient_id);
  o.group = group_of(group, nullptr, &o.no_group);
  for (auto& v : o.endpoints) v = not_evaluable(std::string(reason));
  return o;
}

}  // namespace khe::cohort
