// Rounding a liquid dose to what can be measured (DOSE-RND-1), shared by the start doses
// and the trough-based adjustments. Internal to the engine.
#pragma once

#include <string>

#include "core/quantity.h"
#include "engine/context.h"

namespace khe::engine {

struct Measurable {
  Milligrams dose;
  Millilitres volume;
};

// Rounds `calc` to the volume step of `conc`. Invariants: the result never exceeds `cap`,
// never exceeds `calc` by more than `max_up` (a fraction), and is never above `calc` at all
// when `down_only`.
Measurable round_liquid(Milligrams calc, MgPerMl conc, double step_ml, double max_up,
                        bool down_only, Milligrams cap);

// The note offering whole tablets instead of the liquid ("0.5 mg", "1 mg + 0.5 mg"): the
// same words for a start dose and a trough-based adjustment.
std::string tablet_option_note(const std::string& tablets);

// round_liquid with the DOSE-RND-1 parameters of the profile: always down under the
// round-down age (corrected), else to the nearest step within the allowed rise.
Measurable measurable(const Ctx& c, Milligrams calc, MgPerMl conc, Milligrams cap);

}  // namespace khe::engine
