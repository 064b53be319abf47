// Thin wrapper around NLopt (C API) for bound-constrained, derivative-free minimisation.
// Keeps nlopt.h out of every other header; used by the MAP estimator (map.h).
#pragma once

#include <functional>
#include <span>
#include <vector>

namespace khe::pk {

using ObjectiveFn = std::function<double(std::span<const double> x)>;

struct BoundedMinimizeOptions {
  std::vector<double> lower;
  std::vector<double> upper;
  std::vector<double> initial_step;  // per coordinate; empty = NLopt's default
  std::vector<double> xtol_abs;      // per coordinate; empty = none
  double ftol_abs = 0.0;             // 0 = none
  int max_evaluations = 10000;
};

struct BoundedMinimum {
  std::vector<double> x;  // best point found (inside the bounds)
  double f = 0.0;         // objective at x
  int evaluations = 0;
  int nlopt_status = 0;    // nlopt_result; negative values other than ROUNDOFF_LIMITED are failures
  bool converged = false;  // status > 0 or ROUNDOFF_LIMITED (-4)
};

// Minimises f from x0 with LN_BOBYQA inside [lower, upper]. x0 is clamped into the bounds.
// Precondition: lower, upper, x0 have the same non-zero size and lower < upper.
// Deterministic: BOBYQA uses no random numbers.
BoundedMinimum minimize_bobyqa(const ObjectiveFn& f, std::vector<double> x0,
                               const BoundedMinimizeOptions& options);

}  // namespace khe::pk
