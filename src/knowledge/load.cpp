// Loading and validation of knowledge files. Every problem is collected (not only the
// first) and named by file and JSON path, so a centre editing its profile sees them all.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "knowledge/embedded.h"
#include "knowledge/json_fields.h"
#include "knowledge/knowledge.h"
#include "knowledge/pk_load.h"
#include "knowledge/problems.h"
#include "units/ucum.h"

namespace khe::knowledge {
namespace {

using json = nlohmann::json;

using json_fields::member;

std::string text_of(const json& obj, const char* key, Problems& p, const std::string& file,
                    const std::string& path, bool required = true) {
  const json* v = member(obj, key);
  if (!v) {
    if (required) p.add(file, path + "." + key, "missing");
    return {};
  }
  if (!v->is_string()) {
    p.add(file, path + "." + key, "expected a string");
    return {};
  }
  return v->get<std::string>();
}

std::vector<std::string> strings_of(const json& v, Problems& p, const std::string& file,
                                    const std::string& path) {
  std::vector<std::string> out;
  if (!v.is_array()) {
    p.add(file, path, "expected an array of strings");
    return out;
  }
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_string()) {
      p.add(file, path + "[" + std::to_string(i) + "]", "expected a string");
      continue;
    }
    out.push_back(v[i].get<std::string>());
  }
  return out;
}

// A quantity {"value": x, "unit": "u"} (or a bare number when no unit is wanted),
// converted to `want_unit`.
std::optional<double> quantity_of(const json& v, const std::string& want_unit, Problems& p,
                                  const std::string& file, const std::string& path) {
  if (v.is_number()) {
    if (!want_unit.empty() && want_unit != "1") {
      p.add(file, path, "expected {\"value\", \"unit\"} in a unit commensurable with " + want_unit);
      return std::nullopt;
    }
    return v.get<double>();
  }
  const json* value = member(v, "value");
  const json* unit = member(v, "unit");
  if (!value || !value->is_number()) {
    p.add(file, path + ".value", "expected a number");
    return std::nullopt;
  }
  if (!unit || !unit->is_string()) {
    p.add(file, path + ".unit", "expected a UCUM unit string");
    return std::nullopt;
  }
  if (want_unit.empty()) return value->get<double>();
  auto converted = units::convert(value->get<double>(), unit->get<std::string>(), want_unit);
  if (!converted) {
    p.add(file, path + ".unit", converted.error().message);
    return std::nullopt;
  }
  return *converted;
}

json parse_file(const FileSet& files, const std::string& name, Problems& p) {
  auto it = files.find(name);
  if (it == files.end()) {
    p.add(name, "$", "file missing");
    return json();
  }
  json doc = json::parse(it->second, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    p.add(name, "$", "not valid JSON");
    return json();
  }
  return doc;
}

void load_sources(const json& doc, Knowledge& k, Problems& p) {
  const json* list = member(doc, "sources");
  if (!list || !list->is_array()) return p.add("sources.json", "sources", "expected an array");
  for (std::size_t i = 0; i < list->size(); ++i) {
    std::string path = "sources[" + std::to_string(i) + "]";
    const json& s = (*list)[i];
    Source src{text_of(s, "id", p, "sources.json", path),
               text_of(s, "citation", p, "sources.json", path),
               text_of(s, "url", p, "sources.json", path, false)};
    if (const json* e = member(s, "evidence")) {
      if (e->is_boolean())
        src.evidence = e->get<bool>();
      else
        p.add("sources.json", path + ".evidence", "expected true or false");
    }
    k.sources.push_back(std::move(src));
  }
}

Rule parse_rule(const json& r, const std::string& file, const std::string& path, Problems& p) {
  Rule rule;
  rule.id = text_of(r, "id", p, file, path);
  rule.title = text_of(r, "title", p, file, path);
  rule.statement = text_of(r, "statement", p, file, path);
  rule.evidence_tag = text_of(r, "evidence_tag", p, file, path, false);
  if (const json* s = member(r, "sources"))
    rule.sources = strings_of(*s, p, file, path + ".sources");
  if (rule.sources.empty()) p.add(file, path + ".sources", "a rule needs at least one source");
  if (const json* ld = member(r, "local_default")) {
    if (ld->is_boolean())
      rule.local_default = ld->get<bool>();
    else
      p.add(file, path + ".local_default", "expected true or false");
  }
  return rule;
}

// Converts the raw params of every rule against the engine's ParamSpecs. Params the engine
// does not declare are kept as given (for display) when simple.
void bind_params(Rule& rule, const json& raw_params, const std::vector<ParamSpec>& specs,
                 const std::string& file, const std::string& path, Problems& p) {
  for (const ParamSpec& spec : specs) {
    if (spec.rule != rule.id) continue;
    std::string ppath = path + ".params." + spec.name;
    const json* v = member(raw_params, spec.name.c_str());
    if (!v) {
      p.add(file, ppath, "missing (required by the engine)");
      continue;
    }
    switch (spec.kind) {
      case ParamKind::number:
        if (auto q = quantity_of(*v, spec.unit, p, file, ppath)) {
          rule.params[spec.name] = *q;
          if (!spec.unit.empty() && spec.unit != "1") rule.param_units[spec.name] = spec.unit;
        }
        break;
      case ParamKind::boolean:
        if (v->is_boolean())
          rule.params[spec.name] = v->get<bool>();
        else
          p.add(file, ppath, "expected true or false");
        break;
      case ParamKind::text:
        if (v->is_string())
          rule.params[spec.name] = v->get<std::string>();
        else
          p.add(file, ppath, "expected a string");
        break;
      case ParamKind::text_list:
        rule.params[spec.name] = strings_of(*v, p, file, ppath);
        break;
      case ParamKind::number_list: {
        const json* values = member(*v, "values");
        const json* unit = member(*v, "unit");
        if (!values || !values->is_array() || values->empty() || !unit || !unit->is_string()) {
          p.add(file, ppath, "expected {\"values\": [numbers], \"unit\": \"...\"}");
          break;
        }
        std::vector<double> out;
        for (std::size_t i = 0; i < values->size(); ++i) {
          json q = {{"value", (*values)[i]}, {"unit", *unit}};
          if (auto c =
                  quantity_of(q, spec.unit, p, file, ppath + ".values[" + std::to_string(i) + "]"))
            out.push_back(*c);
        }
        rule.params[spec.name] = out;
        if (!spec.unit.empty()) rule.param_units[spec.name] = spec.unit;
        break;
      }
    }
  }
}

void load_analytes(const json& doc, Knowledge& k, Problems& p) {
  const std::string file = "analytes.json";
  k.codes.analytes.resize(model::kAnalyteCount);
  std::vector<bool> seen(model::kAnalyteCount, false);
  const json* list = member(doc, "analytes");
  if (!list || !list->is_array()) return p.add(file, "analytes", "expected an array");
  for (std::size_t i = 0; i < list->size(); ++i) {
    const json& a = (*list)[i];
    std::string path = "analytes[" + std::to_string(i) + "]";
    auto name = text_of(a, "analyte", p, file, path);
    auto analyte = model::analyte_from_name(name);
    if (!analyte) {
      p.add(file, path + ".analyte", "unknown analyte '" + name + "'");
      continue;
    }
    AnalyteDef def;
    def.analyte = *analyte;
    def.canonical_unit = text_of(a, "canonical_unit", p, file, path);
    if (!def.canonical_unit.empty() && !units::parse(def.canonical_unit))
      p.add(file, path + ".canonical_unit", "not a valid UCUM unit");
    def.required_annotation = text_of(a, "required_annotation", p, file, path, false);
    if (const json* mm = member(a, "molar_mass_g_per_mol")) {
      if (mm->is_number() && mm->get<double>() > 0)
        def.molar_mass_g_per_mol = mm->get<double>();
      else
        p.add(file, path + ".molar_mass_g_per_mol", "expected a positive number");
    }
    const json* range = member(a, "plausible");
    if (!range || !range->is_array() || range->size() != 2 || !(*range)[0].is_number() ||
        !(*range)[1].is_number() || (*range)[0].get<double>() > (*range)[1].get<double>()) {
      p.add(file, path + ".plausible", "expected [min, max] with min <= max");
    } else {
      def.plausible_min = (*range)[0].get<double>();
      def.plausible_max = (*range)[1].get<double>();
    }
    if (const json* loinc = member(a, "loinc")) {
      def.loinc = strings_of(*loinc, p, file, path + ".loinc");
      for (const auto& code : def.loinc) k.codes.loinc_to_analyte[code] = *analyte;
    }
    if (const json* finding = member(a, "finding")) {
      if (finding->is_string())
        k.codes.quantity_findings[finding->get<std::string>()] = *analyte;
      else
        p.add(file, path + ".finding", "expected a string");
    }
    if (const json* usual = member(a, "usual_units")) {
      auto list = strings_of(*usual, p, file, path + ".usual_units");
      for (std::size_t u = 0; u < list.size(); ++u) {
        auto factor = units::convert(1.0, list[u], def.canonical_unit, def.molar_mass_g_per_mol);
        if (!factor) {
          p.add(file, path + ".usual_units[" + std::to_string(u) + "]", factor.error().message);
          continue;
        }
        def.unit_factors.emplace_back(list[u], *factor);
      }
    }
    seen[static_cast<std::size_t>(*analyte)] = true;
    k.codes.analytes[static_cast<std::size_t>(*analyte)] = std::move(def);
  }
  for (std::size_t i = 0; i < seen.size(); ++i)
    if (!seen[i])
      p.add(file, "analytes",
            "no entry for '" + std::string(model::analyte_name(static_cast<model::Analyte>(i))) +
                "'");
}

void load_codes(const json& doc, Knowledge& k, Problems& p) {
  const std::string file = "codes.json";
  const json* systems = member(doc, "systems");
  if (!systems) {
    p.add(file, "systems", "missing");
  } else {
    k.codes.loinc_system = text_of(*systems, "loinc", p, file, "systems");
    k.codes.ucum_system = text_of(*systems, "ucum", p, file, "systems");
    k.codes.rxnorm_system = text_of(*systems, "rxnorm", p, file, "systems");
    k.codes.product_base = text_of(*systems, "product_base", p, file, "systems");
  }
  if (const json* aliases = member(doc, "unit_text_aliases"); aliases && aliases->is_object()) {
    for (const auto& [text, code] : aliases->items()) {
      if (!code.is_string() || !units::parse(code.get<std::string>())) {
        p.add(file, "unit_text_aliases." + text, "expected a valid UCUM code");
        continue;
      }
      k.codes.unit_text_aliases[text] = code.get<std::string>();
    }
  } else {
    p.add(file, "unit_text_aliases", "expected an object");
  }
  const json* dx = member(doc, "diagnoses");
  if (!dx || !dx->is_array()) return p.add(file, "diagnoses", "expected an array");
  for (std::size_t i = 0; i < dx->size(); ++i) {
    std::string path = "diagnoses[" + std::to_string(i) + "]";
    const json& d = (*dx)[i];
    auto id = text_of(d, "id", p, file, path);
    if (const json* c = member(d, "codes"))
      for (const auto& code : strings_of(*c, p, file, path + ".codes"))
        k.codes.diagnosis_codes[code] = id;
    if (const json* s = member(d, "synonyms"))
      for (const auto& syn : strings_of(*s, p, file, path + ".synonyms"))
        k.codes.diagnosis_synonyms.emplace_back(syn, id);
  }
  if (const json* routes = member(doc, "routes")) {
    if (const json* c = member(*routes, "codes"); c && c->is_object())
      for (const auto& [code, route] : c->items())
        if (route.is_string()) k.codes.route_codes[code] = route.get<std::string>();
    if (const json* n = member(*routes, "names"); n && n->is_object())
      for (const auto& [name, route] : n->items())
        if (route.is_string()) k.codes.route_names.emplace_back(name, route.get<std::string>());
  }
}

void load_drugs(const json& doc, Knowledge& k, Problems& p) {
  const std::string file = "drugs.json";
  const json* list = member(doc, "drugs");
  if (!list || !list->is_array()) return p.add(file, "drugs", "expected an array");
  for (std::size_t i = 0; i < list->size(); ++i) {
    std::string path = "drugs[" + std::to_string(i) + "]";
    const json& d = (*list)[i];
    Drug drug;
    drug.id = text_of(d, "id", p, file, path);
    if (const json* c = member(d, "classes"))
      drug.classes = strings_of(*c, p, file, path + ".classes");
    if (const json* r = member(d, "rxnorm"))
      for (const auto& code : strings_of(*r, p, file, path + ".rxnorm"))
        k.codes.rxnorm_to_drug[code] = drug.id;
    if (const json* n = member(d, "names"))
      for (const auto& name : strings_of(*n, p, file, path + ".names"))
        k.codes.drug_names.emplace_back(name, drug.id);
    k.drugs[drug.id] = std::move(drug);
  }
  const json* inter = member(doc, "interactions");
  if (!inter || !inter->is_array()) return p.add(file, "interactions", "expected an array");
  for (std::size_t i = 0; i < inter->size(); ++i) {
    std::string path = "interactions[" + std::to_string(i) + "]";
    const json& d = (*inter)[i];
    Interaction x;
    x.rule = text_of(d, "rule", p, file, path);
    x.alert = text_of(d, "alert", p, file, path);
    x.drug = text_of(d, "drug", p, file, path);
    if (const json* w = member(d, "with")) x.with_drugs = strings_of(*w, p, file, path + ".with");
    if (const json* w = member(d, "within")) {
      if (auto v = quantity_of(*w, "d", p, file, path + ".within")) x.within_days = *v;
    }
    if (const json* pb = member(d, "platelets_below"))
      x.platelets_below = quantity_of(*pb, "10*9/L", p, file, path + ".platelets_below");
    k.interactions.push_back(std::move(x));
  }
}

void load_limits(const json& doc, Knowledge& k, Problems& p) {
  const std::string file = "limits.json";
  const json* list = member(doc, "limits");
  if (!list || !list->is_array()) return p.add(file, "limits", "expected an array");
  for (std::size_t i = 0; i < list->size(); ++i) {
    std::string path = "limits[" + std::to_string(i) + "]";
    const json& l = (*list)[i];
    auto name = text_of(l, "analyte", p, file, path);
    auto analyte = model::analyte_from_name(name);
    if (!analyte) {
      p.add(file, path + ".analyte", "unknown analyte '" + name + "'");
      continue;
    }
    AgeBandedLimit lim;
    lim.analyte = *analyte;
    const json* from = member(l, "from_days");
    const json* to = member(l, "to_days");
    if (!from || !from->is_number_integer() || !to || !to->is_number_integer() ||
        from->get<int>() < 0 || to->get<int>() <= from->get<int>()) {
      p.add(file, path, "expected integer from_days < to_days");
      continue;
    }
    lim.from_days = from->get<int>();
    lim.to_days = to->get<int>();
    const std::string& unit = k.codes.analyte(*analyte).canonical_unit;
    if (const json* lo = member(l, "low")) lim.low = quantity_of(*lo, unit, p, file, path + ".low");
    if (const json* hi = member(l, "high"))
      lim.high = quantity_of(*hi, unit, p, file, path + ".high");
    lim.source = text_of(l, "source", p, file, path);
    k.limits.push_back(lim);
  }
}

void load_alerts(const json& doc, Knowledge& k, Problems& p) {
  const std::string file = "alerts.json";
  const json* list = member(doc, "alerts");
  if (!list || !list->is_array()) return p.add(file, "alerts", "expected an array");
  for (std::size_t i = 0; i < list->size(); ++i) {
    std::string path = "alerts[" + std::to_string(i) + "]";
    const json& a = (*list)[i];
    AlertText t{text_of(a, "code", p, file, path), text_of(a, "rule", p, file, path),
                text_of(a, "severity", p, file, path), text_of(a, "message", p, file, path)};
    if (const json* ld = member(a, "local_default")) {
      if (ld->is_boolean())
        t.local_default = ld->get<bool>();
      else
        p.add(file, path + ".local_default", "expected true or false");
    }
    if (t.severity != "info" && t.severity != "warning" && t.severity != "critical")
      p.add(file, path + ".severity", "expected info, warning or critical");
    k.alerts[t.code] = std::move(t);
  }
}

// Builds one profile: the rule catalogue with the profile's overrides applied, then bound.
void load_profile(const json& doc, const std::string& file, const json& rules_doc, Knowledge& k,
                  const std::vector<ParamSpec>& specs, Problems& p) {
  Profile profile;
  profile.id = text_of(doc, "id", p, file, "$");
  profile.description = text_of(doc, "description", p, file, "$");
  const json* overrides = member(doc, "overrides");
  if (overrides && !overrides->is_object()) p.add(file, "overrides", "expected an object");
  const json* rules = member(rules_doc, "rules");
  if (!rules || !rules->is_array()) return p.add("rules.json", "rules", "expected an array");
  std::set<std::string> ids;
  for (std::size_t i = 0; i < rules->size(); ++i) {
    std::string path = "rules[" + std::to_string(i) + "]";
    const json& r = (*rules)[i];
    Rule rule = parse_rule(r, "rules.json", path, p);
    if (!ids.insert(rule.id).second)
      p.add("rules.json", path + ".id", "duplicate rule id " + rule.id);
    json params = member(r, "params") ? r["params"] : json::object();
    if (!params.is_object()) {
      p.add("rules.json", path + ".params", "expected an object");
      params = json::object();
    }
    if (overrides && overrides->is_object()) {
      if (const json* o = member(*overrides, rule.id.c_str())) {
        if (!o->is_object())
          p.add(file, "overrides." + rule.id, "expected an object");
        else
          for (const auto& [name, value] : o->items()) {
            if (!params.contains(name))
              p.add(file, "overrides." + rule.id + "." + name, "no such parameter");
            params[name] = value;
          }
      }
    }
    bind_params(rule, params, specs, "rules.json", path, p);
    profile.rules.push_back(std::move(rule));
  }
  if (overrides && overrides->is_object())
    for (const auto& [id, _] : overrides->items())
      if (!ids.count(id)) p.add(file, "overrides." + id, "no such rule");
  for (const ParamSpec& spec : specs)
    if (!ids.count(spec.rule))
      p.add("rules.json", "rules", "rule " + spec.rule + " (required by the engine) is missing");
  k.profiles[profile.id] = std::move(profile);
}

void cross_check(Knowledge& k, Problems& p) {
  std::set<std::string> source_ids;
  for (const auto& s : k.sources) source_ids.insert(s.id);
  for (auto& [id, profile] : k.profiles) {
    for (const Rule& r : profile.rules) {
      for (const auto& s : r.sources)
        if (!source_ids.count(s))
          p.add("rules.json", r.id + ".sources", "unknown source '" + s + "'");
      profile.by_id[r.id] = &r;
    }
  }
  const Profile* any = k.profiles.empty() ? nullptr : &k.profiles.begin()->second;
  for (const auto& [code, alert] : k.alerts)
    if (any && !any->has_rule(alert.rule))
      p.add("alerts.json", code + ".rule", "unknown rule '" + alert.rule + "'");
  for (const auto& x : k.interactions) {
    if (any && !any->has_rule(x.rule))
      p.add("drugs.json", "interactions." + x.rule, "unknown rule");
    if (!k.alerts.count(x.alert))
      p.add("drugs.json", "interactions." + x.rule + ".alert", "unknown alert '" + x.alert + "'");
  }
}

}  // namespace

Result<Knowledge> load(const FileSet& files, const std::vector<ParamSpec>& required) {
  Problems p("knowledge");
  Knowledge k;
  json version = parse_file(files, "version.json", p);
  k.version = text_of(version, "knowledge_version", p, "version.json", "$");
  load_sources(parse_file(files, "sources.json", p), k, p);
  load_alerts(parse_file(files, "alerts.json", p), k, p);
  load_analytes(parse_file(files, "analytes.json", p), k, p);
  load_codes(parse_file(files, "codes.json", p), k, p);
  load_drugs(parse_file(files, "drugs.json", p), k, p);
  {
    auto cds = files.find("cds.json");
    load_cds_config(cds == files.end() ? nullptr : &cds->second, k, p);
  }
  {
    auto inputs = files.find("inputs.json");
    load_inputs_config(inputs == files.end() ? nullptr : &inputs->second, k, p);
  }
  {
    auto cohort = files.find("cohort.json");
    load_cohort_config(cohort == files.end() ? nullptr : &cohort->second, k, p);
  }
  if (p.ok()) load_limits(parse_file(files, "limits.json", p), k, p);
  json rules = parse_file(files, "rules.json", p);
  bool any_profile = false;
  for (const auto& [name, bytes] : files) {
    if (name.rfind("profiles/", 0) != 0) continue;
    any_profile = true;
    json doc = parse_file(files, name, p);
    if (!doc.is_null()) load_profile(doc, name, rules, k, required, p);
  }
  if (!any_profile) p.add("profiles/", "$", "no profile files");
  if (p.ok()) cross_check(k, p);
  k.pk_models = load_pk_models(files, k, p);
  if (!p.ok()) return p.error();
  return k;
}

FileSet default_files() {
  FileSet files;
  for (const auto& f : embedded_files()) files[std::string(f.path)] = std::string(f.bytes);
  return files;
}

Result<Knowledge> load_default(const std::vector<ParamSpec>& required) {
  return load(default_files(), required);
}

Result<Knowledge> load_dir(const std::string& dir, const std::vector<ParamSpec>& required) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Error{dir, "not a folder"};
  FileSet files;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file() || it->path().extension() != ".json") continue;
    std::ifstream in(it->path(), std::ios::binary);
    std::ostringstream buf;
    buf << in.rdbuf();
    files[fs::relative(it->path(), dir).generic_string()] = buf.str();
  }
  if (ec) return Error{dir, ec.message()};
  return load(files, required);
}

}  // namespace khe::knowledge
