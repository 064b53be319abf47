// Where the clinical knowledge comes from: the set compiled into the binary, or a centre's
// own folder given with --knowledge DIR.
#pragma once

#include <optional>
#include <string>

#include "core/result.h"
#include "knowledge/knowledge.h"

namespace khe::cli {

Result<knowledge::Knowledge> load_knowledge(const std::optional<std::string>& dir);

// "default, consensus-2013": the profiles a --profile may name.
std::string profile_list(const knowledge::Knowledge& k);

}  // namespace khe::cli
