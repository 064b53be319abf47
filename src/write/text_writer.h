// The clinician's one-screen plain-text summary of a report.
#pragma once

#include <string>

#include "engine/report.h"
#include "knowledge/knowledge.h"

namespace khe::write {

// Lines of at most kTextWidth characters; every conclusion ends with its rule IDs.
std::string to_text(const engine::Report& report, const knowledge::Knowledge& knowledge);

inline constexpr std::size_t kTextWidth = 100;

}  // namespace khe::write
