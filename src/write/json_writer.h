// The machine-readable report (docs: shared contract report.md). Key order is fixed, so the
// same Report always gives the same bytes.
#pragma once

#include <string>

#include "engine/report.h"

namespace khe::write {

// Pretty-printed JSON (2-space indent) with a trailing newline.
std::string to_json(const engine::Report& report);

}  // namespace khe::write
