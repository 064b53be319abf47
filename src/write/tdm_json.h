// A sirolimus TDM result (pk::fit) as JSON members. One serialization for both places the
// result appears (issue 5: "the same result is used by khe evaluate"): the whole document
// of `khe tdm` and the report's sirolimus_trough.model_based.
#pragma once

#include <string_view>

#include "pk/fit.h"
#include "write/json_stream.h"

namespace khe::write {

// Writes the members (not the braces) into the object `j` has open: model, eta, eta_sd,
// a_priori, covariates_at_as_of, individual, typical, current_regimen,
// predicted_trough_ss_ng_per_mL, target, recommendation, observations_used, observations,
// doses_used, curve (the individual predicted concentrations: `time`, `ng_per_mL`,
// `projected`), warnings, notes. `target_source` says where the target came from
// ("TARGET-1 (kmp)", "--target").
void write_tdm_members(JsonStream& j, const pk::TdmResult& r, std::string_view target_source);

}  // namespace khe::write
