// The aggregate file of `khe cohort --export-aggregates` (issue 7, federated analysis): a
// centre's per-group counts and survival tables as JSON, read back by
// cohort::read_aggregates. Layout in docs/cohort.md ("Federated analysis"). No patient id,
// no date of a patient, no per-patient row: only the tallies of cohort/aggregates.h.
#pragma once

#include <string>

#include "cohort/aggregates.h"

namespace khe::cohort_write {

// Counts as integers; times and the confidence level as shortest round-trip doubles, so
// the reader gets back the very same numbers and the pooled analysis is exact. Each group
// has "small_cell": cohort::is_small_cell at the aggregates' threshold.
std::string to_aggregates_json(const cohort::Aggregates& a);

}  // namespace khe::cohort_write
