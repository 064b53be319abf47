// Clinical knowledge as data. Every threshold, band, dose, cap, formulation, code mapping,
// alert text and source the engine uses comes from here, never from C++ literals.
//
// Invariant: a Knowledge value that load() returned has passed validation — every rule
// parameter the engine declares exists with the declared kind (numbers converted to the
// declared unit), every alert names a known rule, every rule names known sources. The
// engine may therefore look parameters up without error handling.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "core/result.h"
#include "knowledge/cds_config.h"
#include "knowledge/codes.h"
#include "knowledge/cohort_config.h"
#include "knowledge/inputs_config.h"
#include "knowledge/pk_model.h"
#include "model/analyte.h"

namespace khe::knowledge {

struct Source {
  std::string id;        // "blood2022"
  std::string citation;  // short citation in our own words
  std::string url;
  bool evidence = true;  // false for the "local default" pseudo-source: a choice, not evidence
};

using ParamValue =
    std::variant<double, bool, std::string, std::vector<std::string>, std::vector<double>>;

struct Rule {
  std::string id;  // "KMP-2"
  std::string title;
  std::string statement;             // what the rule does, in plain language
  std::vector<std::string> sources;  // Source ids
  std::string evidence_tag;          // "", "SECONDARY", "UNVERIFIED"
  bool local_default = false;
  std::map<std::string, ParamValue, std::less<>> params;  // numbers in the engine's unit
  std::map<std::string, std::string> param_units;         // display unit of each numeric param
};

struct AlertText {
  std::string code;
  std::string rule;      // rule id
  std::string severity;  // "info" | "warning" | "critical"
  std::string message;
  // Set when the alert's threshold is a local default although its rule is evidence-based.
  bool local_default = false;
};

// Age-banded limit for an analyte (lower/upper), canonical unit. Bands are half-open on age
// in days: [from_days, to_days).
struct AgeBandedLimit {
  model::Analyte analyte{};
  int from_days = 0;
  int to_days = 0;
  std::optional<double> low;
  std::optional<double> high;
  std::string source;
};

struct Interaction {
  std::string rule;                     // "DDI-1"
  std::string alert;                    // alert code
  std::string drug;                     // the drug at risk ("sirolimus", "vincristine")
  std::vector<std::string> with_drugs;  // drug ids or drug classes
  double within_days = 0;  // interacting drug active within this window (0 = concurrent)
  std::optional<double> platelets_below;  // DDI-6
};

struct Drug {
  std::string id;                    // "sirolimus"
  std::vector<std::string> classes;  // "azole", "strong_cyp3a4_inhibitor", "corticosteroid"...
};

// What the engine requires of the rule parameters; the loader validates against it.
enum class ParamKind { number, boolean, text, text_list, number_list };
struct ParamSpec {
  std::string rule;  // "KMP-2"
  std::string name;  // "severe_below"
  ParamKind kind = ParamKind::number;
  std::string unit;  // UCUM unit the engine wants numbers in ("" = dimensionless / any)
};

struct Profile {
  std::string id;  // "default", "consensus-2013"
  std::string description;
  std::vector<Rule> rules;  // the catalogue with this profile's overrides applied
  std::map<std::string, const Rule*, std::less<>> by_id;  // transparent: no allocation per lookup

  // Parameter access. Precondition (guaranteed by validation): the parameter exists with
  // the requested kind.
  double num(std::string_view rule, std::string_view name) const;
  bool flag(std::string_view rule, std::string_view name) const;
  const std::string& text(std::string_view rule, std::string_view name) const;
  const std::vector<std::string>& list(std::string_view rule, std::string_view name) const;
  const std::vector<double>& numbers(std::string_view rule, std::string_view name) const;
  const Rule& rule(std::string_view id) const;
  bool has_rule(std::string_view id) const { return by_id.find(id) != by_id.end(); }
};

struct Knowledge {
  std::string version;  // knowledge_version
  std::vector<Source> sources;
  std::unordered_map<std::string, AlertText> alerts;
  Codes codes;
  std::vector<AgeBandedLimit> limits;
  std::vector<Interaction> interactions;
  StringMap<Drug> drugs;  // by id; transparent lookup, no allocation per query
  std::map<std::string, Profile> profiles;
  // Population PK models (pk/*.json); empty when the knowledge has none, and then no
  // model-based dosing is offered.
  PkModels pk_models;
  // The CDS Hooks services' texts, prefetch templates and dose check (cds.json).
  CdsConfig cds;
  // What the web app's forms offer: finding, procedure and indication codes with their
  // labels, and the analytes filed as vital signs (inputs.json).
  InputsConfig inputs;
  // How `khe cohort --by regimen` names the first-line regimen given (cohort.json).
  CohortConfig cohort;

  const Profile* profile(std::string_view id) const;
  const Source* source(std::string_view id) const;
  const AlertText* alert(std::string_view code) const;
  bool drug_is(std::string_view drug, std::string_view id_or_class) const;
  // The age-banded limit of `a` at `age_days`, if the knowledge has one.
  const AgeBandedLimit* limit(model::Analyte a, int age_days) const;
};

// Reads files from memory: path (relative to the knowledge folder) -> bytes.
using FileSet = std::map<std::string, std::string>;

// Loads and validates. On failure, every problem found (not just the first) names the file
// and field, e.g. "rules.json: rules[4].params.severe_below: expected a number".
Result<Knowledge> load(const FileSet& files, const std::vector<ParamSpec>& required);
// The PK models among `files` ("pk/*.json"; other entries ignored), validated; model sources
// are checked against `k.sources`. No model file is not an error: the result is empty.
Result<PkModels> load_pk_models(const FileSet& files, const Knowledge& k);
// The files compiled into the binary (knowledge/ at build time), e.g. for a test to edit.
FileSet default_files();
Result<Knowledge> load_default(const std::vector<ParamSpec>& required);
// Reads every *.json under `dir` (recursively) into a FileSet and loads it.
Result<Knowledge> load_dir(const std::string& dir, const std::vector<ParamSpec>& required);

}  // namespace khe::knowledge
