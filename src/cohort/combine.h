// Pooling centres' aggregate files into one analysis (issue 7, federated analysis): the
// files must describe the same analysis (endpoints, grouping, confidence, knowledge and
// profile); their tallies are summed and given to the same statistics() as a patient-level
// run, so the result is exactly the analysis of all the centres' patients together, except
// that not-evaluable patients are counts by reason (their ids stay at the centres).
#pragma once

#include <string>
#include <vector>

#include "cohort/aggregates.h"
#include "cohort/cohort.h"
#include "core/result.h"

namespace khe::cohort {

struct AggregateFile {
  std::string name;  // as given on the command line, for errors and the provenance
  Aggregates aggregates;
};

// Errors (where = the file's name and the field): files that disagree on endpoints (the
// same ones in the same order), by, confidence, knowledge_version or profile; a sum too
// large. The result's as_of is the latest of the files' (each listed in combined_from);
// engine_version lists the distinct versions, comma-separated; input.sha256 is left to the
// caller (a hash of the files' bytes). Precondition: at least one file.
Result<CohortResult> combine(const std::vector<AggregateFile>& files,
                             const std::string& reference = "");

}  // namespace khe::cohort
