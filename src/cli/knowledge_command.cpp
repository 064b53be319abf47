#include "cli/knowledge_command.h"
#include <algorithm>

#include <ostream>
#include <string>
#include <variant>

#include <nlohmann/json.hpp>

#include "cli/cli.h"
#include "cli/knowledge_source.h"
#include "model/analyte.h"
#include "write/number.h"

namespace khe::cli {
namespace {

using Json = nlohmann::ordered_json;

std::string param_text(const knowledge::ParamValue& v) {
  struct Visitor {
    std::string operator()(double d) const { return write::format_number(d, 6); }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(const std::string& s) const { return s; }
    std::string operator()(const std::vector<std::string>& l) const {
      std::string out;
      for (const auto& s : l) out += (out.empty() ? "" : ", ") + s;
      return "[" + out + "]";
    }
    std::string operator()(const std::vector<double>& l) const {
      std::string out;
      for (double d : l) out += (out.empty() ? "" : ", ") + write::format_number(d, 6);
      return "[" + out + "]";
    }
  };
  return std::visit(Visitor{}, v);
}

Json param_json(const knowledge::ParamValue& v) {
  return std::visit([](const auto& x) { return Json(x); }, v);
}

std::string unit_of(const knowledge::Rule& r, const std::string& name) {
  const auto it = r.param_units.find(name);
  return it == r.param_units.end() ? "" : it->second;
}

// The alerts a rule can raise, by code, so the listing is the same on every run.
std::vector<const knowledge::AlertText*> alerts_of(const knowledge::Knowledge& k,
                                                   const std::string& rule) {
  std::vector<const knowledge::AlertText*> out;
  for (const auto& [code, alert] : k.alerts)
    if (alert.rule == rule) out.push_back(&alert);
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->code < b->code; });
  return out;
}

std::string covariate_text(const knowledge::PkCovariateEffect& e) {
  if (e.kind == knowledge::PkCovariateEffect::Kind::power)
    return "(" + e.covariate + " / " + write::format_number(e.reference, 6) + " kg)^" +
           write::format_number(e.exponent, 6);
  std::string f;
  for (const auto& [cat, factor] : e.factors)
    f += (f.empty() ? "" : ", ") + cat + " x" + write::format_number(factor, 6);
  return e.covariate + " {" + f + "}" + (e.missing.empty() ? "" : ", unknown = " + e.missing);
}

std::string range_text(const knowledge::PkRange& r, const char* unit) {
  return (r.low ? write::format_number(*r.low, 6) : std::string("-")) + " to " +
         (r.high ? write::format_number(*r.high, 6) : std::string("-")) + " " + unit;
}

void print_pk_text(const knowledge::Knowledge& k, std::ostream& out) {
  for (const auto& [id, m] : k.pk_models.by_id) {
    out << "PK model " << id << (m.is_default ? " (default)" : "") << "  " << m.name << "\n";
    out << "  " << m.drug << ", " << knowledge::structure_name(m.structure) << "; " << m.population
        << "\n";
    for (const auto& [name, par] : m.parameters) {
      out << "  - " << name << " = " << write::format_number(par.typical, 6) << " "
          << knowledge::pk_parameter_unit(name);
      for (const auto& c : par.covariates) out << " x " << covariate_text(c);
      if (par.omega_sd) out << "; IIV omega " << write::format_number(*par.omega_sd, 6);
      out << "\n";
    }
    out << "  residual error " << knowledge::error_model_name(m.residual.model);
    if (m.residual.additive_sd > 0)
      out << ", additive SD " << write::format_number(m.residual.additive_sd, 6) << " ng/mL";
    if (m.residual.proportional_sd > 0)
      out << ", proportional SD " << write::format_number(m.residual.proportional_sd, 6);
    out << "\n  valid for weight " << range_text(m.weight_kg, "kg") << ", age "
        << range_text(m.age_years, "years") << "\n";
    out << "  assay " << m.assay_method << " (" << m.assay_matrix << ")\n";
    const knowledge::Source* s = k.source(m.source);
    out << "  source " << m.source << (s ? ": " + s->citation : "") << "\n";
    if (!m.caveat.empty()) out << "  caveat: " << m.caveat << "\n";
    out << "  file " << m.file << "\n\n";
  }
}

Json pk_json(const knowledge::Knowledge& k) {
  auto range = [](const knowledge::PkRange& r, const char* unit) {
    return Json{{"low", r.low ? Json(*r.low) : Json(nullptr)},
                {"high", r.high ? Json(*r.high) : Json(nullptr)},
                {"unit", unit}};
  };
  Json models = Json::array();
  for (const auto& [id, m] : k.pk_models.by_id) {
    Json params = Json::array();
    for (const auto& [name, par] : m.parameters) {
      Json covs = Json::array();
      for (const auto& c : par.covariates) covs.push_back(covariate_text(c));
      params.push_back({{"name", name},
                        {"typical", par.typical},
                        {"unit", knowledge::pk_parameter_unit(name)},
                        {"covariates", covs},
                        {"omega_sd", par.omega_sd ? Json(*par.omega_sd) : Json(nullptr)}});
    }
    models.push_back(
        {{"id", id},
         {"name", m.name},
         {"default", m.is_default},
         {"drug", m.drug},
         {"structure", knowledge::structure_name(m.structure)},
         {"parameters", params},
         {"residual_error",
          {{"model", knowledge::error_model_name(m.residual.model)},
           {"additive_sd_ng_per_mL", m.residual.additive_sd},
           {"proportional_sd", m.residual.proportional_sd}}},
         {"validity", {{"weight", range(m.weight_kg, "kg")}, {"age", range(m.age_years, "a")}}},
         {"assay", {{"method", m.assay_method}, {"matrix", m.assay_matrix}}},
         {"source", m.source},
         {"caveat", m.caveat},
         {"file", m.file}});
  }
  return models;
}

// The CDS Hooks services (cds.json): what an EHR discovers and the dose check.
void print_cds_text(const knowledge::Knowledge& k, std::ostream& out) {
  const auto& c = k.cds;
  for (const auto& s : c.services) {
    out << "CDS service " << s.id << " (" << s.hook << ", " << s.kind << ")  " << s.title << "\n";
  }
  out << "  prefetch:";
  for (const auto& t : c.prefetch) out << " " << t.key;
  std::string drugs;
  for (const auto& d : c.dose_check.drugs) drugs += (drugs.empty() ? "" : ", ") + d;
  out << "\n  dose check: " << drugs << "; warns beyond "
      << write::format_number(c.dose_check.tolerance * 100, 2) << " % of the computed dose\n\n";
}

Json cds_json(const knowledge::Knowledge& k) {
  const auto& c = k.cds;
  Json services = Json::array();
  for (const auto& s : c.services) {
    services.push_back({{"id", s.id}, {"hook", s.hook}, {"kind", s.kind}, {"title", s.title}});
  }
  Json prefetch = Json::array();
  for (const auto& t : c.prefetch) prefetch.push_back(t.key);
  return {{"services", services},
          {"prefetch", prefetch},
          {"dose_check", {{"drugs", c.dose_check.drugs}, {"tolerance", c.dose_check.tolerance}}}};
}

// What the web app's forms offer (inputs.json): the finding, procedure and indication codes
// with their labels, and the analytes filed as vital signs.
void print_inputs_text(const knowledge::Knowledge& k, std::ostream& out) {
  const auto& in = k.inputs;
  const auto list = [](const std::vector<knowledge::InputOption>& options) {
    std::string s;
    for (const auto& o : options) s += (s.empty() ? "" : ", ") + o.code + " (" + o.label + ")";
    return s;
  };
  for (const auto& f : in.findings) {
    out << "Input finding " << f.code << " (" << f.value << ")  " << f.label << "\n";
    if (!f.options.empty()) out << "  options: " << list(f.options) << "\n";
  }
  out << "  procedures: " << list(in.procedures) << "\n";
  out << "  transfusion indications: " << list(in.indications) << "\n";
  std::string vitals;
  for (auto a : in.vital_signs)
    vitals += (vitals.empty() ? "" : ", ") + std::string(model::analyte_name(a));
  out << "  vital signs: " << vitals << " (every other analyte: laboratory)\n\n";
}

Json inputs_json(const knowledge::Knowledge& k) {
  const auto& in = k.inputs;
  const auto list = [](const std::vector<knowledge::InputOption>& options) {
    Json out = Json::array();
    for (const auto& o : options) out.push_back({{"code", o.code}, {"label", o.label}});
    return out;
  };
  Json findings = Json::array();
  for (const auto& f : in.findings) {
    Json j = {{"code", f.code}, {"label", f.label}, {"value", f.value}};
    if (!f.options.empty()) j["options"] = list(f.options);
    findings.push_back(std::move(j));
  }
  Json vitals = Json::array();
  for (auto a : in.vital_signs) vitals.push_back(model::analyte_name(a));
  return {{"findings", findings},
          {"procedures", list(in.procedures)},
          {"indications", list(in.indications)},
          {"vital_signs", vitals}};
}

void print_text(const knowledge::Knowledge& k, const knowledge::Profile& p, std::ostream& out) {
  for (const auto& r : p.rules) {
    out << r.id << "  " << r.title << "\n";
    out << "  " << r.statement << "\n";
    for (const auto& [name, value] : r.params) {
      const std::string unit = unit_of(r, name);
      out << "  - " << name << " = " << param_text(value) << (unit.empty() ? "" : " " + unit)
          << "\n";
    }
    for (const auto& id : r.sources) {
      const knowledge::Source* s = k.source(id);
      out << "  source " << id;
      if (s) out << ": " << s->citation << (s->url.empty() ? "" : " <" + s->url + ">");
      out << "\n";
    }
    for (const auto* alert : alerts_of(k, r.id))
      out << "  alert " << alert->code << " (" << alert->severity << "): " << alert->message
          << "\n";
    if (!r.evidence_tag.empty()) out << "  evidence: " << r.evidence_tag << "\n";
    if (r.local_default) out << "  local default (a choice of the centre, not evidence)\n";
    out << "\n";
  }
  print_pk_text(k, out);
  print_cds_text(k, out);
  print_inputs_text(k, out);
  out << "knowledge version " << k.version << "\n";
  out << "profile " << p.id << (p.description.empty() ? "" : ": " + p.description) << "\n";
}

void print_json(const knowledge::Knowledge& k, const knowledge::Profile& p, std::ostream& out) {
  Json rules = Json::array();
  for (const auto& r : p.rules) {
    Json params = Json::array();
    for (const auto& [name, value] : r.params) {
      const std::string unit = unit_of(r, name);
      params.push_back({{"name", name},
                        {"value", param_json(value)},
                        {"unit", unit.empty() ? Json(nullptr) : Json(unit)}});
    }
    Json sources = Json::array();
    for (const auto& id : r.sources) {
      const knowledge::Source* s = k.source(id);
      sources.push_back({{"id", id},
                         {"citation", s ? Json(s->citation) : Json(nullptr)},
                         {"url", s && !s->url.empty() ? Json(s->url) : Json(nullptr)}});
    }
    Json alerts = Json::array();
    for (const auto* alert : alerts_of(k, r.id))
      alerts.push_back({{"code", alert->code},
                        {"severity", alert->severity},
                        {"message", alert->message},
                        {"local_default", alert->local_default}});
    rules.push_back(
        {{"id", r.id},
         {"title", r.title},
         {"statement", r.statement},
         {"parameters", params},
         {"sources", sources},
         {"alerts", alerts},
         {"evidence_tag", r.evidence_tag.empty() ? Json(nullptr) : Json(r.evidence_tag)},
         {"local_default", r.local_default}});
  }
  Json j = {{"rules", rules},
            {"pk_models", pk_json(k)},
            {"cds", cds_json(k)},
            {"inputs", inputs_json(k)},
            {"knowledge_version", k.version},
            {"profile", p.id},
            {"profile_description", p.description}};
  out << j.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
}

}  // namespace

int knowledge_command(const KnowledgeOptions& o, std::ostream& out, std::ostream& err) {
  if (o.format != "text" && o.format != "json") {
    err << "error: --format must be text or json\n";
    return kUsageError;
  }
  auto k = load_knowledge(o.knowledge_dir);
  if (!k) {
    err << "error: " << k.error().to_string() << "\n";
    return kUsageError;
  }
  const knowledge::Profile* p = find_profile(*k, o.profile, err);
  if (p == nullptr) return kUsageError;
  if (o.format == "json") {
    print_json(*k, *p, out);
  } else {
    print_text(*k, *p, out);
  }
  out.flush();
  return out ? kOk : kInternalError;
}

}  // namespace khe::cli
