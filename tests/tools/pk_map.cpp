// Prints the pk engine's MAP estimates for a fixed set of generated patients, for the R
// cross-check (tests/pk-crosscheck/map_crosscheck.R). Usage: pk_map
// Patients are deterministic (no random numbers): the shipped models fan2024 and chen2020,
// several weights (one with growth), q12h with a dose change, one to five troughs, one
// "<" trough (BLQ, M3). Observed troughs are the model's prediction at a "true" η times a
// fixed perturbation, so the MAP η differs from both 0 and the true η.
// Output: CSV, header "patient,model,cyp,kind,time_h,x,y", one line per record:
//   cov   time_h = change time, x = weight (kg)
//   dose  time_h = dose time,   x = mg, y = steady-state interval (h, 0 = none)
//   obs   time_h = draw time,   x = value (ng/mL) or the LLOQ if BLQ, y = 1 if BLQ else 0
//   fit   x = MAP η̂ (CL), y = objective (OFV) at η̂ (default MapOptions, as pk::fit)
// Numbers %.17g; "ERROR message" on stderr with exit status 1.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "knowledge/knowledge.h"
#include "pk/map.h"
#include "pk/model.h"
#include "pk/predict.h"

namespace {

using namespace khe;
using namespace khe::pk;

struct Patient {
  std::string model;
  std::string cyp;                                 // "" = unknown
  std::vector<std::pair<double, double>> weights;  // (time h, kg)
  double mg_per_kg_day = 0.0;
  double change_factor = 1.0;  // dose × factor from change_at_h on
  double change_at_h = 0.0;    // 0 = no change
  double days = 0.0;
  std::vector<double> trough_times;
  double true_eta = 0.0;
  int blq_index = -1;  // this trough is reported "< lloq"
  double lloq = 0.0;
};

int fail(const std::string& message) {
  std::cerr << "ERROR " << message << "\n";
  return 1;
}

double round3(double x) { return std::round(x * 1000.0) / 1000.0; }

std::vector<Patient> patients() {
  std::vector<Patient> ps;
  const double day = 24.0;
  // Fan 2024 (additive error 3.41 ng/mL).
  ps.push_back({"fan2024", "", {{0, 3.5}}, 0.08, 1.0, 0, 7, {6 * day}, 0.25, -1, 0});
  ps.push_back({"fan2024", "", {{0, 8}}, 0.1, 1.5, 5 * day, 12, {4 * day, 11 * day}, -0.3, -1, 0});
  ps.push_back({"fan2024",
                "",
                {{0, 16}},
                0.12,
                0.7,
                7 * day,
                14,
                {3 * day, 6 * day, 10 * day + 0.5},
                0.4,
                -1,
                0});
  ps.push_back({"fan2024",
                "",
                {{0, 30}, {9 * day + 3, 32}},
                0.1,
                1.3,
                6 * day,
                15,
                {2 * day, 4 * day, 8 * day, 11 * day, 14 * day},
                -0.15,
                -1,
                0});
  // A low-exposure infant with one trough below the LLOQ (M3).
  ps.push_back({"fan2024", "", {{0, 5}}, 0.03, 2.0, 4 * day, 10, {3 * day, 9 * day}, 0.35, 0, 3.5});
  // Chen 2020 (proportional error 0.39), CYP3A5 known or not.
  ps.push_back({"chen2020", "expresser", {{0, 6}}, 0.15, 1.0, 0, 8, {7 * day}, -0.2, -1, 0});
  ps.push_back({"chen2020",
                "nonexpresser",
                {{0, 10}},
                0.12,
                0.6,
                5 * day,
                12,
                {4 * day, 8 * day, 11 * day + 1},
                0.5,
                -1,
                0});
  ps.push_back({"chen2020",
                "",
                {{0, 20}, {6 * day, 21}},
                0.1,
                1.4,
                6 * day,
                14,
                {2 * day, 5 * day, 7 * day, 10 * day, 13 * day},
                -0.4,
                -1,
                0});
  ps.push_back({"chen2020",
                "expresser",
                {{0, 12}},
                0.06,
                1.0,
                0,
                9,
                {3 * day, 6 * day, 8 * day},
                0.2,
                1,
                1.0});
  return ps;
}

}  // namespace

int main() {
  auto k = knowledge::load_default({});
  if (!k) return fail(k.error().to_string());
  const Models* models = &k->pk_models;
  const double tau = 12.0;
  std::printf("patient,model,cyp,kind,time_h,x,y\n");
  int id = 0;
  for (const Patient& pt : patients()) {
    ++id;
    const Model* m = models->find(pt.model);
    if (!m) return fail("unknown model " + pt.model);
    std::vector<CovariateChange> covs;
    for (const auto& [t, kg] : pt.weights) {
      CovariateChange c;
      c.time = Hours(t);
      c.values.weight = Kilograms(kg);
      if (!pt.cyp.empty()) c.values.categories["CYP3A5"] = pt.cyp;
      covs.push_back(c);
    }
    const double base_mg = round3(pt.mg_per_kg_day * pt.weights.front().second * tau / 24.0);
    std::vector<Dose> doses;
    for (double t = 0; t < pt.days * 24.0; t += tau) {
      const bool changed = pt.change_at_h > 0 && t >= pt.change_at_h;
      doses.push_back(
          Dose{Hours(t), Milligrams(changed ? round3(base_mg * pt.change_factor) : base_mg)});
    }
    std::vector<Hours> times;
    for (double t : pt.trough_times) times.push_back(Hours(t));
    const double true_eta[1] = {pt.true_eta};
    auto truth = predict(*m, doses, covs, true_eta, times);
    if (!truth) return fail(truth.error().to_string());
    std::vector<MapObservation> obs;
    for (std::size_t j = 0; j < times.size(); ++j) {
      MapObservation o;
      o.time = times[j].count();
      // Fixed perturbation in ±18 %, rounded to 0.01 ng/mL as a lab reports it.
      const double factor = 1.0 + 0.18 * std::sin(1.7 * static_cast<double>(id + 3 * j));
      o.value = std::round((*truth)[j].value * factor * 100.0) / 100.0;
      if (static_cast<int>(j) == pt.blq_index) {
        o.blq = true;
        o.lloq = pt.lloq;
        o.value = 0.0;
      }
      obs.push_back(o);
    }
    std::vector<double> omega;
    for (const auto& name : m->eta_names)
      omega.push_back(m->parameters.at(name).omega_sd.value_or(0.0));
    if (omega.size() != 1) return fail("expected one eta in " + pt.model);
    ResidualError err;
    err.additive_sd = m->residual.additive_sd;
    err.proportional_sd = m->residual.proportional_sd;
    const PredictFn f = [&](std::span<const double> eta) -> Result<std::vector<double>> {
      auto p = predict(*m, doses, covs, eta, times);
      if (!p) return p.error();
      std::vector<double> out;
      for (const auto& c : *p) out.push_back(c.value);
      return out;
    };
    auto est = map_estimate(obs, f, MapPrior::diagonal(omega), err);
    if (!est) return fail(est.error().to_string());
    const char* cyp = pt.cyp.c_str();
    const char* mid = pt.model.c_str();
    for (const auto& c : covs)
      std::printf("%d,%s,%s,cov,%.17g,%.17g,0\n", id, mid, cyp, c.time.count(),
                  c.values.weight.value);
    for (const auto& d : doses)
      std::printf("%d,%s,%s,dose,%.17g,%.17g,0\n", id, mid, cyp, d.time.count(), d.amount.value);
    for (const auto& o : obs)
      std::printf("%d,%s,%s,obs,%.17g,%.17g,%d\n", id, mid, cyp, o.time, o.blq ? o.lloq : o.value,
                  o.blq ? 1 : 0);
    std::printf("%d,%s,%s,fit,0,%.17g,%.17g\n", id, mid, cyp, est->eta[0], est->objective);
  }
  return 0;
}
