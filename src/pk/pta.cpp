#include "pk/pta.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <random>

#include "pk/predict.h"

namespace khe::pk {
namespace {

Error err(std::string message) { return Error{"pta", std::move(message)}; }

bool finite_positive(double x) { return std::isfinite(x) && x > 0.0; }

// Uniform draws from the raw 64-bit stream: 53 random bits → [0, 1) or (0, 1].
constexpr double kTwoPowMinus53 = 1.0 / 9007199254740992.0;

class Draws {
 public:
  explicit Draws(std::uint64_t seed) : engine_(seed) {}
  double uniform() { return double(engine_() >> 11) * kTwoPowMinus53; }              // [0, 1)
  double uniform_open0() { return double((engine_() >> 11) + 1) * kTwoPowMinus53; }  // (0, 1]
  // Box-Muller: two independent N(0, 1) per pair of uniforms; the second is cached.
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double r = std::sqrt(-2.0 * std::log(uniform_open0()));
    const double a = 2.0 * std::numbers::pi * uniform();
    spare_ = r * std::sin(a);
    has_spare_ = true;
    return r * std::cos(a);
  }

 private:
  std::mt19937_64 engine_;
  double spare_ = 0.0;
  bool has_spare_ = false;
};

// Per structural parameter, what the child changes: the summed weight exponent and the
// slot of its η (or none). Individual field order: CL, V, ka, Q, V2.
constexpr std::size_t kParams = 5;
constexpr std::array<const char*, kParams> kNames = {"CL", "V", "ka", "Q", "V2"};
constexpr std::size_t kMaxEta = 8;

struct Plan {
  Individual reference;  // at weight w0, η = 0, categories resolved
  double w0 = 0.0;
  std::array<double, kParams> weight_exponent{};
  std::array<int, kParams> eta_slot{-1, -1, -1, -1, -1};
  std::size_t n_eta = 0;
  std::array<double, kMaxEta> omega_sd{};
  double sigma_add = 0.0;
  double sigma_prop = 0.0;
};

double& field(Individual& p, std::size_t i) {
  switch (i) {
    case 0:
      return p.cl_L_per_h;
    case 1:
      return p.v_L;
    case 2:
      return p.ka_per_h;
    case 3:
      return p.q_L_per_h;
    default:
      return p.v2_L;
  }
}

Result<bool> check(const PtaOptions& o) {
  if (!finite_positive(o.weight_min_kg) || !finite_positive(o.weight_max_kg))
    return err("weights must be positive finite numbers of kg");
  if (o.weight_min_kg > o.weight_max_kg) return err("weight minimum exceeds weight maximum");
  if (!finite_positive(o.mg_per_kg_day)) return err("dose must be a positive mg/kg/day");
  if (!finite_positive(o.interval_h)) return err("interval must be a positive number of hours");
  if (!std::isfinite(o.target_low_ng_per_ml) || !std::isfinite(o.target_high_ng_per_ml) ||
      o.target_low_ng_per_ml < 0.0 || o.target_low_ng_per_ml >= o.target_high_ng_per_ml)
    return err("target must be LOW-HIGH with 0 <= LOW < HIGH ng/mL");
  if (o.n == 0) return err("n must be at least 1");
  if (o.n > kPtaMaxChildren) return err("n must be at most " + std::to_string(kPtaMaxChildren));
  return true;
}

Result<Plan> make_plan(const Model& model, const PtaOptions& o) {
  Plan plan;
  plan.w0 = o.weight_min_kg;
  Covariates cov;
  cov.weight = Kilograms(plan.w0);
  cov.categories = o.categories;
  auto ref = individual_parameters(model, cov);
  if (!ref) return ref.error();
  plan.reference = *ref;
  if (model.eta_names.size() > kMaxEta) return err("model " + model.id + " has too many η");
  plan.n_eta = model.eta_names.size();
  const std::size_t used = model.structure == Structure::two_cmt_oral ? 5 : 3;
  for (std::size_t i = 0; i < used; ++i) {
    auto it = model.parameters.find(kNames[i]);
    if (it == model.parameters.end()) continue;  // individual_parameters already checked
    for (const CovariateEffect& e : it->second.covariates)
      if (e.kind == CovariateEffect::Kind::power) plan.weight_exponent[i] += e.exponent;
  }
  for (std::size_t j = 0; j < plan.n_eta; ++j) {
    const std::string& name = model.eta_names[j];
    auto it = model.parameters.find(name);
    plan.omega_sd[j] =
        it != model.parameters.end() && it->second.omega_sd ? *it->second.omega_sd : 0.0;
    for (std::size_t i = 0; i < used; ++i)
      if (name == kNames[i]) plan.eta_slot[i] = int(j);
  }
  if (o.residual_error) {
    plan.sigma_add = model.residual.additive_sd;
    plan.sigma_prop = model.residual.proportional_sd;
  }
  if (!o.inter_individual_variability) plan.omega_sd.fill(0.0);
  return plan;
}

// `store` (size n) receives the observed troughs when not null.
PtaResult run(const Plan& plan, const PtaOptions& o, double* store) {
  Draws draws(o.seed);
  const double a = o.weight_min_kg, span = o.weight_max_kg - o.weight_min_kg;
  const double dose_per_kg = o.mg_per_kg_day * o.interval_h / 24.0;
  const Hours tau(o.interval_h);
  const double lo = o.target_low_ng_per_ml, hi = o.target_high_ng_per_ml;
  std::array<double, kMaxEta> eta{};
  PtaResult r;
  r.n = o.n;
  double sum = 0.0;
  for (std::uint64_t i = 0; i < o.n; ++i) {
    const double w = a + span * draws.uniform();
    for (std::size_t j = 0; j < plan.n_eta; ++j) eta[j] = plan.omega_sd[j] * draws.normal();
    const double eps = draws.normal();
    const double lw = std::log(w / plan.w0);
    Individual p = plan.reference;
    for (std::size_t k = 0; k < kParams; ++k) {
      double e = plan.weight_exponent[k] * lw;
      if (plan.eta_slot[k] >= 0) e += eta[std::size_t(plan.eta_slot[k])];
      if (e != 0.0) field(p, k) *= std::exp(e);
    }
    const double f = steady_state_trough(p, Milligrams(dose_per_kg * w), tau).value;
    const double sd =
        std::sqrt(plan.sigma_prop * plan.sigma_prop * f * f + plan.sigma_add * plan.sigma_add);
    const double y = f + sd * eps;
    sum += y;
    if (y < lo)
      ++r.below;
    else if (y > hi)
      ++r.above;
    else
      ++r.within;
    if (store) store[i] = y;
  }
  const double n = double(o.n);
  r.below_pct = 100.0 * double(r.below) / n;
  r.above_pct = 100.0 * double(r.above) / n;
  r.within_pct = 100.0 * double(r.within) / n;
  r.mean_ng_per_ml = sum / n;
  return r;
}

// R type 7 quantiles by successive nth_element on the shrinking upper part (O(n) total).
std::vector<PtaQuantile> quantiles(std::vector<double>& y) {
  static constexpr std::array<double, 7> kP = {0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95};
  std::vector<PtaQuantile> out;
  const std::size_t n = y.size();
  auto begin = y.begin();
  for (double p : kP) {
    const double h = double(n - 1) * p;
    const std::size_t k = std::size_t(std::floor(h));
    std::nth_element(begin, y.begin() + std::ptrdiff_t(k), y.end());
    begin = y.begin() + std::ptrdiff_t(k);
    double v = y[k];
    if (k + 1 < n && h > double(k)) {
      const double next = *std::min_element(y.begin() + std::ptrdiff_t(k + 1), y.end());
      v += (h - double(k)) * (next - v);
    }
    out.push_back({p, v});
  }
  return out;
}

}  // namespace

Result<PtaResult> simulate_pta_counts(const Model& model, const PtaOptions& options) {
  auto ok = check(options);
  if (!ok) return ok.error();
  auto plan = make_plan(model, options);
  if (!plan) return plan.error();
  return run(*plan, options, nullptr);
}

Result<PtaResult> simulate_pta(const Model& model, const PtaOptions& options) {
  auto ok = check(options);
  if (!ok) return ok.error();
  auto plan = make_plan(model, options);
  if (!plan) return plan.error();
  std::vector<double> y(options.n);
  PtaResult r = run(*plan, options, y.data());
  r.quantiles = quantiles(y);
  return r;
}

}  // namespace khe::pk
