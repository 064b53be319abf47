// Loading and validation of knowledge/cds.json (see cds_config.h). Every problem is named by
// file and JSON path, like the rest of the knowledge.
#include "knowledge/cds_config.h"

#include <set>

#include <nlohmann/json.hpp>

#include "knowledge/json_fields.h"
#include "knowledge/knowledge.h"
#include "knowledge/problems.h"
#include "units/ucum.h"

namespace khe::knowledge {
namespace {

using json = nlohmann::json;
const std::string kFile = "cds.json";

using json_fields::member;

std::string text(const json& obj, const char* key, const std::string& path, Problems& p) {
  return json_fields::nonempty_text(obj, key, kFile, path, p);
}

std::vector<std::string> strings(const json& obj, const char* key, const std::string& path,
                                 Problems& p) {
  std::vector<std::string> out;
  const json* v = member(obj, key);
  if (!v || !v->is_array()) {
    p.add(kFile, path + "." + key, "expected an array of strings");
    return out;
  }
  for (std::size_t i = 0; i < v->size(); ++i) {
    if (!(*v)[i].is_string()) {
      p.add(kFile, path + "." + key + "[" + std::to_string(i) + "]", "expected a string");
      continue;
    }
    out.push_back((*v)[i].get<std::string>());
  }
  return out;
}

std::map<std::string, std::string> words(const json& obj, const char* key, const std::string& path,
                                         Problems& p) {
  std::map<std::string, std::string> out;
  const json* v = member(obj, key);
  if (!v || !v->is_object()) {
    p.add(kFile, path + "." + key, "expected an object of strings");
    return out;
  }
  for (const auto& [name, value] : v->items()) {
    if (!value.is_string()) {
      p.add(kFile, path + "." + key + "." + name, "expected a string");
      continue;
    }
    out[name] = value.get<std::string>();
  }
  return out;
}

// Every {placeholder} of `t` must be one of `allowed`; braces must pair.
void check_template(const std::string& t, const std::set<std::string>& allowed,
                    const std::string& path, Problems& p) {
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t[i] == '}') return p.add(kFile, path, "unmatched '}'");
    if (t[i] != '{') continue;
    const auto close = t.find('}', i + 1);
    if (close == std::string::npos) return p.add(kFile, path, "unmatched '{'");
    const std::string name = t.substr(i + 1, close - i - 1);
    if (!allowed.count(name)) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      p.add(kFile, path, "unknown placeholder {" + name + "}; allowed: " + list);
    }
    i = close;
  }
}

bool valid_indicator(const std::string& s) {
  return s == "info" || s == "warning" || s == "critical";
}

bool is_resource_type(const std::string& s) {
  if (s.empty() || s[0] < 'A' || s[0] > 'Z') return false;
  for (char c : s)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return false;
  return true;
}

// "Type/{{context.patientId}}" (a read) or "Type?..." (a search); the only prefetch token
// the services fill is {{context.patientId}}, the only placeholder <observation-codes>.
void check_query(const std::string& q, const std::string& path, Problems& p) {
  const auto cut = q.find_first_of("/?");
  if (cut == std::string::npos || !is_resource_type(q.substr(0, cut))) {
    return p.add(kFile, path, "expected a FHIR read 'Type/{{...}}' or search 'Type?...'");
  }
  for (std::size_t i = q.find("{{"); i != std::string::npos; i = q.find("{{", i + 2)) {
    const auto close = q.find("}}", i);
    if (close == std::string::npos) return p.add(kFile, path, "unmatched '{{'");
    if (q.substr(i + 2, close - i - 2) != "context.patientId") {
      p.add(kFile, path, "only the prefetch token {{context.patientId}} is supported");
    }
  }
  if (q.find("{{context.patientId}}") == std::string::npos) {
    p.add(kFile, path, "a template must be restricted to the patient ({{context.patientId}})");
  }
  for (std::size_t i = q.find('<'); i != std::string::npos; i = q.find('<', i + 1)) {
    if (q.compare(i, 19, "<observation-codes>") != 0) {
      p.add(kFile, path, "unknown placeholder; only <observation-codes> is expanded");
    }
  }
  for (char c : q) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == '"' || c == '#' || c == '\\') {
      return p.add(kFile, path, "a query may not hold spaces, quotes, '#' or '\\'");
    }
  }
}

void check_drugs(const std::vector<std::string>& drugs, const Knowledge& k, const std::string& path,
                 Problems& p) {
  for (std::size_t i = 0; i < drugs.size(); ++i) {
    if (!k.drugs.count(drugs[i])) {
      p.add(kFile, path + "[" + std::to_string(i) + "]", "unknown drug '" + drugs[i] + "'");
    }
  }
}

void load_services(const json& doc, CdsConfig& c, Problems& p) {
  const json* list = member(doc, "services");
  if (!list || !list->is_array() || list->empty()) {
    return p.add(kFile, "services", "expected a non-empty array");
  }
  std::set<std::string> ids;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const std::string path = "services[" + std::to_string(i) + "]";
    const json& s = (*list)[i];
    CdsService svc{text(s, "id", path, p), text(s, "hook", path, p), text(s, "kind", path, p),
                   text(s, "title", path, p), text(s, "description", path, p)};
    for (char ch : svc.id) {
      if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
            ch == '-' || ch == '_' || ch == '.')) {
        p.add(kFile, path + ".id", "an id is letters, digits, '-', '_' and '.' only");
        break;
      }
    }
    if (!svc.id.empty() && !ids.insert(svc.id).second) {
      p.add(kFile, path + ".id", "duplicate service id");
    }
    if (svc.kind == "dose_check") {
      if (svc.hook != "order-select" && svc.hook != "order-sign") {
        p.add(kFile, path + ".hook", "a dose check runs on order-select or order-sign");
      }
    } else if (svc.kind != "assessment" && !svc.kind.empty()) {
      p.add(kFile, path + ".kind", "expected assessment or dose_check");
    }
    c.services.push_back(std::move(svc));
  }
}

void load_prefetch(const json& doc, CdsConfig& c, Problems& p) {
  const json* list = member(doc, "prefetch");
  if (!list || !list->is_array() || list->empty()) {
    return p.add(kFile, "prefetch", "expected a non-empty array");
  }
  std::set<std::string> keys;
  int patient_reads = 0;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const std::string path = "prefetch[" + std::to_string(i) + "]";
    CdsPrefetch t{text((*list)[i], "key", path, p), text((*list)[i], "query", path, p)};
    if (!t.key.empty() && !keys.insert(t.key).second) {
      p.add(kFile, path + ".key", "duplicate prefetch key");
    }
    if (!t.query.empty()) check_query(t.query, path + ".query", p);
    if (t.query.rfind("Patient/", 0) == 0) ++patient_reads;
    c.prefetch.push_back(std::move(t));
  }
  if (patient_reads != 1) {
    p.add(kFile, "prefetch", "expected exactly one read of the Patient (Patient/{{...}})");
  }
}

void load_card(const json& doc, const Knowledge& k, CdsConfig& c, Problems& p) {
  const json* card = member(doc, "card");
  if (!card || !card->is_object()) return p.add(kFile, "card", "expected an object");
  CdsCardTexts& t = c.card;
  t.source_label = text(*card, "source_label", "card", p);
  t.default_source = text(*card, "default_source", "card", p);
  if (!t.default_source.empty()) {
    const Source* s = k.source(t.default_source);
    if (!s || s->url.empty()) {
      p.add(kFile, "card.default_source", "expected the id of a source with a URL");
    }
  }
  t.link_label = text(*card, "link_label", "card", p);
  t.summary = text(*card, "summary", "card", p);
  check_template(t.summary, {"status", "severity", "urgency", "regimen"}, "card.summary", p);
  t.status = words(*card, "status", "card", p);
  t.severity = words(*card, "severity", "card", p);
  t.urgency = words(*card, "urgency", "card", p);
  t.regimen = words(*card, "regimen", "card", p);
  t.indicator = words(*card, "indicator", "card", p);
  for (const auto& [urgency, indicator] : t.indicator) {
    if (!valid_indicator(indicator)) {
      p.add(kFile, "card.indicator." + urgency, "expected info, warning or critical");
    }
  }
  t.create_drugs = strings(*card, "create_drugs", "card", p);
  check_drugs(t.create_drugs, k, "card.create_drugs", p);
  const std::set<std::string> dose_words = {"drug",   "dose",        "interval", "route",
                                            "volume", "formulation", "rule"};
  t.create_label = text(*card, "create_label", "card", p);
  check_template(t.create_label, dose_words, "card.create_label", p);
  t.create_description = text(*card, "create_description", "card", p);
  check_template(t.create_description, dose_words, "card.create_description", p);
}

void load_dose_check(const json& doc, const Knowledge& k, CdsConfig& c, Problems& p) {
  const json* d = member(doc, "dose_check");
  if (!d || !d->is_object()) return p.add(kFile, "dose_check", "expected an object");
  CdsDoseCheck& t = c.dose_check;
  t.drugs = strings(*d, "drugs", "dose_check", p);
  check_drugs(t.drugs, k, "dose_check.drugs", p);
  const json* tol = member(*d, "tolerance");
  const json* value = tol ? member(*tol, "value") : nullptr;
  const json* unit = tol ? member(*tol, "unit") : nullptr;
  if (!value || !value->is_number() || !unit || !unit->is_string()) {
    p.add(kFile, "dose_check.tolerance", "expected {\"value\": number, \"unit\": \"%\"}");
  } else if (auto f = units::convert(value->get<double>(), unit->get<std::string>(), "1"); !f) {
    p.add(kFile, "dose_check.tolerance.unit", f.error().message);
  } else if (!(*f > 0 && *f < 1)) {
    p.add(kFile, "dose_check.tolerance", "expected more than 0 and less than 100 %");
  } else {
    t.tolerance = *f;
  }
  t.indicator = text(*d, "indicator", "dose_check", p);
  if (!t.indicator.empty() && !valid_indicator(t.indicator)) {
    p.add(kFile, "dose_check.indicator", "expected info, warning or critical");
  }
  const std::set<std::string> allowed = {"drug",      "ordered",    "computed", "difference",
                                         "direction", "interval",   "route",    "rule",
                                         "volume",    "formulation"};
  t.summary = text(*d, "summary", "dose_check", p);
  check_template(t.summary, allowed, "dose_check.summary", p);
  t.label = text(*d, "label", "dose_check", p);
  check_template(t.label, allowed, "dose_check.label", p);
  t.description = text(*d, "description", "dose_check", p);
  check_template(t.description, allowed, "dose_check.description", p);
  t.dosage_text = text(*d, "dosage_text", "dose_check", p);
  check_template(t.dosage_text, allowed, "dose_check.dosage_text", p);
  t.detail_title = text(*d, "detail_title", "dose_check", p);
  check_template(t.detail_title, allowed, "dose_check.detail_title", p);
  t.above = text(*d, "above", "dose_check", p);
  t.below = text(*d, "below", "dose_check", p);
  t.ordered_label = text(*d, "ordered_label", "dose_check", p);
  t.computed_label = text(*d, "computed_label", "dose_check", p);
  t.tolerance_label = text(*d, "tolerance_label", "dose_check", p);
}

}  // namespace

void load_cds_config(const std::string* bytes, Knowledge& k, Problems& p) {
  if (!bytes) return p.add(kFile, "$", "file missing");
  json doc = json::parse(*bytes, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return p.add(kFile, "$", "not a JSON object");
  CdsConfig c;
  load_services(doc, c, p);
  load_prefetch(doc, c, p);
  load_card(doc, k, c, p);
  load_dose_check(doc, k, c, p);
  k.cds = std::move(c);
}

}  // namespace khe::knowledge
