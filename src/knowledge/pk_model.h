// Population PK models as knowledge data (knowledge/pk/*.json): structure, typical values
// with units, covariate equations, inter-individual variability, residual error, validity
// domain, assay and source. Adding a model is a data change; only a new structure needs C++.
// The computations on these models (individual parameters, predictions, MAP) are in src/pk;
// this header holds the data only, so that Knowledge can carry the models.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace khe::knowledge {

enum class PkStructure { one_cmt_oral, two_cmt_oral };

// A covariate effect multiplies the typical value:
//   power:        (covariate / reference)^exponent      (continuous covariate, e.g. weight)
//   categorical:  factors[category]                      (e.g. CYP3A5 expresser status)
struct PkCovariateEffect {
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
struct PkParameter {
  double typical = 0.0;
  std::vector<PkCovariateEffect> covariates;
  std::optional<double> omega_sd;  // exponential IIV, ω as an SD; absent = no IIV
  std::string evidence;
};

enum class PkErrorModel { additive, proportional, combined };

struct PkResidual {
  PkErrorModel model = PkErrorModel::additive;
  double additive_sd = 0.0;      // ng/mL
  double proportional_sd = 0.0;  // fraction
};

struct PkRange {
  std::optional<double> low;
  std::optional<double> high;
};

struct PkModel {
  std::string id;
  std::string name;
  std::string drug;
  bool is_default = false;
  PkStructure structure = PkStructure::one_cmt_oral;
  std::string source;  // id in knowledge/sources.json
  std::string evidence;
  std::string population;
  std::string caveat;
  std::map<std::string, PkParameter> parameters;  // "CL", "V", "ka" (+ "Q", "V2")
  // PkParameter names that carry an η, in the order of the η vector (sorted by name).
  std::vector<std::string> eta_names;
  PkResidual residual;
  PkRange weight_kg;  // validity domain
  PkRange age_years;
  std::string assay_method;
  std::string assay_matrix;
  PkRange assay_calibration_ng_per_ml;
  std::string file;  // "pk/fan2024.json"
};

struct PkModels {
  std::map<std::string, PkModel> by_id;
  std::string default_id;
  const PkModel* find(const std::string& id) const;
  const PkModel* default_model() const;  // nullptr when there is no model
};

// The files' names of these values ("1cmt_oral", "additive", ...): the loader reads by
// them and `khe knowledge` prints them.
const char* structure_name(PkStructure s);
const char* error_model_name(PkErrorModel e);
// The canonical unit a structural parameter is stored in ("CL" -> "L/h", "V" -> "L",
// "ka" -> "/h"); nullptr for a name that is not a structural parameter.
const char* pk_parameter_unit(std::string_view name);

}  // namespace khe::knowledge
