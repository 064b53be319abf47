// The cohort analysis for the terminal (`khe cohort --format text`): provenance, what was
// read, and per endpoint a table of the groups, the comparisons or log-rank test, and the
// not-evaluable patients by reason (the first few by id; the JSON lists every one).
#pragma once

#include <cstddef>
#include <string>

#include "cohort/cohort.h"

namespace khe::cohort_write {

// Not-evaluable patients named one by one per endpoint in text; the rest are counted.
inline constexpr std::size_t kTextNotEvaluableListed = 20;

std::string to_text(const cohort::CohortResult& result);

}  // namespace khe::cohort_write
