// A centre's cohort as aggregates (issue 7, federated analysis): the per-group tallies of
// each endpoint (tally.h) with the provenance and input counts, and nothing that names or
// dates a patient. `khe cohort --export-aggregates` writes one per centre
// (cohort_write/aggregates_json.h); `khe cohort --combine` reads them back
// (read_aggregates) and pools them (combine.h). The file format is in docs/cohort.md
// ("Federated analysis").
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cohort/cohort.h"
#include "cohort/tally.h"
#include "core/result.h"

namespace khe::cohort {

// The "format" of the file; a reader refuses any other (a later layout gets a new tag).
inline constexpr const char* kAggregatesFormat = "khe-cohort-aggregates/1";
inline constexpr int kDefaultSmallCell = 5;

struct Aggregates {
  Provenance provenance;
  InputSummary input;  // counts, and sha256 of the centre's input
  Grouping by = Grouping::arm;
  double confidence = 0.95;
  int small_cell = kDefaultSmallCell;    // the threshold the flags were set with
  std::vector<EndpointTally> endpoints;  // listed = false: no patient list
};

// The aggregates of a centre's analysis: the tallies without their patient lists. A reason
// "record unreadable: <the reader's message>" becomes "record unreadable", since the message
// may quote the record (a date, an id).
Aggregates make_aggregates(const Provenance& provenance, const InputSummary& input, Grouping by,
                           double confidence, int small_cell, std::vector<EndpointTally> tallies);

// A cell to be careful with before it leaves the centre: a count of evaluable patients, of
// responders (events) or of non-responders (event-free) between 1 and `threshold`, where
// one child might be recognised. Flagged, never suppressed, so the pooled result is exact.
bool is_small_cell(const GroupTally& g, bool time_to_event, int threshold);

// Parses an aggregate file, validating every field's type and the tallies' consistency
// (counts add up, tables in increasing time order): whatever it returns, statistics() may
// be given. Errors name the JSON path (e.g. "endpoints[0].groups[1].n").
Result<Aggregates> read_aggregates(std::string_view text);

}  // namespace khe::cohort
