// Prints the pk engine's predictions for one scenario file, for the R cross-check
// (tests/pk-crosscheck). Usage: pk_predict SCENARIO.csv
// Scenario lines (comma-separated, '#' comments):
//   model,ID                         fan2024 / chen2020 (the shipped models), or
//   params,CL,V,ka[,Q,V2]            fixed individual parameters (L/h, L, 1/h), 1 or 2 cmt
//   eta,VALUE[,VALUE...]             η in the model's order (default all zero)
//   cov,TIME_H,WEIGHT_KG[,CYP3A5]    covariates from TIME_H on (sorted by time)
//   dose,TIME_H,MG[,SS_INTERVAL_H]   oral dose; SS_INTERVAL_H > 0 = steady-state dose
//   obs,TIME_H                       a prediction time
// Output: "time_h,conc_ng_per_mL" then one line per obs in input order (%.17g), or
// "ERROR message" on stderr with exit status 1.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "knowledge/knowledge.h"
#include "pk/model.h"
#include "pk/predict.h"

namespace {

using namespace khe;
using namespace khe::pk;

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream s(line);
  std::string f;
  while (std::getline(s, f, ',')) out.push_back(f);
  return out;
}

int fail(const std::string& message) {
  std::cerr << "ERROR " << message << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return fail("usage: pk_predict SCENARIO.csv");
  std::ifstream in(argv[1]);
  if (!in) return fail(std::string("cannot read ") + argv[1]);
  std::string model_id;
  std::vector<double> fixed, eta;
  std::vector<CovariateChange> covs;
  std::vector<Dose> doses;
  std::vector<Hours> times;
  std::string line;
  try {
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      auto f = split(line);
      const std::string& kind = f[0];
      if (kind == "model") {
        model_id = f.at(1);
      } else if (kind == "params") {
        for (std::size_t i = 1; i < f.size(); ++i) fixed.push_back(std::stod(f[i]));
      } else if (kind == "eta") {
        for (std::size_t i = 1; i < f.size(); ++i) eta.push_back(std::stod(f[i]));
      } else if (kind == "cov") {
        CovariateChange c;
        c.time = Hours(std::stod(f.at(1)));
        c.values.weight = Kilograms(std::stod(f.at(2)));
        if (f.size() > 3 && !f[3].empty()) c.values.categories["CYP3A5"] = f[3];
        covs.push_back(c);
      } else if (kind == "dose") {
        Dose d{Hours(std::stod(f.at(1))), Milligrams(std::stod(f.at(2)))};
        if (f.size() > 3 && std::stod(f[3]) > 0) d.steady_state_interval = Hours(std::stod(f[3]));
        doses.push_back(d);
      } else if (kind == "obs") {
        times.push_back(Hours(std::stod(f.at(1))));
      } else {
        return fail("unknown line: " + line);
      }
    }
  } catch (const std::exception&) {
    return fail("bad line: " + line);
  }
  Result<std::vector<NgPerMl>> out = Error{"pk_predict", "no model"};
  if (!fixed.empty()) {
    if (fixed.size() != 3 && fixed.size() != 5) return fail("params needs 3 or 5 values");
    Individual p;
    p.cl_L_per_h = fixed[0];
    p.v_L = fixed[1];
    p.ka_per_h = fixed[2];
    if (fixed.size() == 5) {
      p.structure = Structure::two_cmt_oral;
      p.q_L_per_h = fixed[3];
      p.v2_L = fixed[4];
    }
    out = predict(p, doses, times);
  } else {
    auto k = knowledge::load_default({});
    if (!k) return fail(k.error().to_string());
    const Model* m = k->pk_models.find(model_id);
    if (!m) return fail("unknown model " + model_id);
    out = predict(*m, doses, covs, eta, times);
  }
  if (!out) return fail(out.error().to_string());
  std::printf("time_h,conc_ng_per_mL\n");
  for (std::size_t i = 0; i < times.size(); ++i)
    std::printf("%.17g,%.17g\n", times[i].count(), (*out)[i].value);
  return 0;
}
