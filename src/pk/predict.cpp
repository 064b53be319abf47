#include "pk/predict.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>

namespace khe::pk {
namespace {

Error err(std::string message) { return Error{"pk/predict", std::move(message)}; }

// (e^(−a·t) − e^(−b·t)) / (b − a), symmetric in a and b, without cancellation:
// e^(−m·t) · (−expm1(−d·t)) / d with m = min(a, b), d = |b − a|, and its series when d·t → 0
// (the ka = k limit t·e^(−k·t)).
double exp_difference(double a, double b, double t) {
  const double m = std::min(a, b);
  const double d = std::fabs(b - a);
  const double x = d * t;
  const double ratio = x < 1e-5 ? t * (1.0 - x / 2.0 + x * x / 6.0) : -std::expm1(-x) / d;
  return std::exp(-m * t) * ratio;
}

struct TwoCmtRates {
  double k10 = 0, k12 = 0, k21 = 0, alpha = 0, beta = 0, ka = 0;
};

TwoCmtRates two_cmt_rates(const Individual& p) {
  TwoCmtRates r;
  r.k10 = p.cl_L_per_h / p.v_L;
  r.k12 = p.q_L_per_h / p.v_L;
  r.k21 = p.q_L_per_h / p.v2_L;
  const double s = r.k10 + r.k12 + r.k21;
  const double root = std::sqrt(s * s - 4.0 * r.k10 * r.k21);
  r.alpha = (s + root) / 2.0;
  // β = k10·k21/α avoids the cancellation of (s − root)/2 when β ≪ α.
  r.beta = r.k10 * r.k21 / r.alpha;
  r.ka = p.ka_per_h;
  // The three-exponential form needs ka distinct from α and β; a coincidence within 1e-7
  // (relative) is moved apart by 2e-7, an error of that order in the prediction.
  for (double lambda : {r.alpha, r.beta})
    if (std::fabs(r.ka - lambda) < 1e-7 * lambda) r.ka = lambda * (1.0 + 2e-7);
  return r;
}

State advance_two(const Individual& p, const State& s, double t) {
  const TwoCmtRates r = two_cmt_rates(p);
  const double a = r.alpha, b = r.beta, ka = r.ka, e1 = r.k10 + r.k12;
  const double ea = std::exp(-a * t), eb = std::exp(-b * t), eka = std::exp(-ka * t);
  State out;
  out.depot = s.depot * eka;
  // Homogeneous part (amounts already in central and peripheral).
  out.central = ((s.central * (r.k21 - a) + r.k21 * s.peripheral) * ea -
                 (s.central * (r.k21 - b) + r.k21 * s.peripheral) * eb) /
                (b - a);
  out.peripheral = ((s.peripheral * (e1 - a) + r.k12 * s.central) * ea -
                    (s.peripheral * (e1 - b) + r.k12 * s.central) * eb) /
                   (b - a);
  // Absorption from the depot: Σ_λ c(λ) e^(−λt) / Π_(μ≠λ) (μ − λ), λ ∈ {α, β, ka}.
  if (s.depot != 0.0) {
    const double da = (ka - a) * (b - a), db = (ka - b) * (a - b), dk = (a - ka) * (b - ka);
    const double in = ka * s.depot;
    out.central += in * ((r.k21 - a) * ea / da + (r.k21 - b) * eb / db + (r.k21 - ka) * eka / dk);
    out.peripheral += in * r.k12 * (ea / da + eb / db + eka / dk);
  }
  return out;
}

// Solves the 3×3 system m·x = rhs by Gaussian elimination with partial pivoting.
std::array<double, 3> solve3(std::array<std::array<double, 3>, 3> m, std::array<double, 3> rhs) {
  for (int c = 0; c < 3; ++c) {
    int piv = c;
    for (int r = c + 1; r < 3; ++r)
      if (std::fabs(m[r][c]) > std::fabs(m[piv][c])) piv = r;
    std::swap(m[c], m[piv]);
    std::swap(rhs[c], rhs[piv]);
    for (int r = c + 1; r < 3; ++r) {
      const double f = m[r][c] / m[c][c];
      for (int k = c; k < 3; ++k) m[r][k] -= f * m[c][k];
      rhs[r] -= f * rhs[c];
    }
  }
  std::array<double, 3> x{};
  for (int r = 2; r >= 0; --r) {
    double s = rhs[r];
    for (int k = r + 1; k < 3; ++k) s -= m[r][k] * x[k];
    x[r] = s / m[r][r];
  }
  return x;
}

bool finite_positive(double x) { return std::isfinite(x) && x > 0.0; }

}  // namespace

Result<Individual> individual_parameters(const Model& model, const Covariates& cov,
                                         std::span<const double> eta) {
  if (!eta.empty() && eta.size() != model.eta_names.size())
    return err("model " + model.id + " has " + std::to_string(model.eta_names.size()) +
               " random effects, got " + std::to_string(eta.size()));
  const double wt = cov.weight.value;
  auto value_of = [&](const std::string& name) -> Result<double> {
    auto it = model.parameters.find(name);
    if (it == model.parameters.end()) return err("model " + model.id + " has no " + name);
    const Parameter& par = it->second;
    double v = par.typical;
    for (const CovariateEffect& e : par.covariates) {
      if (e.kind == CovariateEffect::Kind::power) {
        if (!finite_positive(wt)) return err("weight must be positive");
        v *= std::pow(wt / e.reference, e.exponent);
      } else {
        auto c = cov.categories.find(e.covariate);
        std::string cat = c == cov.categories.end() ? e.missing : c->second;
        if (cat.empty()) return err(e.covariate + " is required by model " + model.id);
        auto f = e.factors.find(cat);
        if (f == e.factors.end())
          return err("'" + cat + "' is not a category of " + e.covariate + " in model " + model.id);
        v *= f->second;
      }
    }
    if (!eta.empty()) {
      auto pos = std::find(model.eta_names.begin(), model.eta_names.end(), name);
      if (pos != model.eta_names.end())
        v *= std::exp(eta[std::size_t(pos - model.eta_names.begin())]);
    }
    if (!finite_positive(v)) return err(name + " is not a positive finite number");
    return v;
  };
  Individual ind;
  ind.structure = model.structure;
  auto cl = value_of("CL");
  if (!cl) return cl.error();
  auto v = value_of("V");
  if (!v) return v.error();
  auto ka = value_of("ka");
  if (!ka) return ka.error();
  ind.cl_L_per_h = *cl;
  ind.v_L = *v;
  ind.ka_per_h = *ka;
  if (model.structure == Structure::two_cmt_oral) {
    auto q = value_of("Q");
    if (!q) return q.error();
    auto v2 = value_of("V2");
    if (!v2) return v2.error();
    ind.q_L_per_h = *q;
    ind.v2_L = *v2;
  }
  return ind;
}

State advance(const Individual& p, const State& s, Hours dt) {
  const double t = dt.count();
  if (t <= 0.0) return s;
  if (p.structure == Structure::two_cmt_oral) return advance_two(p, s, t);
  const double k = p.cl_L_per_h / p.v_L;
  const double ka = p.ka_per_h;
  State out;
  out.depot = s.depot * std::exp(-ka * t);
  out.central = s.central * std::exp(-k * t) + s.depot * ka * exp_difference(k, ka, t);
  return out;
}

NgPerMl concentration(const Individual& p, const State& s) {
  return NgPerMl{1000.0 * s.central / p.v_L};  // mg/L → ng/mL
}

State steady_state_after_dose(const Individual& p, Milligrams dose, Hours tau) {
  if (p.structure == Structure::one_cmt_oral) {
    // The fixed point below in closed form (M is lower triangular for one compartment):
    // depot = D / (1 − e^(−ka·τ)), central = ka·φ(τ)·depot / (1 − e^(−k·τ)), with φ the
    // advance's stable exp difference. 4 transcendental calls instead of 16; the same
    // values to rounding (tests: the closed form of the PK doc, a long regimen, ka = k).
    const double k = p.cl_L_per_h / p.v_L;
    const double t = tau.count();
    const double depot = dose.value / -std::expm1(-p.ka_per_h * t);
    const double central =
        depot * p.ka_per_h * exp_difference(k, p.ka_per_h, t) / -std::expm1(-k * t);
    return State{depot, central, 0.0};
  }
  // Fixed point of x = M·x + D·e_depot, M the advance over tau: x = (I − M)⁻¹ D·e_depot.
  std::array<std::array<double, 3>, 3> m{};
  for (int c = 0; c < 3; ++c) {
    State unit;
    (c == 0 ? unit.depot : c == 1 ? unit.central : unit.peripheral) = 1.0;
    State col = advance(p, unit, tau);
    m[0][c] = (c == 0 ? 1.0 : 0.0) - col.depot;
    m[1][c] = (c == 1 ? 1.0 : 0.0) - col.central;
    m[2][c] = (c == 2 ? 1.0 : 0.0) - col.peripheral;
  }
  auto x = solve3(m, {dose.value, 0.0, 0.0});
  return State{x[0], x[1], x[2]};
}

NgPerMl steady_state_concentration(const Individual& p, Milligrams dose, Hours tau,
                                   Hours since_dose) {
  return concentration(p, advance(p, steady_state_after_dose(p, dose, tau), since_dose));
}

Hours half_life(const Individual& p) { return Hours(std::log(2.0) * p.v_L / p.cl_L_per_h); }

NgPerMl steady_state_trough(const Individual& p, Milligrams dose, Hours tau) {
  // One compartment: the dose enters the depot, so the central amount just before the next
  // dose equals the one just after it (the fixed point's own equation); no advance needed.
  if (p.structure == Structure::one_cmt_oral)
    return concentration(p, steady_state_after_dose(p, dose, tau));
  return steady_state_concentration(p, dose, tau, tau);
}

namespace {

Result<bool> check_inputs(std::span<const Dose> doses, std::span<const Hours> times) {
  for (std::size_t i = 0; i < doses.size(); ++i) {
    const Dose& d = doses[i];
    if (!std::isfinite(d.time.count()) || !std::isfinite(d.amount.value) || d.amount.value < 0)
      return err("dose " + std::to_string(i) + ": time and amount must be finite, amount ≥ 0");
    if (d.steady_state_interval && !finite_positive(d.steady_state_interval->count()))
      return err("dose " + std::to_string(i) + ": steady-state interval must be positive");
  }
  for (std::size_t i = 0; i < times.size(); ++i)
    if (!std::isfinite(times[i].count())) return err("time " + std::to_string(i) + " not finite");
  return true;
}

// The event walk shared by both overloads. `params_at(i)` is the Individual of covariate
// segment i; `change_times` are the start times of segments 1..n-1.
template <typename ParamsAt>
std::vector<NgPerMl> walk(std::span<const Dose> doses, std::span<const Hours> times,
                          const std::vector<double>& change_times, ParamsAt params_at) {
  std::vector<std::size_t> dorder(doses.size()), torder(times.size());
  std::iota(dorder.begin(), dorder.end(), 0);
  std::iota(torder.begin(), torder.end(), 0);
  // The identity order is what a stable sort gives for inputs already in time order, the
  // usual case (dose_history and pk::fit sort theirs): the MAP search calls this ~100
  // times with the same inputs, so the sort is skipped when it would change nothing.
  const auto dose_before = [](const Dose& a, const Dose& b) { return a.time < b.time; };
  if (!std::is_sorted(doses.begin(), doses.end(), dose_before))
    std::stable_sort(dorder.begin(), dorder.end(),
                     [&](auto a, auto b) { return doses[a].time < doses[b].time; });
  if (!std::is_sorted(times.begin(), times.end()))
    std::stable_sort(torder.begin(), torder.end(),
                     [&](auto a, auto b) { return times[a] < times[b]; });
  std::vector<NgPerMl> out(times.size());
  // Regular dosing repeats the same step (same parameters, same gap) hundreds of times: the
  // one-compartment coefficients of the last step are kept and reused (advance()'s
  // formulas; the results agree with it to rounding).
  struct Step {
    const Individual* p = nullptr;
    double dt = -1.0;
    double ea = 0, ek = 0, ed = 0;
  } last;
  auto advance = [&last](const Individual& p, const State& st, Hours h) {
    const double dt = h.count();
    if (dt <= 0.0 || p.structure == Structure::two_cmt_oral) return pk::advance(p, st, h);
    if (last.p != &p || last.dt != dt) {
      const double k = p.cl_L_per_h / p.v_L;
      last = Step{&p, dt, std::exp(-p.ka_per_h * dt), std::exp(-k * dt),
                  p.ka_per_h * exp_difference(k, p.ka_per_h, dt)};
    }
    State out_state;
    out_state.depot = st.depot * last.ea;
    out_state.central = st.central * last.ek + st.depot * last.ed;
    return out_state;
  };
  State s;
  std::size_t seg = 0;
  double t = 0.0;
  bool started = false;
  std::size_t di = 0, ti = 0;
  auto segment_at = [&](double time) {
    std::size_t i = 0;
    while (i < change_times.size() && change_times[i] <= time) ++i;
    return i;
  };
  while (di < dorder.size() || ti < torder.size()) {
    double next = di < dorder.size() ? doses[dorder[di]].time.count()
                                     : std::numeric_limits<double>::infinity();
    if (ti < torder.size()) next = std::min(next, times[torder[ti]].count());
    if (!started) {
      t = next;
      seg = segment_at(t);
      started = true;
    }
    // Advance to `next`, switching parameters at covariate changes on the way.
    while (seg < change_times.size() && change_times[seg] <= next) {
      s = advance(params_at(seg), s, Hours(change_times[seg] - t));
      t = std::max(t, change_times[seg]);
      ++seg;
    }
    s = advance(params_at(seg), s, Hours(next - t));
    t = next;
    // A steady-state dose at t means the regimen ran before t: the amounts just before it
    // are the steady-state trough amounts (whatever the earlier history was).
    for (std::size_t j = di; j < dorder.size() && doses[dorder[j]].time.count() == t; ++j)
      if (const Dose& d = doses[dorder[j]]; d.steady_state_interval) {
        const Individual& p = params_at(seg);
        s = advance(p, steady_state_after_dose(p, d.amount, *d.steady_state_interval),
                    *d.steady_state_interval);
        break;
      }
    while (ti < torder.size() && times[torder[ti]].count() == t)
      out[torder[ti++]] = concentration(params_at(seg), s);
    while (di < dorder.size() && doses[dorder[di]].time.count() == t) {
      const Dose& d = doses[dorder[di++]];
      if (d.steady_state_interval)
        s = steady_state_after_dose(params_at(seg), d.amount, *d.steady_state_interval);
      else
        s.depot += d.amount.value;
    }
  }
  return out;
}

}  // namespace

Result<std::vector<NgPerMl>> predict(const Individual& p, std::span<const Dose> doses,
                                     std::span<const Hours> times) {
  auto ok = check_inputs(doses, times);
  if (!ok) return ok.error();
  return walk(doses, times, {}, [&](std::size_t) -> const Individual& { return p; });
}

Result<std::vector<NgPerMl>> predict(const Model& model, std::span<const Dose> doses,
                                     std::span<const CovariateChange> covariates,
                                     std::span<const double> eta, std::span<const Hours> times) {
  if (covariates.empty()) return err("no covariates (weight) given");
  auto ok = check_inputs(doses, times);
  if (!ok) return ok.error();
  std::vector<Individual> segs;
  std::vector<double> change_times;
  for (std::size_t i = 0; i < covariates.size(); ++i) {
    if (!std::isfinite(covariates[i].time.count()))
      return err("covariate change " + std::to_string(i) + ": time not finite");
    if (i > 0 && covariates[i].time < covariates[i - 1].time)
      return err("covariate changes must be sorted by time");
    auto ind = individual_parameters(model, covariates[i].values, eta);
    if (!ind) return ind.error();
    segs.push_back(*ind);
    if (i > 0) change_times.push_back(covariates[i].time.count());
  }
  return walk(doses, times, change_times,
              [&](std::size_t i) -> const Individual& { return segs[i]; });
}

}  // namespace khe::pk
