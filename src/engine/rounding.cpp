#include "engine/rounding.h"

#include <cmath>

namespace khe::engine {

Measurable round_liquid(Milligrams calc, MgPerMl conc, double step_ml, double max_up,
                        bool down_only, Milligrams cap) {
  const double per_ml = std::round(1.0 / step_ml);  // steps per mL (100 for 0.01 mL)
  const double steps = calc.value / conc.value * per_ml;
  double down = std::floor(steps + 1e-9);
  double pick = down_only ? down : std::floor(steps + 0.5);
  auto dose_of = [&](double n) { return n / per_ml * conc.value; };
  if (dose_of(pick) > calc.value * (1 + max_up) + 1e-12) pick = down;
  if (dose_of(pick) > cap.value + 1e-12) pick = std::floor(cap.value / conc.value * per_ml + 1e-9);
  return {Milligrams(dose_of(pick)), Millilitres(pick / per_ml)};
}

Measurable measurable(const Ctx& c, Milligrams calc, MgPerMl conc, Milligrams cap) {
  const bool down_only = c.corrected_age_days < c.p.num("DOSE-RND-1", "round_down_below");
  return round_liquid(calc, conc, c.p.num("DOSE-RND-1", "volume_step"),
                      c.p.num("DOSE-RND-1", "max_round_up_fraction"), down_only, cap);
}

std::string tablet_option_note(const std::string& tablets) {
  return "Tablet option for a child who can swallow tablets whole (never split or crushed): " +
         tablets + ".";
}

}  // namespace khe::engine
