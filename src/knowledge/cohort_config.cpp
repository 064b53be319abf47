// Loading and validation of knowledge/cohort.json (see cohort_config.h). Every problem is
// named by file and JSON path, like the rest of the knowledge.
#include "knowledge/cohort_config.h"

#include <set>

#include <nlohmann/json.hpp>

#include "knowledge/json_fields.h"
#include "knowledge/knowledge.h"
#include "knowledge/problems.h"

namespace khe::knowledge {
namespace {

using json = nlohmann::json;
const std::string kFile = "cohort.json";

using json_fields::member;

int days(const json& obj, const char* key, const std::string& path, Problems& p) {
  const json* v = member(obj, key);
  if (!v || !v->is_number_integer() || v->get<long long>() < 0 || v->get<long long>() > 366) {
    p.add(kFile, path + "." + key, "expected a whole number of days from 0 to 366");
    return 0;
  }
  return v->get<int>();
}

void load_sources(const json& r, const Knowledge& k, CohortConfig& c, Problems& p) {
  const json* list = member(r, "sources");
  if (!list || !list->is_array() || list->empty()) {
    return p.add(kFile, "regimen.sources", "expected a non-empty array of source ids");
  }
  for (std::size_t i = 0; i < list->size(); ++i) {
    const json& s = (*list)[i];
    const std::string at = "regimen.sources[" + std::to_string(i) + "]";
    if (!s.is_string()) {
      p.add(kFile, at, "expected a source id");
    } else if (!k.source(s.get<std::string>())) {
      p.add(kFile, at, "unknown source '" + s.get<std::string>() + "'");
    } else {
      c.sources.push_back(s.get<std::string>());
    }
  }
  const json* local = member(r, "local_default");
  if (!local || !local->is_boolean()) {
    p.add(kFile, "regimen.local_default", "expected true or false");
  } else {
    c.local_default = local->get<bool>();
  }
}

// One regimen's slots: non-empty lists of drug ids of drugs.json, no drug twice.
std::vector<std::vector<std::string>> slots_of(const json& r, const std::string& path,
                                               const Knowledge& k, Problems& p) {
  std::vector<std::vector<std::string>> out;
  const json* slots = member(r, "drugs");
  if (!slots || !slots->is_array() || slots->empty()) {
    p.add(kFile, path + ".drugs", "expected a non-empty array of drug lists");
    return out;
  }
  std::set<std::string> seen;
  for (std::size_t i = 0; i < slots->size(); ++i) {
    const std::string at = path + ".drugs[" + std::to_string(i) + "]";
    const json& slot = (*slots)[i];
    if (!slot.is_array() || slot.empty()) {
      p.add(kFile, at, "expected a non-empty array of drug ids");
      continue;
    }
    std::vector<std::string> drugs;
    for (std::size_t j = 0; j < slot.size(); ++j) {
      const std::string where = at + "[" + std::to_string(j) + "]";
      if (!slot[j].is_string()) {
        p.add(kFile, where, "expected a drug id");
        continue;
      }
      const std::string d = slot[j].get<std::string>();
      if (k.drugs.find(d) == k.drugs.end()) {
        p.add(kFile, where, "unknown drug '" + d + "' (not in drugs.json)");
      } else if (!seen.insert(d).second) {
        p.add(kFile, where, "drug '" + d + "' is named twice in this regimen");
      } else {
        drugs.push_back(d);
      }
    }
    out.push_back(std::move(drugs));
  }
  return out;
}

}  // namespace

void load_cohort_config(const std::string* bytes, Knowledge& k, Problems& p) {
  if (!bytes) return p.add(kFile, "$", "file missing");
  json doc = json::parse(*bytes, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return p.add(kFile, "$", "not a JSON object");
  const json* r = member(doc, "regimen");
  if (!r || !r->is_object()) return p.add(kFile, "regimen", "expected an object");
  CohortConfig c;
  c.window_before_days = days(*r, "window_before_days", "regimen", p);
  c.window_after_days = days(*r, "window_after_days", "regimen", p);
  load_sources(*r, k, c, p);
  const json* list = member(*r, "regimens");
  if (!list || !list->is_array() || list->empty()) {
    p.add(kFile, "regimen.regimens", "expected a non-empty array");
  } else {
    std::set<std::string> names;
    for (std::size_t i = 0; i < list->size(); ++i) {
      const std::string path = "regimen.regimens[" + std::to_string(i) + "]";
      CohortRegimen reg;
      reg.name = json_fields::nonempty_text((*list)[i], "name", kFile, path, p);
      if (!reg.name.empty() && !names.insert(reg.name).second) {
        p.add(kFile, path + ".name", "duplicate regimen '" + reg.name + "'");
      }
      reg.drugs = slots_of((*list)[i], path, k, p);
      c.regimens.push_back(std::move(reg));
    }
  }
  k.cohort = std::move(c);
}

}  // namespace khe::knowledge
