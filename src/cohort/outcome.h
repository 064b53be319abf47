// One patient's study outcome, reduced from the engine's report (spec §8, report contract
// `response`): each endpoint as a binary value, a time to event, or why it cannot be counted,
// and the patient's group (arm, first-line regimen given, or "all").
//
// Decisions (documented in README.md, tested in tests/unit/cohort/outcome_test.cpp):
// - No KMP-directed therapy start (no response, or no course qualifying as day 0): every
//   endpoint is not evaluable, "no KMP-directed therapy start (spec §8)".
// - relapse: counted only for children whose KMP resolved (spec §8: "after resolution, a
//   count < 100"): responder = relapse; a child whose KMP never resolved is not evaluable,
//   "KMP did not resolve (relapse is counted after resolution, spec §8)".
// - time_to_platelet_response: the event at days_to_platelet_response; else censored at the
//   day of the last platelet count after day 0 (the report's "platelets" series); not
//   evaluable without such a count.
// - arm: ResearchSubject.actualArm, else assignedArm. A subject never enrolled (status
//   candidate, eligible, ineligible, not-registered, potential-candidate, screening,
//   pending-on-study) has no arm; a withdrawn or off-study subject keeps the arm it was
//   allocated (intention to treat). Subjects naming different arms: no group.
// - regimen: knowledge/cohort.json (see knowledge/cohort_config.h).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cohort/cohort.h"
#include "engine/report.h"
#include "knowledge/cohort_config.h"

namespace khe::cohort {

// What a ResearchSubject says (R4: `individual`, `status`, `actualArm`, `assignedArm`).
struct StudySubject {
  std::string status;
  std::string actual_arm;
  std::string assigned_arm;
};

// The patient's arm from its ResearchSubjects, or why there is none (`why_none`).
std::string arm_of(const std::vector<StudySubject>& subjects, std::string* why_none);

// The first-line regimen actually given (knowledge/cohort.json), or "" with `why_none`.
std::string first_line_regimen(const engine::Report& report, const knowledge::CohortConfig& config,
                               std::string* why_none);

// The patient's group under `by`; "" with `why_none` when none applies.
struct GroupInput {
  Grouping by = Grouping::arm;
  std::vector<StudySubject> subjects;               // by arm
  const knowledge::CohortConfig* config = nullptr;  // by regimen (required then)
};

PatientOutcome outcome_of(std::string patient_id, const engine::Report& report,
                          const GroupInput& group);

// A patient whose record the reader refused: every endpoint not evaluable with `reason`
// ("record unreadable: ..."); grouped by arm when the arm is known, else no group.
PatientOutcome unreadable_outcome(std::string patient_id, std::string_view reason,
                                  const GroupInput& group);

// Reasons, exactly as the outputs show them.
inline constexpr const char* kNoTherapyStart = "no KMP-directed therapy start (spec §8)";
inline constexpr const char* kNoWeek4Count = "no platelet count on days 25-31";
inline constexpr const char* kNoPlateletAfterDay0 = "no platelet count after day 0";
inline constexpr const char* kNoFibrinogenAfterDay0 = "no fibrinogen after day 0";
inline constexpr const char* kNotResolved =
    "KMP did not resolve (relapse is counted after resolution, spec §8)";

}  // namespace khe::cohort
