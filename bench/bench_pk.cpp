// Sirolimus PK benchmarks (issue 5, "Performance"; results in docs/performance.md):
//   BM_PkPta            target attainment, children per second (goal ≥ 1 M/s, one core)
//   BM_PkPtaQuantiles   the same with the trough quantiles (what `khe tdm pta` runs)
//   BM_PkMapFit         one MAP fit: a year of twice-daily dosing, 10 troughs (goal < 1 ms)
//   BM_PkPredictYear    one prediction callback of that fit (the unit of MAP work)
//   BM_PkMapFitCachedStep  the same fit with a callback that reuses the 12 h transition
//                       (what caching exp(−k·Δt) per distinct Δt in predict() would give)
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "engine/evaluate.h"
#include "knowledge/knowledge.h"
#include "pk/map.h"
#include "pk/model.h"
#include "pk/predict.h"
#include "pk/pta.h"

namespace {

using namespace khe;

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "bench_pk: %s\n", what.c_str());
  std::exit(1);
}

const pk::Model& fan() {
  static const pk::Models models = [] {
    auto k = knowledge::load_default(engine::parameter_specs());
    if (!k) die(k.error().to_string());
    return k->pk_models;
  }();
  const pk::Model* m = models.find("fan2024");
  if (!m) die("no fan2024 model");
  return *m;
}

pk::PtaOptions pta_options(std::uint64_t n) {
  pk::PtaOptions o;
  o.weight_min_kg = 3.3;
  o.weight_max_kg = 65;
  o.mg_per_kg_day = 0.06;
  o.interval_h = 12;
  o.target_low_ng_per_ml = 5;
  o.target_high_ng_per_ml = 15;
  o.n = n;
  o.seed = 1;
  return o;
}

void BM_PkPta(benchmark::State& state) {
  const pk::Model& m = fan();
  const auto o = pta_options(100000);
  for (auto _ : state) {
    auto r = pk::simulate_pta_counts(m, o);
    if (!r) die(r.error().to_string());
    benchmark::DoNotOptimize(r->within);
  }
  state.SetItemsProcessed(std::int64_t(state.iterations()) * std::int64_t(o.n));
}
BENCHMARK(BM_PkPta)->Unit(benchmark::kMillisecond);

void BM_PkPtaQuantiles(benchmark::State& state) {
  const pk::Model& m = fan();
  const auto o = pta_options(std::uint64_t(state.range(0)));
  for (auto _ : state) {
    auto r = pk::simulate_pta(m, o);
    if (!r) die(r.error().to_string());
    benchmark::DoNotOptimize(r->quantiles.data());
  }
  state.SetItemsProcessed(std::int64_t(state.iterations()) * std::int64_t(o.n));
}
BENCHMARK(BM_PkPtaQuantiles)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMillisecond);

// A 12 kg child on 0.36 mg every 12 h for 365 days (730 doses), troughs on 10 days spread
// over the year, generated from the model at η_CL = +0.2 with a fixed ±10 % pattern.
struct Fit {
  std::vector<pk::Dose> doses;
  std::vector<pk::CovariateChange> covariates;
  std::vector<pk::Hours> times;
  std::vector<pk::MapObservation> obs;
};

const Fit& fit_case() {
  static const Fit f = [] {
    Fit f;
    for (int i = 0; i < 730; ++i) f.doses.push_back({pk::Hours(12.0 * i), Milligrams(0.36)});
    pk::CovariateChange c;
    c.values.weight = Kilograms(12.0);
    f.covariates.push_back(c);
    for (int day : {7, 14, 28, 56, 90, 120, 180, 240, 300, 364})
      f.times.push_back(pk::Hours(24.0 * day));  // just before the morning dose
    const std::vector<double> eta = {0.2};
    auto truth = pk::predict(fan(), f.doses, f.covariates, eta, f.times);
    if (!truth) die(truth.error().to_string());
    for (std::size_t j = 0; j < f.times.size(); ++j)
      f.obs.push_back({f.times[j].count(), (*truth)[j].value * (j % 2 ? 1.1 : 0.9)});
    return f;
  }();
  return f;
}

pk::PredictFn callback(const Fit& f) {
  return [&f](std::span<const double> eta) -> Result<std::vector<double>> {
    auto c = pk::predict(fan(), f.doses, f.covariates, eta, f.times);
    if (!c) return c.error();
    std::vector<double> out(c->size());
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = (*c)[i].value;
    return out;
  };
}

// Same predictions as pk::predict for this case (sorted doses, no steady-state dose,
// constant weight), but the 12 h step is a cached 2×2 linear map instead of fresh
// exponentials at every dose: the one-compartment advance is linear in the amounts.
pk::PredictFn cached_step_callback(const Fit& f) {
  return [&f](std::span<const double> eta) -> Result<std::vector<double>> {
    auto p = pk::individual_parameters(fan(), f.covariates.front().values, eta);
    if (!p) return p.error();
    const pk::Hours step(12.0);
    const pk::State d = pk::advance(*p, pk::State{1, 0, 0}, step);
    const pk::State c = pk::advance(*p, pk::State{0, 1, 0}, step);
    std::vector<double> out;
    out.reserve(f.times.size());
    pk::State s;
    double t = f.doses.front().time.count();
    std::size_t j = 0;
    for (const pk::Dose& dose : f.doses) {
      for (; j < f.times.size() && f.times[j].count() <= dose.time.count(); ++j)
        out.push_back(
            pk::concentration(*p, pk::advance(*p, s, pk::Hours(f.times[j].count() - t))).value);
      const double dt = dose.time.count() - t;
      if (dt == step.count())
        s = pk::State{d.depot * s.depot, d.central * s.depot + c.central * s.central, 0.0};
      else
        s = pk::advance(*p, s, pk::Hours(dt));
      t = dose.time.count();
      s.depot += dose.amount.value;
    }
    for (; j < f.times.size(); ++j)
      out.push_back(
          pk::concentration(*p, pk::advance(*p, s, pk::Hours(f.times[j].count() - t))).value);
    return out;
  };
}

// Times map_estimate for the year-long case with the given prediction callback.
void time_map_fit(benchmark::State& state, const Fit& f, const pk::PredictFn& fn) {
  const pk::Model& m = fan();
  const pk::MapPrior prior =
      pk::MapPrior::diagonal(std::vector<double>{*m.parameters.at("CL").omega_sd});
  const pk::ResidualError error{m.residual.additive_sd, m.residual.proportional_sd};
  int evaluations = 0;
  for (auto _ : state) {
    auto r = pk::map_estimate(f.obs, fn, prior, error);
    if (!r) die(r.error().to_string());
    evaluations = r->evaluations;
    benchmark::DoNotOptimize(r->eta.data());
  }
  state.counters["evaluations"] = evaluations;
  state.SetItemsProcessed(std::int64_t(state.iterations()));
}

void BM_PkMapFitCachedStep(benchmark::State& state) {
  const Fit& f = fit_case();
  const pk::PredictFn fn = cached_step_callback(f);
  // Check once that it predicts what pk::predict predicts.
  const std::vector<double> eta = {0.3};
  auto a = fn(eta);
  auto b = callback(f)(eta);
  if (!a || !b || a->size() != b->size()) die("cached-step callback failed");
  for (std::size_t i = 0; i < a->size(); ++i)
    if (std::abs((*a)[i] - (*b)[i]) > 1e-9 * std::abs((*b)[i])) die("cached-step mismatch");
  time_map_fit(state, f, fn);
}
BENCHMARK(BM_PkMapFitCachedStep)->Unit(benchmark::kMicrosecond);

void BM_PkMapFit(benchmark::State& state) {
  const Fit& f = fit_case();
  time_map_fit(state, f, callback(f));
}
BENCHMARK(BM_PkMapFit)->Unit(benchmark::kMicrosecond);

void BM_PkPredictYear(benchmark::State& state) {
  const Fit& f = fit_case();
  const pk::PredictFn fn = callback(f);
  const std::vector<double> eta = {0.1};
  for (auto _ : state) {
    auto r = fn(eta);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_PkPredictYear)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
