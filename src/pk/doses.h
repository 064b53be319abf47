// Dose history from a model::Record's medications (no double counting).
//
// Rules, in order:
//  1. Only courses of `drug` whose route is oral (or not recorded) count; courses with
//     status planned or on-hold never count; each exclusion is noted.
//  2. MedicationAdministration: one dose at its actual time (start), if ≤ as_of and the
//     dose is known.
//  3. MedicationRequest / MedicationStatement with start, dose and interval: planned doses
//     at start + k × interval (k = 0, 1, …) while the time is before the course's end
//     (exclusive), before the start of the next planned course, and ≤ as_of. A later
//     course supersedes an earlier one from its start (a dose change is a new course);
//     at equal starts a request wins over a statement (the statement repeats the order).
//  4. An administration replaces the planned dose of its slot: a planned dose at s is
//     dropped when an administration lies in [s − interval/2, s + interval/2).
//  5. With `steady_state_at_start`, the first dose of the history, if it is a planned
//     dose, is marked as the latest dose of a regimen already at steady state.
// Times are hours since `origin` (the first dose, or as_of when there is none).
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "core/time.h"
#include "model/record.h"
#include "pk/types.h"

namespace khe::pk {

struct DoseHistoryOptions {
  std::string drug = "sirolimus";
  bool steady_state_at_start = false;
  std::size_t max_doses = 1000000;  // guard against absurd intervals
};

struct DoseHistory {
  Instant origin{};
  std::vector<Dose> doses;         // sorted by time
  std::vector<std::string> notes;  // what was left out and why (no identifiers)
};

Hours hours_since(Instant origin, Instant t);

Result<DoseHistory> dose_history(const model::Record& record, Instant as_of,
                                 const DoseHistoryOptions& options = {});

}  // namespace khe::pk
