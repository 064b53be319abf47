// Loading and validation of knowledge/inputs.json (see inputs_config.h). Every problem is
// named by file and JSON path, like the rest of the knowledge.
#include "knowledge/inputs_config.h"

#include <optional>
#include <set>

#include <nlohmann/json.hpp>

#include "knowledge/json_fields.h"
#include "knowledge/knowledge.h"
#include "knowledge/problems.h"

namespace khe::knowledge {
namespace {

using json = nlohmann::json;
const std::string kFile = "inputs.json";

using json_fields::member;

std::string text(const json& obj, const char* key, const std::string& path, Problems& p) {
  return json_fields::nonempty_text(obj, key, kFile, path, p);
}

// A non-empty array at `obj[key]`, else a problem and null.
const json* list_of(const json& obj, const char* key, const std::string& path, Problems& p) {
  const json* v = member(obj, key);
  if (!v || !v->is_array() || v->empty()) {
    p.add(kFile, path.empty() ? key : path + "." + key, "expected a non-empty array");
    return nullptr;
  }
  return v;
}

// {code, label} entries of `list` (at `path`); each code must be new to `codes`, the code
// system the list belongs to.
std::vector<InputOption> options_of(const json& list, const std::string& path,
                                    std::set<std::string>& codes, Problems& p) {
  std::vector<InputOption> out;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string at = path + "[" + std::to_string(i) + "]";
    InputOption o{text(list[i], "code", at, p), text(list[i], "label", at, p)};
    if (!o.code.empty() && !codes.insert(o.code).second) {
      p.add(kFile, at + ".code", "duplicate code '" + o.code + "'");
    }
    out.push_back(std::move(o));
  }
  return out;
}

bool valid_value(const std::string& v) {
  return v == "boolean" || v == "code" || v == "quantity" || v == "grade";
}

// The `finding` code system: finding codes and the codes of their options share it, so
// every one of them is unique across the file.
void load_findings(const json& doc, const Knowledge& k, InputsConfig& c, Problems& p) {
  const json* list = list_of(doc, "findings", "", p);
  if (!list) return;
  std::set<std::string> codes;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const std::string path = "findings[" + std::to_string(i) + "]";
    const json& f = (*list)[i];
    InputFinding def;
    def.code = text(f, "code", path, p);
    def.label = text(f, "label", path, p);
    def.value = text(f, "value", path, p);
    if (!def.code.empty() && !codes.insert(def.code).second) {
      p.add(kFile, path + ".code", "duplicate code '" + def.code + "'");
    }
    if (!def.value.empty() && !valid_value(def.value)) {
      p.add(kFile, path + ".value", "expected boolean, code, quantity or grade");
    }
    if (def.value == "code") {
      if (const json* options = list_of(f, "options", path, p)) {
        def.options = options_of(*options, path + ".options", codes, p);
      }
    } else if (member(f, "options")) {
      p.add(kFile, path + ".options", "options are only for a coded finding (value \"code\")");
    }
    if (def.value == "quantity" && !def.code.empty() &&
        k.codes.quantity_findings.find(def.code) == k.codes.quantity_findings.end()) {
      p.add(kFile, path + ".code",
            "a quantity finding the knowledge does not read: no analyte of analytes.json has "
            "it as its finding");
    }
    c.findings.push_back(std::move(def));
  }
}

// The `procedure` code system: procedures and indications share it. The reader takes a
// code starting with "indication-" as an indication (Procedure.reasonCode), never as the
// procedure, and only such codes as indications.
void load_procedures(const json& doc, InputsConfig& c, Problems& p) {
  std::set<std::string> codes;
  if (const json* list = list_of(doc, "procedures", "", p)) {
    c.procedures = options_of(*list, "procedures", codes, p);
    for (std::size_t i = 0; i < c.procedures.size(); ++i) {
      if (c.procedures[i].code.starts_with("indication-")) {
        p.add(kFile, "procedures[" + std::to_string(i) + "].code",
              "a code starting with indication- is read as an indication, not a procedure");
      }
    }
  }
  if (const json* list = list_of(doc, "indications", "", p)) {
    c.indications = options_of(*list, "indications", codes, p);
    for (std::size_t i = 0; i < c.indications.size(); ++i) {
      const std::string& code = c.indications[i].code;
      if (!code.empty() && !code.starts_with("indication-")) {
        p.add(kFile, "indications[" + std::to_string(i) + "].code",
              "an indication code starts with indication- (the reader reads no other)");
      }
    }
  }
}

// Analyte names of analytes.json with a LOINC code (the analytes the forms offer).
void load_vital_signs(const json& doc, const Knowledge& k, InputsConfig& c, Problems& p) {
  const json* list = member(doc, "vital_signs");
  if (!list || !list->is_array()) return p.add(kFile, "vital_signs", "expected an array");
  std::set<model::Analyte> seen;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const std::string path = "vital_signs[" + std::to_string(i) + "]";
    const json& v = (*list)[i];
    const auto analyte = v.is_string() ? model::analyte_from_name(v.get<std::string>())
                                       : std::optional<model::Analyte>();
    if (!analyte) {
      p.add(kFile, path, "expected the name of an analyte of analytes.json");
      continue;
    }
    if (!seen.insert(*analyte).second) {
      p.add(kFile, path, "duplicate analyte '" + v.get<std::string>() + "'");
      continue;
    }
    const auto index = static_cast<std::size_t>(*analyte);
    if (index >= k.codes.analytes.size() || k.codes.analytes[index].loinc.empty()) {
      p.add(kFile, path,
            "'" + v.get<std::string>() +
                "' has no LOINC code in analytes.json: not an analyte "
                "the forms offer");
      continue;
    }
    c.vital_signs.push_back(*analyte);
  }
}

}  // namespace

void load_inputs_config(const std::string* bytes, Knowledge& k, Problems& p) {
  if (!bytes) return p.add(kFile, "$", "file missing");
  json doc = json::parse(*bytes, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return p.add(kFile, "$", "not a JSON object");
  InputsConfig c;
  load_findings(doc, k, c, p);
  load_procedures(doc, c, p);
  load_vital_signs(doc, k, c, p);
  k.inputs = std::move(c);
}

}  // namespace khe::knowledge
