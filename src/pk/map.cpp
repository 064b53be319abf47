#include "pk/map.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "pk/optimize.h"

namespace khe::pk {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Objective value for η where the prediction fails: finite, so that the optimiser's
// interpolation models stay well defined, and far above any real OFV.
constexpr double kInfeasible = 1e100;

Error err(std::string message) { return Error{"pk/map", std::move(message)}; }

// Cholesky factor L (row-major, lower) of the n×n symmetric matrix a; false if a is not
// positive definite (or not finite).
bool cholesky(std::size_t n, const std::vector<double>& a, std::vector<double>& l) {
  l.assign(n * n, 0.0);
  for (std::size_t j = 0; j < n; ++j) {
    double d = a[j * n + j];
    for (std::size_t k = 0; k < j; ++k) d -= l[j * n + k] * l[j * n + k];
    if (!(d > 0.0) || !std::isfinite(d)) return false;
    l[j * n + j] = std::sqrt(d);
    for (std::size_t i = j + 1; i < n; ++i) {
      double s = a[i * n + j];
      for (std::size_t k = 0; k < j; ++k) s -= l[i * n + k] * l[j * n + k];
      l[i * n + j] = s / l[j * n + j];
    }
  }
  return true;
}

// Solves L z = b (forward substitution).
std::vector<double> forward(std::size_t n, const std::vector<double>& l,
                            std::span<const double> b) {
  std::vector<double> z(n);
  for (std::size_t i = 0; i < n; ++i) {
    double s = b[i];
    for (std::size_t k = 0; k < i; ++k) s -= l[i * n + k] * z[k];
    z[i] = s / l[i * n + i];
  }
  return z;
}

// A⁻¹ from its Cholesky factor.
std::vector<double> inverse_from_cholesky(std::size_t n, const std::vector<double>& l) {
  std::vector<double> inv(n * n, 0.0);
  std::vector<double> e(n, 0.0);
  for (std::size_t c = 0; c < n; ++c) {
    std::fill(e.begin(), e.end(), 0.0);
    e[c] = 1.0;
    auto z = forward(n, l, e);
    // back substitution Lᵀ x = z
    std::vector<double> x(n);
    for (std::size_t ii = n; ii-- > 0;) {
      double s = z[ii];
      for (std::size_t k = ii + 1; k < n; ++k) s -= l[k * n + ii] * x[k];
      x[ii] = s / l[ii * n + ii];
    }
    for (std::size_t r = 0; r < n; ++r) inv[r * n + c] = x[r];
  }
  return inv;
}

Result<bool> validate(std::span<const MapObservation> obs, const MapPrior& prior,
                      const ResidualError& error, std::vector<double>& omega_chol) {
  if (prior.n == 0) return err("the prior has no random effect (n = 0)");
  if (prior.omega.size() != prior.n * prior.n) return err("the prior covariance is not n×n");
  for (double v : prior.omega)
    if (!std::isfinite(v)) return err("the prior covariance has a non-finite entry");
  for (std::size_t i = 0; i < prior.n; ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (prior.omega[i * prior.n + j] != prior.omega[j * prior.n + i])
        return err("the prior covariance is not symmetric");
  if (!cholesky(prior.n, prior.omega, omega_chol))
    return err("the prior covariance is not positive definite");
  if (!std::isfinite(error.additive_sd) || !std::isfinite(error.proportional_sd) ||
      error.additive_sd < 0.0 || error.proportional_sd < 0.0)
    return err("residual error SDs must be finite and not negative");
  if (error.additive_sd == 0.0 && error.proportional_sd == 0.0)
    return err("residual error has neither an additive nor a proportional SD");
  for (std::size_t j = 0; j < obs.size(); ++j) {
    const auto& o = obs[j];
    const std::string where = "observation " + std::to_string(j);
    if (!std::isfinite(o.time)) return err(where + ": time is not a finite number");
    if (o.blq) {
      if (!std::isfinite(o.lloq) || !(o.lloq > 0.0))
        return err(where + ": below the limit of quantification without a positive LLOQ");
    } else if (!std::isfinite(o.value)) {
      return err(where + ": value is not a finite number");
    }
  }
  return true;
}

// OFV with a pre-factored Ω. Errors carry a message; the search maps them to kInfeasible.
Result<double> ofv(std::span<const MapObservation> obs, const PredictFn& predict, std::size_t n,
                   const std::vector<double>& omega_chol, const ResidualError& error,
                   std::span<const double> eta) {
  if (eta.size() != n) return err("η has the wrong dimension");
  double total = 0.0;
  if (!obs.empty()) {
    auto pred = predict(eta);
    if (!pred) return pred.error();
    const auto& f = pred.value();
    if (f.size() != obs.size()) return err("the prediction count differs from the observations");
    const double add2 = error.additive_sd * error.additive_sd;
    const double prop2 = error.proportional_sd * error.proportional_sd;
    for (std::size_t j = 0; j < obs.size(); ++j) {
      const double fj = f[j];
      if (!std::isfinite(fj)) return err("a prediction is not a finite number");
      const double g = fj == 0.0 ? 1.0 : fj;  // mapbayr: proportional term uses 1 when f = 0
      const double var = prop2 * g * g + add2;
      if (!(var > 0.0) || !std::isfinite(var)) return err("the residual variance is not positive");
      if (obs[j].blq) {
        total += -2.0 * log_normal_cdf((obs[j].lloq - fj) / std::sqrt(var));
      } else {
        const double r = obs[j].value - fj;
        total += std::log(var) + r * r / var;
      }
    }
  }
  const auto z = forward(n, omega_chol, eta);
  for (double v : z) total += v * v;  // ηᵀΩ⁻¹η = |L⁻¹η|²
  return total;
}

}  // namespace

MapPrior MapPrior::diagonal(std::span<const double> omega_sd) {
  MapPrior p;
  p.n = omega_sd.size();
  p.omega.assign(p.n * p.n, 0.0);
  for (std::size_t i = 0; i < p.n; ++i) p.omega[i * p.n + i] = omega_sd[i] * omega_sd[i];
  return p;
}

double MapPrior::sd(std::size_t i) const { return std::sqrt(omega[i * n + i]); }

double log_normal_cdf(double z) {
  if (std::isnan(z)) return z;
  if (z > 0.0) return std::log1p(-0.5 * std::erfc(z / std::numbers::sqrt2));
  if (z > -35.0) return std::log(0.5 * std::erfc(-z / std::numbers::sqrt2));
  // Lower tail, asymptotic series: Φ(z) = φ(z)/(−z) · (1 − 1/z² + 3/z⁴ − 15/z⁶ + 105/z⁸ …);
  // at z ≤ −35 the truncation error is below 1e-12 relative.
  const double w = 1.0 / (z * z);
  const double series = w * (-1.0 + w * (3.0 + w * (-15.0 + w * 105.0)));
  return -0.5 * z * z - std::log(-z) - 0.5 * std::log(2.0 * std::numbers::pi) + std::log1p(series);
}

double normal_quantile(double p) {
  if (!(p > 0.0 && p < 1.0)) {
    if (p == 0.0) return -std::numeric_limits<double>::infinity();
    if (p == 1.0) return std::numeric_limits<double>::infinity();
    return kNaN;
  }
  // Acklam's rational approximation (relative error 1.15e-9), then one Halley step.
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                                 -2.759285104469687e+02, 1.383577518672690e+02,
                                 -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                                 -1.556989798598866e+02, 6.680131188771972e+01,
                                 -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                                 -2.400758277161838e+00, -2.549732539343734e+00,
                                 4.374664141464968e+00,  2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                                 2.445134137142996e+00, 3.754408661907416e+00};
  constexpr double plow = 0.02425;
  double x = 0.0;
  if (p < plow) {
    const double q = std::sqrt(-2.0 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
  } else if (p <= 1.0 - plow) {
    const double q = p - 0.5;
    const double r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
  } else {
    const double q = std::sqrt(-2.0 * std::log1p(-p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
  }
  // Halley refinement against Φ computed with erfc (accurate in the lower tail; for the
  // upper tail work with the complement).
  const bool upper = x > 0.0;
  const double xs = upper ? -x : x;
  const double ps = upper ? 1.0 - p : p;
  const double e = 0.5 * std::erfc(-xs / std::numbers::sqrt2) - ps;
  const double u = e * std::sqrt(2.0 * std::numbers::pi) * std::exp(0.5 * xs * xs);
  const double refined = xs - u / (1.0 + xs * u / 2.0);
  return upper ? -refined : refined;
}

Result<double> map_objective(std::span<const MapObservation> obs, const PredictFn& predict,
                             const MapPrior& prior, const ResidualError& error,
                             std::span<const double> eta) {
  std::vector<double> chol;
  auto v = validate(obs, prior, error, chol);
  if (!v) return v.error();
  return ofv(obs, predict, prior.n, chol, error, eta);
}

Result<MapEstimate> map_estimate(std::span<const MapObservation> obs, const PredictFn& predict,
                                 const MapPrior& prior, const ResidualError& error,
                                 const MapOptions& options) {
  std::vector<double> chol;
  auto valid = validate(obs, prior, error, chol);
  if (!valid) return valid.error();
  if (!(options.bound_tail_probability > 0.0 && options.bound_tail_probability < 0.5) ||
      !(options.bound_widening_factor > 1.0) || options.max_bound_widenings < 0 ||
      options.max_starts < 1 || !(options.start_spread > 0.0) ||
      options.max_evaluations_per_start < 1 || !(options.xtol_abs > 0.0) ||
      !(options.hessian_step > 0.0) || !(options.bound_tolerance >= 0.0))
    return err("invalid MAP options");

  const std::size_t n = prior.n;
  std::vector<double> omega(n);
  for (std::size_t i = 0; i < n; ++i) omega[i] = prior.sd(i);

  MapEstimate out;
  out.observations_used = obs.size();
  out.eta.assign(n, 0.0);
  out.at_bound.assign(n, false);
  const double z0 = -normal_quantile(options.bound_tail_probability);
  out.lower.resize(n);
  out.upper.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    out.lower[i] = -z0 * omega[i];
    out.upper[i] = z0 * omega[i];
  }

  if (obs.empty()) {
    // The posterior is the prior: mode 0, covariance Ω, exactly.
    out.objective = 0.0;
    out.cov = prior.omega;
    out.eta_sd = omega;
    out.hessian_positive_definite = true;
    return out;
  }

  auto at_zero = ofv(obs, predict, n, chol, error, out.eta);
  if (!at_zero) return at_zero.error();
  if (!std::isfinite(at_zero.value())) return err("the objective at η = 0 is not finite");

  const ObjectiveFn objective = [&](std::span<const double> eta) {
    auto v = ofv(obs, predict, n, chol, error, eta);
    return v ? v.value() : kInfeasible;
  };

  double tail = options.bound_tail_probability;
  std::vector<double> best = out.eta;
  double best_f = at_zero.value();
  for (int widening = 0;; ++widening) {
    const double z = -normal_quantile(tail);
    BoundedMinimizeOptions bo;
    bo.lower.resize(n);
    bo.upper.resize(n);
    bo.initial_step.resize(n);
    bo.xtol_abs.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      bo.lower[i] = -z * omega[i];
      bo.upper[i] = z * omega[i];
      bo.initial_step[i] = 0.5 * omega[i];
      bo.xtol_abs[i] = options.xtol_abs * omega[i];
    }
    bo.max_evaluations = options.max_evaluations_per_start;

    // Deterministic starts: the previous best (η = 0 at first), then ±spread·ω_i per axis.
    std::vector<std::vector<double>> starts{best};
    for (std::size_t i = 0; i < n && static_cast<int>(starts.size()) < options.max_starts; ++i) {
      for (double sign : {1.0, -1.0}) {
        if (static_cast<int>(starts.size()) >= options.max_starts) break;
        std::vector<double> s(n, 0.0);
        s[i] = sign * std::min(options.start_spread, 0.5 * z) * omega[i];
        starts.push_back(std::move(s));
      }
    }
    for (const auto& s : starts) {
      auto m = minimize_bobyqa(objective, s, bo);
      out.evaluations += m.evaluations;
      ++out.starts;
      const double fm = objective(m.x);
      if (fm < best_f) {
        best_f = fm;
        best = m.x;
      }
    }
    out.lower = bo.lower;
    out.upper = bo.upper;
    bool any_at_bound = false;
    for (std::size_t i = 0; i < n; ++i) {
      const double tol = options.bound_tolerance * omega[i];
      out.at_bound[i] = best[i] - out.lower[i] <= tol || out.upper[i] - best[i] <= tol;
      any_at_bound = any_at_bound || out.at_bound[i];
    }
    if (!any_at_bound || widening >= options.max_bound_widenings) break;
    tail /= options.bound_widening_factor;
    ++out.bound_widenings;
  }
  out.eta = best;
  out.objective = best_f;

  // Laplace: Hessian of the OFV by central differences with steps scaled to ω.
  std::vector<double> h(n * n, 0.0);
  std::vector<double> step(n);
  for (std::size_t i = 0; i < n; ++i) step[i] = options.hessian_step * omega[i];
  std::vector<double> x = best;
  auto at = [&](std::size_t i, double di, std::size_t j, double dj) {
    x = best;
    x[i] += di;
    x[j] += dj;
    return objective(x);
  };
  for (std::size_t i = 0; i < n; ++i) {
    const double hi = step[i];
    h[i * n + i] = (at(i, hi, i, 0.0) - 2.0 * best_f + at(i, -hi, i, 0.0)) / (hi * hi);
    for (std::size_t j = 0; j < i; ++j) {
      const double hj = step[j];
      const double v =
          (at(i, hi, j, hj) - at(i, hi, j, -hj) - at(i, -hi, j, hj) + at(i, -hi, j, -hj)) /
          (4.0 * hi * hj);
      h[i * n + j] = v;
      h[j * n + i] = v;
    }
  }
  std::vector<double> hl;
  out.hessian_positive_definite = cholesky(n, h, hl);
  if (out.hessian_positive_definite) {
    out.cov = inverse_from_cholesky(n, hl);
    for (std::size_t i = 0; i < n; ++i)  // symmetrise: 2·(A + Aᵀ)/2
      for (std::size_t j = 0; j < i; ++j) {
        const double v = out.cov[i * n + j] + out.cov[j * n + i];
        out.cov[i * n + j] = v;
        out.cov[j * n + i] = v;
      }
    for (std::size_t i = 0; i < n; ++i) out.cov[i * n + i] *= 2.0;
    out.eta_sd.resize(n);
    for (std::size_t i = 0; i < n; ++i) out.eta_sd[i] = std::sqrt(out.cov[i * n + i]);
  } else {
    out.cov.assign(n * n, kNaN);
    out.eta_sd.assign(n, kNaN);
  }
  return out;
}

}  // namespace khe::pk
