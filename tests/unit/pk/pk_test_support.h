// Helpers shared by the pk tests: the default models loaded from the embedded knowledge,
// and an independent small-step RK4 integration of the same ODEs.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <vector>

#include "knowledge/embedded.h"
#include "knowledge/knowledge.h"
#include "pk/model.h"
#include "pk/predict.h"

namespace khe::pk::testing {

inline const knowledge::Knowledge& test_knowledge() {
  static const knowledge::Knowledge k = [] {
    knowledge::Knowledge kn;
    kn.sources = {{"fan2024", "Fan 2024", "https://doi.org/10.3389/fphar.2024.1457614", true},
                  {"chen2020", "Chen 2020", "https://doi.org/10.1177/0300060520947627", true}};
    return kn;
  }();
  return k;
}

inline const Models& models() {
  static const Models m = [] {
    knowledge::FileSet files = knowledge::default_files();
    auto r = knowledge::load_pk_models(files, test_knowledge());
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string());
    return r.ok() ? *r : Models{};
  }();
  return m;
}

inline const Model& fan() { return *models().find("fan2024"); }
inline const Model& chen() { return *models().find("chen2020"); }

inline Individual typical(const Model& m, double kg, double eta_cl = 0.0,
                          const std::string& cyp = "") {
  Covariates c;
  c.weight = Kilograms(kg);
  if (!cyp.empty()) c.categories["CYP3A5"] = cyp;
  std::vector<double> eta(m.eta_names.size(), 0.0);
  if (!eta.empty()) eta[0] = eta_cl;
  auto r = individual_parameters(m, c, eta);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string());
  return r.ok() ? *r : Individual{};
}

// Small-step classical RK4 of the depot/central/peripheral ODEs with doses added to the
// depot; concentration in ng/mL at each requested time (times sorted, doses sorted).
inline std::vector<double> rk4(const Individual& p, const std::vector<Dose>& doses,
                               const std::vector<double>& times, double h = 0.0005) {
  const bool two = p.structure == Structure::two_cmt_oral;
  const double k10 = p.cl_L_per_h / p.v_L, ka = p.ka_per_h;
  const double k12 = two ? p.q_L_per_h / p.v_L : 0.0, k21 = two ? p.q_L_per_h / p.v2_L : 0.0;
  auto f = [&](const std::array<double, 3>& y) {
    return std::array<double, 3>{-ka * y[0], ka * y[0] - (k10 + k12) * y[1] + k21 * y[2],
                                 k12 * y[1] - k21 * y[2]};
  };
  std::array<double, 3> y{0, 0, 0};
  std::vector<double> out;
  double t = std::min(doses.empty() ? 0.0 : doses.front().time.count(), times.front());
  std::size_t di = 0;
  auto step_to = [&](double target) {
    while (t < target - 1e-12) {
      const double dt = std::min(h, target - t);
      auto k1 = f(y);
      std::array<double, 3> y2{}, y3{}, y4{};
      for (int i = 0; i < 3; ++i) y2[i] = y[i] + dt / 2 * k1[i];
      auto k2 = f(y2);
      for (int i = 0; i < 3; ++i) y3[i] = y[i] + dt / 2 * k2[i];
      auto k3 = f(y3);
      for (int i = 0; i < 3; ++i) y4[i] = y[i] + dt * k3[i];
      auto k4 = f(y4);
      for (int i = 0; i < 3; ++i) y[i] += dt / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
      t += dt;
    }
    t = target;
  };
  for (double target : times) {
    while (di < doses.size() && doses[di].time.count() < target) {
      step_to(doses[di].time.count());
      y[0] += doses[di].amount.value;
      ++di;
    }
    step_to(target);
    out.push_back(1000.0 * y[1] / p.v_L);
  }
  return out;
}

// Doses of `mg` every `tau` hours, n of them, the first at `start`.
inline std::vector<Dose> regimen(double mg, double tau, int n, double start = 0.0) {
  std::vector<Dose> d;
  for (int i = 0; i < n; ++i) d.push_back(Dose{Hours(start + i * tau), Milligrams(mg)});
  return d;
}

inline double at(const Individual& p, const std::vector<Dose>& doses, double t) {
  std::vector<Hours> times{Hours(t)};
  auto r = predict(p, doses, times);
  EXPECT_TRUE(r.ok());
  return r.ok() ? (*r)[0].value : -1.0;
}

}  // namespace khe::pk::testing
