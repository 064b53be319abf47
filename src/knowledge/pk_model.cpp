// Loader of the PK model files (knowledge/pk/*.json). Every problem is collected and named
// by file and JSON path, as in knowledge/load.cpp.
#include "knowledge/pk_model.h"

#include <algorithm>
#include <cmath>
#include <set>

#include <nlohmann/json.hpp>

#include "knowledge/knowledge.h"
#include "knowledge/pk_load.h"
#include "knowledge/problems.h"
#include "units/ucum.h"

namespace khe::knowledge {
namespace {

using json = nlohmann::json;

struct Walker {
  const std::string& file;
  Problems& p;

  const json* member(const json& obj, const char* key, const std::string& path,
                     bool required) const {
    const json* v = nullptr;
    if (obj.is_object()) {
      auto it = obj.find(key);
      if (it != obj.end()) v = &*it;
    }
    if (!v && required) p.add(file, path + "." + key, "missing");
    return v;
  }

  std::string text(const json& obj, const char* key, const std::string& path,
                   bool required = true) const {
    const json* v = member(obj, key, path, required);
    if (!v) return {};
    if (!v->is_string()) {
      p.add(file, path + "." + key, "expected a string");
      return {};
    }
    return v->get<std::string>();
  }

  std::optional<double> number(const json& obj, const char* key, const std::string& path,
                               bool required = true) const {
    const json* v = member(obj, key, path, required);
    if (!v) return std::nullopt;
    if (!v->is_number() || !std::isfinite(v->get<double>())) {
      p.add(file, path + "." + key, "expected a finite number");
      return std::nullopt;
    }
    return v->get<double>();
  }

  // {"value": x, "unit": "UCUM"} converted to `want` (a UCUM unit).
  std::optional<double> quantity(const json& obj, const char* key, const std::string& path,
                                 const std::string& want, bool required = true) const {
    const json* v = member(obj, key, path, required);
    if (!v) return std::nullopt;
    const std::string here = path + "." + key;
    if (!v->is_object()) {
      p.add(file, here, "expected {\"value\", \"unit\"} in a unit commensurable with " + want);
      return std::nullopt;
    }
    auto value = number(*v, "value", here);
    std::string unit = text(*v, "unit", here);
    if (!value || unit.empty()) return std::nullopt;
    auto converted = units::convert(*value, unit, want);
    if (!converted) {
      p.add(file, here + ".unit",
            "'" + unit + "' is not a unit commensurable with " + want + " (" +
                converted.error().message + ")");
      return std::nullopt;
    }
    return *converted;
  }

  std::string evidence(const json& obj, const std::string& path) const {
    std::string e = text(obj, "evidence", path);
    if (!e.empty() && e != "V" && e != "C")
      p.add(file, path + ".evidence",
            "'" + e + "': only verified (V) or computed (C) values may be used");
    return e;
  }
};

PkParameter parse_parameter(const json& j, const std::string& name, const std::string& path,
                            const Walker& w) {
  PkParameter par;
  par.typical = w.quantity(j, "typical", path, pk_parameter_unit(name)).value_or(0.0);
  if (!(par.typical > 0.0) && w.member(j, "typical", path, false))
    w.p.add(w.file, path + ".typical.value", "must be positive");
  par.evidence = w.evidence(j, path);
  if (const json* cov = w.member(j, "covariates", path, false)) {
    if (!cov->is_array()) w.p.add(w.file, path + ".covariates", "expected an array");
    for (std::size_t i = 0; cov->is_array() && i < cov->size(); ++i) {
      const json& c = (*cov)[i];
      const std::string cp = path + ".covariates[" + std::to_string(i) + "]";
      PkCovariateEffect e;
      std::string type = w.text(c, "type", cp);
      e.covariate = w.text(c, "covariate", cp);
      e.evidence = w.evidence(c, cp);
      if (type == "power") {
        e.kind = PkCovariateEffect::Kind::power;
        if (e.covariate != "weight" && !e.covariate.empty())
          w.p.add(w.file, cp + ".covariate",
                  "'" + e.covariate + "': the only continuous covariate is weight");
        e.reference = w.quantity(c, "reference", cp, "kg").value_or(0.0);
        if (!(e.reference > 0.0) && w.member(c, "reference", cp, false))
          w.p.add(w.file, cp + ".reference.value", "must be positive");
        e.exponent = w.number(c, "exponent", cp).value_or(0.0);
      } else if (type == "categorical") {
        e.kind = PkCovariateEffect::Kind::categorical;
        const json* f = w.member(c, "factors", cp, true);
        if (f && (!f->is_object() || f->empty()))
          w.p.add(w.file, cp + ".factors", "expected an object of category: factor");
        if (f && f->is_object())
          for (const auto& [cat, val] : f->items()) {
            if (!val.is_number() || !(val.get<double>() > 0.0))
              w.p.add(w.file, cp + ".factors." + cat, "expected a positive number");
            else
              e.factors[cat] = val.get<double>();
          }
        e.missing = w.text(c, "missing", cp, false);
        if (!e.missing.empty() && f && f->is_object() && !f->contains(e.missing))
          w.p.add(w.file, cp + ".missing", "'" + e.missing + "' is not one of the factors");
      } else if (!type.empty()) {
        w.p.add(w.file, cp + ".type", "'" + type + "': expected power or categorical");
      }
      par.covariates.push_back(std::move(e));
    }
  }
  if (const json* iiv = w.member(j, "iiv", path, false)) {
    const std::string ip = path + ".iiv";
    std::string m = w.text(*iiv, "model", ip);
    if (!m.empty() && m != "exponential")
      w.p.add(w.file, ip + ".model", "'" + m + "': only exponential IIV is supported");
    par.omega_sd = w.number(*iiv, "omega_sd", ip);
    if (par.omega_sd && !(*par.omega_sd > 0.0))
      w.p.add(w.file, ip + ".omega_sd", "must be positive");
    w.evidence(*iiv, ip);
  }
  return par;
}

PkRange parse_range(const json& obj, const char* key, const std::string& path,
                    const std::string& unit, const Walker& w) {
  PkRange r;
  const json* v = w.member(obj, key, path, false);
  if (!v) return r;
  const std::string rp = path + "." + key;
  r.low = w.quantity(*v, "low", rp, unit, false);
  r.high = w.quantity(*v, "high", rp, unit, false);
  if (r.low && r.high && *r.low > *r.high) w.p.add(w.file, rp, "low is above high");
  return r;
}

PkModel parse_model(const json& doc, const std::string& file, const Knowledge& k, Problems& p) {
  Walker w{file, p};
  const std::string root = "$";
  PkModel m;
  m.file = file;
  if (!doc.is_object()) {
    p.add(file, root, "expected an object");
    return m;
  }
  m.id = w.text(doc, "id", root);
  m.name = w.text(doc, "name", root);
  m.drug = w.text(doc, "drug", root);
  m.population = w.text(doc, "population", root, false);
  m.caveat = w.text(doc, "caveat", root, false);
  m.evidence = w.evidence(doc, root);
  if (const json* d = w.member(doc, "default", root, false)) {
    if (!d->is_boolean())
      p.add(file, "$.default", "expected true or false");
    else
      m.is_default = d->get<bool>();
  }
  std::string structure = w.text(doc, "structure", root);
  std::vector<std::string> needed;
  if (structure == structure_name(PkStructure::one_cmt_oral)) {
    m.structure = PkStructure::one_cmt_oral;
    needed = {"CL", "V", "ka"};
  } else if (structure == structure_name(PkStructure::two_cmt_oral)) {
    m.structure = PkStructure::two_cmt_oral;
    needed = {"CL", "V", "ka", "Q", "V2"};
  } else if (!structure.empty()) {
    p.add(file, "$.structure", "'" + structure + "': expected 1cmt_oral or 2cmt_oral");
  }
  m.source = w.text(doc, "source", root);
  if (!m.source.empty() && std::none_of(k.sources.begin(), k.sources.end(),
                                        [&](const Source& s) { return s.id == m.source; }))
    p.add(file, "$.source", "unknown source '" + m.source + "' (not in sources.json)");
  std::string cu = w.text(doc, "concentration_unit", root);
  if (!cu.empty() && cu != "ng/mL")
    p.add(file, "$.concentration_unit", "'" + cu + "': predictions are in ng/mL");

  const json* params = w.member(doc, "parameters", root, true);
  if (params && !params->is_object()) p.add(file, "$.parameters", "expected an object");
  if (params && params->is_object()) {
    for (const auto& [name, j] : params->items()) {
      if (pk_parameter_unit(name) == nullptr ||
          std::find(needed.begin(), needed.end(), name) == needed.end()) {
        p.add(file, "$.parameters." + name, "not a parameter of structure " + structure);
        continue;
      }
      m.parameters[name] = parse_parameter(j, name, "$.parameters." + name, w);
    }
    for (const auto& n : needed)
      if (!m.parameters.count(n)) p.add(file, "$.parameters." + n, "missing");
  }
  for (const auto& [name, par] : m.parameters)
    if (par.omega_sd) m.eta_names.push_back(name);

  if (const json* re = w.member(doc, "residual_error", root, true)) {
    const std::string rp = "$.residual_error";
    std::string model = w.text(*re, "model", rp);
    bool add = false, prop = false;
    if (model == error_model_name(PkErrorModel::additive)) {
      m.residual.model = PkErrorModel::additive;
      add = true;
    } else if (model == error_model_name(PkErrorModel::proportional)) {
      m.residual.model = PkErrorModel::proportional;
      prop = true;
    } else if (model == error_model_name(PkErrorModel::combined)) {
      m.residual.model = PkErrorModel::combined;
      add = prop = true;
    } else if (!model.empty()) {
      p.add(file, rp + ".model", "'" + model + "': expected additive, proportional or combined");
    }
    if (add) {
      m.residual.additive_sd = w.quantity(*re, "additive_sd", rp, "ng/mL").value_or(0.0);
      if (!(m.residual.additive_sd > 0.0) && w.member(*re, "additive_sd", rp, false))
        p.add(file, rp + ".additive_sd.value", "must be positive");
    }
    if (prop) {
      m.residual.proportional_sd = w.number(*re, "proportional_sd", rp).value_or(0.0);
      if (!(m.residual.proportional_sd > 0.0) && w.member(*re, "proportional_sd", rp, false))
        p.add(file, rp + ".proportional_sd", "must be positive");
    }
    w.evidence(*re, rp);
  }
  if (const json* v = w.member(doc, "validity", root, true)) {
    m.weight_kg = parse_range(*v, "weight", "$.validity", "kg", w);
    m.age_years = parse_range(*v, "age", "$.validity", "a", w);
  }
  if (const json* a = w.member(doc, "assay", root, true)) {
    m.assay_method = w.text(*a, "method", "$.assay");
    m.assay_matrix = w.text(*a, "matrix", "$.assay");
    m.assay_calibration_ng_per_ml.low =
        w.quantity(*a, "calibration_low", "$.assay", "ng/mL", false);
    m.assay_calibration_ng_per_ml.high =
        w.quantity(*a, "calibration_high", "$.assay", "ng/mL", false);
    w.evidence(*a, "$.assay");
  }
  return m;
}

}  // namespace

const char* structure_name(PkStructure s) {
  return s == PkStructure::two_cmt_oral ? "2cmt_oral" : "1cmt_oral";
}

const char* error_model_name(PkErrorModel e) {
  switch (e) {
    case PkErrorModel::additive:
      return "additive";
    case PkErrorModel::proportional:
      return "proportional";
    case PkErrorModel::combined:
      return "combined";
  }
  return "";
}

const char* pk_parameter_unit(std::string_view name) {
  if (name == "CL" || name == "Q") return "L/h";
  if (name == "V" || name == "V2") return "L";
  if (name == "ka") return "/h";
  return nullptr;
}

const PkModel* PkModels::find(const std::string& id) const {
  auto it = by_id.find(id);
  return it == by_id.end() ? nullptr : &it->second;
}

const PkModel* PkModels::default_model() const { return find(default_id); }

PkModels load_pk_models(const FileSet& files, const Knowledge& k, Problems& p) {
  PkModels out;
  for (const auto& [name, bytes] : files) {
    if (name.rfind("pk/", 0) != 0) continue;
    json doc = json::parse(bytes, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) {
      p.add(name, "$", "not valid JSON");
      continue;
    }
    PkModel m = parse_model(doc, name, k, p);
    if (m.id.empty()) continue;
    if (out.by_id.count(m.id)) {
      p.add(name, "$.id", "duplicate model id '" + m.id + "'");
      continue;
    }
    if (m.is_default) {
      if (!out.default_id.empty())
        p.add(name, "$.default", "a second default model (" + out.default_id + " is default)");
      out.default_id = m.id;
    }
    out.by_id[m.id] = std::move(m);
  }
  if (!out.by_id.empty() && out.default_id.empty()) p.add("pk/", "$", "no model is the default");
  return out;
}

Result<PkModels> load_pk_models(const FileSet& files, const Knowledge& k) {
  Problems p("knowledge");
  PkModels out = load_pk_models(files, k, p);
  if (!p.ok()) return p.error();
  return out;
}

}  // namespace khe::knowledge
