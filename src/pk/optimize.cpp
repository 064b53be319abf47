#include "pk/optimize.h"

#include <nlopt.h>

#include <algorithm>
#include <cmath>

namespace khe::pk {

namespace {

struct Context {
  const ObjectiveFn* f = nullptr;
};

double trampoline(unsigned n, const double* x, double* grad, void* data) {
  (void)grad;  // derivative-free algorithm: NLopt never asks for a gradient
  const auto* ctx = static_cast<const Context*>(data);
  const double v = (*ctx->f)(std::span<const double>(x, n));
  // NLopt's local searches misbehave on NaN; treat it as a very poor point.
  return std::isnan(v) ? HUGE_VAL : v;
}

}  // namespace

BoundedMinimum minimize_bobyqa(const ObjectiveFn& f, std::vector<double> x0,
                               const BoundedMinimizeOptions& options) {
  const auto n = static_cast<unsigned>(x0.size());
  for (unsigned i = 0; i < n; ++i) x0[i] = std::clamp(x0[i], options.lower[i], options.upper[i]);

  BoundedMinimum out;
  nlopt_opt opt = nlopt_create(NLOPT_LN_BOBYQA, n);
  if (opt == nullptr) {
    out.x = x0;
    out.f = f(x0);
    out.nlopt_status = NLOPT_OUT_OF_MEMORY;
    return out;
  }
  Context ctx{&f};
  nlopt_set_lower_bounds(opt, options.lower.data());
  nlopt_set_upper_bounds(opt, options.upper.data());
  nlopt_set_min_objective(opt, trampoline, &ctx);
  if (!options.initial_step.empty()) nlopt_set_initial_step(opt, options.initial_step.data());
  if (!options.xtol_abs.empty()) nlopt_set_xtol_abs(opt, options.xtol_abs.data());
  if (options.ftol_abs > 0.0) nlopt_set_ftol_abs(opt, options.ftol_abs);
  nlopt_set_maxeval(opt, options.max_evaluations);

  double minf = HUGE_VAL;
  const nlopt_result status = nlopt_optimize(opt, x0.data(), &minf);
  out.evaluations = nlopt_get_numevals(opt);
  nlopt_destroy(opt);

  out.x = std::move(x0);
  out.f = minf;
  out.nlopt_status = static_cast<int>(status);
  out.converged = status > 0 || status == NLOPT_ROUNDOFF_LIMITED;
  return out;
}

}  // namespace khe::pk
