// Bayesian maximum a posteriori (MAP) estimation of the inter-individual random effects η,
// with the objective of mapbayr (Le Louedec et al. 2021), as specified in
// shared/clinical/sirolimus-pk.md §6. The estimator is generic: it knows nothing about a PK
// model; the caller passes the model as a prediction callback f(η) that returns the
// predicted concentrations at the observation times, in the observations' unit.
//
// Objective (−2 log posterior up to constants), mapbayr `compute_ofv`:
//   OFV(η) = Σ_j [ log Var_j + (y_j − f_j)² / Var_j ]          (quantified observations)
//          + Σ_k [ −2 log Φ((LLOQ_k − f_k) / √Var_k) ]           (BLQ observations, M3)
//          + ηᵀ Ω⁻¹ η
//   Var_j = σ_prop² · g_j² + σ_add²,  g_j = f_j, or 1 when f_j == 0 (mapbayr's guard).
//
// Invariants of a successful MapEstimate (documented contract, checked by the tests):
//   - eta, eta_sd, at_bound, lower, upper have size n = prior dimension; cov is n×n.
//   - lower[i] ≤ eta[i] ≤ upper[i]; at_bound[i] is true iff eta[i] lies within
//     MapOptions::bound_tolerance · ω_i of lower[i] or upper[i] after the last widening.
//   - objective == map_objective(...) evaluated at eta (same bytes).
//   - With no observations: eta = 0, objective = 0, cov = Ω, eta_sd = √diag(Ω) exactly,
//     and the callback is never called.
//   - cov = 2·H⁻¹ (Laplace), H the central-difference Hessian of the OFV at eta;
//     hessian_positive_definite says whether H was positive definite. If it was not,
//     cov and eta_sd are filled with quiet NaN (never a silently wrong number).
//   - Deterministic: the same inputs give the same bytes (fixed start points, derivative-
//     free local optimiser without randomness, ties broken by start order).
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"

namespace khe::pk {

// One measured concentration. `value` and `lloq` are in the model's concentration unit.
// If `blq` is true the result was reported below the limit of quantification: `value` is
// ignored and `lloq` (> 0) enters the M3 likelihood.
struct MapObservation {
  double time = 0.0;  // in the model's time unit; only validated here (finite)
  double value = 0.0;
  bool blq = false;
  double lloq = 0.0;
};

// Residual error: additive (proportional_sd == 0), proportional (additive_sd == 0) or
// combined (both > 0). SDs are in the concentration unit / dimensionless respectively.
struct ResidualError {
  double additive_sd = 0.0;
  double proportional_sd = 0.0;
};

// Prior of η: N(0, Ω). `omega` is the n×n covariance, row-major, symmetric positive
// definite. Use MapPrior::diagonal for the usual diagonal Ω given the ω SDs.
struct MapPrior {
  std::size_t n = 0;
  std::vector<double> omega;  // n*n, row-major

  static MapPrior diagonal(std::span<const double> omega_sd);
  double sd(std::size_t i) const;  // √Ω_ii
};

// Predictions at the observation times, in observation order. The callback may fail (an
// Error); during the search such η are treated as infeasible, at η = 0 the error is returned.
using PredictFn = std::function<Result<std::vector<double>>(std::span<const double> eta)>;

struct MapOptions {
  // Bounds: η_i ∈ ±z·ω_i with z the normal quantile of `bound_tail_probability`
  // (mapbayr: 0.001 → ±3.09 ω). If an estimate lands on a bound, the tail probability is
  // divided by `bound_widening_factor` and the search rerun, up to `max_bound_widenings`.
  double bound_tail_probability = 0.001;
  double bound_widening_factor = 10.0;
  int max_bound_widenings = 3;
  double bound_tolerance = 1e-6;  // in units of ω_i, for the at_bound flag
  // Local searches start from η = 0 and then from ±start_spread·ω_i along each axis;
  // at most `max_starts` starts in that order (≥ 1).
  int max_starts = 5;
  double start_spread = 1.0;
  int max_evaluations_per_start = 20000;
  double xtol_abs = 1e-10;  // in units of ω_i
  // Central-difference Hessian step, in units of ω_i.
  double hessian_step = 1e-3;
};

struct MapEstimate {
  std::vector<double> eta;
  std::vector<double> eta_sd;  // Laplace SD, √diag(cov)
  std::vector<double> cov;     // n*n row-major, 2·H⁻¹
  std::vector<bool> at_bound;
  std::vector<double> lower;  // final bounds used
  std::vector<double> upper;
  double objective = 0.0;  // OFV at eta
  bool hessian_positive_definite = false;
  int evaluations = 0;  // objective evaluations in the searches (not the Hessian)
  int starts = 0;       // local searches run, all widenings included
  int bound_widenings = 0;
  std::size_t observations_used = 0;
};

// The OFV at η (see the header comment). Errors: dimension mismatch, callback error, or a
// prediction count that differs from the observations.
Result<double> map_objective(std::span<const MapObservation> obs, const PredictFn& predict,
                             const MapPrior& prior, const ResidualError& error,
                             std::span<const double> eta);

// The MAP estimate. Errors (as values): invalid prior (n == 0, non-finite, not positive
// definite), invalid residual error (negative, non-finite, both zero), non-finite
// observation time/value, BLQ without a positive finite LLOQ, invalid options, a failing
// callback at η = 0, or a non-finite objective at η = 0.
Result<MapEstimate> map_estimate(std::span<const MapObservation> obs, const PredictFn& predict,
                                 const MapPrior& prior, const ResidualError& error,
                                 const MapOptions& options = {});

// Helpers exposed for tests and for other modules (e.g. target attainment).
// log Φ(z), accurate in both tails (no underflow to −inf for z down to −1e150).
double log_normal_cdf(double z);
// Φ⁻¹(p) for 0 < p < 1, relative accuracy ~1e-15.
double normal_quantile(double p);

}  // namespace khe::pk
