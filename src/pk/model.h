// Population PK models as knowledge data (knowledge/pk/*.json): structure, typical values
// with units, covariate equations, inter-individual variability, residual error, validity
// domain, assay and source. Adding a model is a data change; only a new structure needs C++.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "knowledge/knowledge.h"

namespace khe::pk {

enum class Structure { one_cmt_oral, two_cmt_oral };

// A covariate effect multiplies the typical value:
//   power:        (covariate / reference)^exponent      (continuous covariate, e.g. weight)
//   categorical:  factors[category]                      (e.g. CYP3A5 expresser status)
struct CovariateEffect {
  enum class Kind { power, categorical };
  Kind kind = Kind::power;
  std::string covariate;   // "weight" (kg) or a categorical covariate name ("CYP3A5")
  double reference = 0.0;  // power: reference value in the covariate's canonical unit (kg)
  double exponent = 0.0;   // power
  std::map<std::string, double> factors;  // categorical
  std::string missing;  // categorical: category used when the covariate is unknown ("" = error)
  std::string evidence;
};

// A structural parameter: CL, V (= V1), ka, Q, V2. Canonical units: L/h, L, 1/h.
struct Parameter {
  double typical = 0.0;
  std::vector<CovariateEffect> covariates;
  std::optional<double> omega_sd;  // exponential IIV, ω as an SD; absent = no IIV
  std::string evidence;
};

enum class ErrorModel { additive, proportional, combined };

struct Residual {
  ErrorModel model = ErrorModel::additive;
  double additive_sd = 0.0;      // ng/mL
  double proportional_sd = 0.0;  // fraction
};

struct Range {
  std::optional<double> low;
  std::optional<double> high;
};

struct Model {
  std::string id;
  std::string name;
  std::string drug;
  bool is_default = false;
  Structure structure = Structure::one_cmt_oral;
  std::string source;  // id in knowledge/sources.json
  std::string evidence;
  std::string population;
  std::string caveat;
  std::map<std::string, Parameter> parameters;  // "CL", "V", "ka" (+ "Q", "V2")
  // Parameter names that carry an η, in the order of the η vector (sorted by name).
  std::vector<std::string> eta_names;
  Residual residual;
  Range weight_kg;  // validity domain
  Range age_years;
  std::string assay_method;
  std::string assay_matrix;
  Range assay_calibration_ng_per_ml;
  std::string file;  // "pk/fan2024.json"
};

struct Models {
  std::map<std::string, Model> by_id;
  std::string default_id;
  const Model* find(const std::string& id) const;
  const Model* default_model() const;
};

// Loads every "pk/*.json" entry of `files` (the same FileSet the knowledge loader reads;
// other entries are ignored) and validates it; source ids are checked against
// `k.sources`. All problems are collected, each as "file: JSON path: what".
Result<Models> load_models(const knowledge::FileSet& files, const knowledge::Knowledge& k);
// The models compiled into the binary (knowledge/pk/ of this source tree).
Result<Models> load_default_models(const knowledge::Knowledge& k);

}  // namespace khe::pk
