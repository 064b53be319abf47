// Meaningful types crossing the pk module boundary: times in hours, doses in mg,
// concentrations in ng/mL. A bare double never means "a time" or "a concentration".
#pragma once

#include <chrono>
#include <compare>
#include <optional>
#include <ratio>

#include "core/quantity.h"

namespace khe::pk {

// Time on the model's clock, in hours (fractional), relative to a caller-chosen origin.
using Hours = std::chrono::duration<double, std::ratio<3600>>;

// Whole-blood concentration in ng/mL (= µg/L).
struct NgPerMl {
  double value = 0.0;
  auto operator<=>(const NgPerMl&) const = default;
};

// One oral dose into the depot. If `steady_state_interval` is set the dose is the latest
// of a regimen (same amount every interval) that has been running long enough to reach
// steady state: the compartments are reset to the steady-state amounts just after this
// dose (NONMEM SS=1, II=interval), computed with the parameters in effect at `time`.
struct Dose {
  Hours time{0.0};
  Milligrams amount{0.0};
  std::optional<Hours> steady_state_interval = std::nullopt;
};

}  // namespace khe::pk
