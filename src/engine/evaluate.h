// The engine's entry point: a pure function of its arguments.
#pragma once

#include <vector>

#include "core/time.h"
#include "engine/report.h"
#include "knowledge/knowledge.h"
#include "model/record.h"

namespace khe::engine {

// Evaluates one child's record as of `as_of`. Does no I/O and reads no clock. Data-quality
// issues of the record are carried into the report. `input_sha256` is left empty: the
// adapter that read the bytes fills it.
Report evaluate(const model::Record& record, const knowledge::Knowledge& knowledge,
                const knowledge::Profile& profile, Instant as_of);

// Every rule parameter the engine reads; knowledge::load validates against this list.
const std::vector<knowledge::ParamSpec>& parameter_specs();

// The engine version stamped into provenance.
const char* engine_version();

}  // namespace khe::engine
