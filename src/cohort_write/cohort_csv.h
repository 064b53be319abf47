// The cohort analysis as one CSV table (`khe cohort --format csv`) for R (read.csv) and
// pandas (read_csv): a header, then a row per group of every endpoint, then a row per
// comparison, then a row per log-rank test; the `row` column says which. Empty cells are
// "not applicable" (NA / NaN). RFC 4180: CRLF line ends, fields with a comma, quote, CR or
// LF quoted, quotes doubled. Columns documented in docs/cohort.md.
#pragma once

#include <string>
#include <string_view>

#include "cohort/cohort.h"

namespace khe::cohort_write {

std::string to_csv(const cohort::CohortResult& result);

// One RFC 4180 field: `s` as is, or quoted (with quotes doubled) when it holds a comma, a
// double quote, CR or LF.
std::string csv_field(std::string_view s);

}  // namespace khe::cohort_write
