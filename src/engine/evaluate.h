// The engine's entry point: a pure function of its arguments.
#pragma once

#include <vector>

#include "core/time.h"
#include "engine/report.h"
#include "knowledge/knowledge.h"
#include "model/record.h"

namespace khe::engine {

// What a caller needs of the report. Everything by default (khe evaluate, the hooks, the web
// app). A caller that reads only part of the report may leave out work whose result it never
// reads; what it does read is the same as in the full report (tests compare the two).
struct EvaluateOptions {
  // DOSE-SIR-ADJ-1's model-based dosing (the MAP fit of the troughs and the target
  // attainment): most of the time of a record with sirolimus levels. Off only for callers
  // that never read `trough.model_based`, such as the cohort endpoints.
  bool model_based_dosing = true;
};

// Evaluates one child's record as of `as_of`. Does no I/O and reads no clock. Data-quality
// issues of the record are carried into the report. `input_sha256` is left empty: the
// adapter that read the bytes fills it.
Report evaluate(const model::Record& record, const knowledge::Knowledge& knowledge,
                const knowledge::Profile& profile, Instant as_of,
                const EvaluateOptions& options = {});

// Every rule parameter the engine reads; knowledge::load validates against this list.
const std::vector<knowledge::ParamSpec>& parameter_specs();

// The engine version stamped into provenance.
const char* engine_version();

}  // namespace khe::engine
