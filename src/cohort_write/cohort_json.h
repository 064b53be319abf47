// The cohort analysis as JSON (`khe cohort --format json`): provenance, what was read, and
// per endpoint the groups, comparisons or log-rank test and the not-evaluable patients.
// Keys in a fixed order, numbers rounded (format.h), so the same result always gives the
// same bytes. Layout documented in docs/cohort.md.
#pragma once

#include <string>

#include "cohort/cohort.h"

namespace khe::write {
class JsonStream;
}

namespace khe::cohort_write {

std::string to_json(const cohort::CohortResult& result);

// The "input" key and object of to_json (what was read: counts only); the aggregates file
// of a federated analysis (aggregates_json.h) writes the same.
void write_input_json(write::JsonStream& j, const cohort::InputSummary& in);

// What the HTML page's Kaplan-Meier plot reads (web/chart/khe-chart.js renderKaplanMeier):
// {"endpoint", "label", "plot", "confidence", "groups": [{"group", "n", "events",
// "censored", "median", "median_ci_low", "median_ci_high", "steps", "censored_at"}]}, the
// groups as in to_json. "plot" is "cumulative" (1 - S(t), the share with the event: the
// event of a time-to-response endpoint is the response) or "survival".
std::string km_chart_json(const cohort::EndpointResult& endpoint, double confidence);

}  // namespace khe::cohort_write
