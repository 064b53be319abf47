// The cohort analysis as one self-contained, printable HTML page (`khe cohort --format
// html`), ready to attach to a study report: per endpoint the group table, the comparisons
// or the log-rank test, a Kaplan-Meier plot for time to event (web/chart/khe-chart.js
// renderKaplanMeier with Chart.js, both inlined), the not-evaluable patients; then what was
// read and the provenance. Inline CSS and scripts only; a Content-Security-Policy forbids
// any network access. Every text is escaped; the same result gives the same bytes.
#pragma once

#include <cstddef>
#include <string>

#include "cohort/cohort.h"

namespace khe::cohort_write {

// Not-evaluable patients listed one by one per endpoint on the page (all are counted by
// reason; the JSON lists every one).
inline constexpr std::size_t kHtmlNotEvaluableListed = 1000;

std::string to_html(const cohort::CohortResult& result);

}  // namespace khe::cohort_write
