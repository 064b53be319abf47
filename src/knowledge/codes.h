// Code mappings from knowledge data, in the form the readers need: LOINC -> analyte (with
// its canonical unit, molar mass and plausible range), diagnosis codes and free-text
// synonyms, RxNorm and drug names, and unambiguous unit-text aliases.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "model/analyte.h"

namespace khe::knowledge {

// Hash maps keyed by std::string that can be searched with a std::string_view, so the
// reader looks codes up straight from the parsed input without building a string.
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};
template <typename V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

struct AnalyteDef {
  model::Analyte analyte{};
  std::string canonical_unit;  // UCUM, e.g. "10*9/L"
  std::optional<double> molar_mass_g_per_mol;
  double plausible_min = 0;  // canonical unit; values outside are refused
  double plausible_max = 0;
  std::vector<std::string> loinc;   // codes that mean this analyte
  std::string required_annotation;  // e.g. "FEU" for ddimer_feu: a unit annotated
                                    // with another kind ("DDU") is refused
  // Factor from each usual unit to the canonical unit, computed once at load through the
  // UCUM layer, so the reader converts the common units without parsing them again.
  std::vector<std::pair<std::string, double>> unit_factors;
};

struct Codes {
  std::string loinc_system;  // "http://loinc.org"
  std::string ucum_system;   // "http://unitsofmeasure.org"
  std::string rxnorm_system;
  std::string product_base;  // "http://khe-cds.org/fhir/CodeSystem/"

  std::vector<AnalyteDef> analytes;  // indexed by model::Analyte
  StringMap<model::Analyte> loinc_to_analyte;
  // Finding code (product `finding` system) -> analyte, for quantity-valued findings.
  StringMap<model::Analyte> quantity_findings;

  // Exact unit text (Quantity.unit without a UCUM code) -> UCUM code. Only unambiguous
  // spellings are listed; anything else is refused.
  StringMap<std::string> unit_text_aliases;

  // "system|code" -> product diagnosis code (product codes themselves, SNOMED, ICD).
  StringMap<std::string> diagnosis_codes;
  // Lowercase free-text synonym -> product diagnosis code (used only as a fallback).
  std::vector<std::pair<std::string, std::string>> diagnosis_synonyms;

  // RxNorm ingredient code -> drug id; lowercase name/synonym -> drug id.
  StringMap<std::string> rxnorm_to_drug;
  std::vector<std::pair<std::string, std::string>> drug_names;

  // Route "system|code" -> route name ("oral", "intravenous"); lowercase text -> route name.
  StringMap<std::string> route_codes;
  std::vector<std::pair<std::string, std::string>> route_names;

  const AnalyteDef& analyte(model::Analyte a) const {
    return analytes[static_cast<std::size_t>(a)];
  }
};

}  // namespace khe::knowledge
