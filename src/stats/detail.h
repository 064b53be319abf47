// Internal helpers of the stats module (not part of its contract).
#pragma once

#include <string>

#include "stats/survival.h"

namespace khe::stats::detail {

// Throws std::invalid_argument unless `table` has finite times >= 0 in strictly increasing
// order and counts >= 0. `who` names the caller in the message.
void check_table(const SurvivalTable& table, const std::string& who);

// Subjects in the table (events + censorings).
int subjects(const SurvivalTable& table);

}  // namespace khe::stats::detail
