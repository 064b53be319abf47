// Probability of target attainment (issue 5, item 5): Monte Carlo simulation of the
// steady-state trough of N children under a weight-based dosing rule, with the model's
// inter-individual variability and residual error, so that a centre can compare rules.
//
// Simulation, for child i = 1..N (draws in this order, from one std::mt19937_64 seeded
// with `seed`):
//   weight  w_i ~ U[A, B] kg                      (one 53-bit uniform)
//   η_i     ~ N(0, ω²) for each name in model.eta_names, in that order (diagonal Ω)
//   dose    = X mg/kg/day · w_i · T h / 24 h, every T h
//   trough  f_i = steady_state_trough(individual(w_i, η_i), dose, T)   (predict.h)
//   observed y_i = f_i + √Var_i · ε_i, ε_i ~ N(0, 1), Var_i = σ_prop²·f_i² + σ_add²
//            (the model's residual error; an additive error may give y_i < 0, which
//            counts as below the target, as a measured value would be reported < LLOQ)
// y_i is below if y_i < LOW, above if y_i > HIGH, within otherwise (bounds inclusive).
// Normal draws use our own Box-Muller transform (pairs, the second cached) so the
// results depend only on the seed, not on the standard library's distributions.
// Quantiles are of y_i, R type 7 (linear interpolation between order statistics).
//
// Performance: everything that does not depend on the child (typical parameters,
// categorical covariate factors, weight exponents, η slots) is computed once; the loop
// allocates nothing except the one N-element buffer for the quantiles.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/result.h"
#include "pk/model.h"

namespace khe::pk {

struct PtaOptions {
  double weight_min_kg = 0.0;  // A
  double weight_max_kg = 0.0;  // B (A == B: every child has that weight)
  double mg_per_kg_day = 0.0;  // X
  double interval_h = 0.0;     // T
  double target_low_ng_per_ml = 0.0;
  double target_high_ng_per_ml = 0.0;
  std::uint64_t n = 0;
  std::uint64_t seed = 0;
  // Categorical covariates (e.g. {"CYP3A5", "expresser"}); unset ones use the model's
  // `missing` category.
  std::map<std::string, std::string> categories;
  // Switches for tests and what-if runs: false drops the IIV / residual error (the draws
  // are still made so the weight stream is the same).
  bool inter_individual_variability = true;
  bool residual_error = true;
};

// Upper limit of n (one double per child is kept for the quantiles: 8 bytes × n).
inline constexpr std::uint64_t kPtaMaxChildren = 50'000'000;

struct PtaQuantile {
  double p = 0.0;          // 0.05 …
  double ng_per_ml = 0.0;  // trough quantile
};

struct PtaResult {
  std::uint64_t n = 0;
  std::uint64_t below = 0;
  std::uint64_t within = 0;
  std::uint64_t above = 0;
  double below_pct = 0.0;  // 100 · below / n; the three sum to 100 (up to rounding)
  double within_pct = 0.0;
  double above_pct = 0.0;
  double mean_ng_per_ml = 0.0;
  std::vector<PtaQuantile> quantiles;  // p = 0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95
};

// Errors (as values): A or B not finite or ≤ 0, A > B, X or T not finite or ≤ 0,
// LOW < 0, LOW ≥ HIGH or not finite, n == 0 or n > kPtaMaxChildren, and the model's
// individual_parameters errors (unknown category, missing required covariate).
Result<PtaResult> simulate_pta(const Model& model, const PtaOptions& options);

// The same without the quantile buffer (no allocation at all): counts and mean only.
// Used by the benchmark of the inner loop and by callers that need no quantiles.
Result<PtaResult> simulate_pta_counts(const Model& model, const PtaOptions& options);

}  // namespace khe::pk
