// Reading FHIR Quantities safely: a number is used only with a unit we are sure of, converted
// once into the unit the model stores, and only when the result is physically plausible.
// Each function returns a Rejection naming why a value was refused; the caller decides
// whether that is a warning (a lab value) or a note (a reference range).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/result.h"

#include "fhir/json.h"
#include "knowledge/codes.h"
#include "model/record.h"

namespace khe::fhir {

// Why a value was not used. `code` empty means it was used.
struct Rejection {
  std::string code;  // DataIssue code: "value_rejected", "unit_ambiguous", ...
  std::string rel;   // path relative to the resource
  std::string message;
  bool ok() const { return code.empty(); }
};

// A Quantity's number and unit as read, before conversion.
struct RawQuantity {
  double value = 0;
  model::Comparator comparator = model::Comparator::none;
  std::string ucum;            // the UCUM code to convert from
  std::string_view unit_text;  // Quantity.unit as given (may be empty)
};

// units::convert, memoised for one read() call. An input repeats a handful of units, and
// parsing UCUM text costs more than everything else about a value. Only plain ratio units
// are memoised (value * factor); special units (Cel, [degF], ...) and failures go through
// units::convert every time, so their results and messages are exactly the library's.
class Converter {
 public:
  Result<double> convert(double value, const std::string& from, const std::string& to,
                         std::optional<double> molar_mass_g_per_mol = std::nullopt);

 private:
  std::unordered_map<std::string, std::optional<double>> factors_;  // nullopt: not memoisable
  std::string key_;
};

// Reads the Quantity `q` found at `rel`. The unit is its `code` when `system` is UCUM;
// otherwise the exact code (or, without a code, the `unit` text) looked up in
// codes.unit_text_aliases. A comparator is refused unless `allow_comparator`.
Rejection read_raw_quantity(Element q, std::string_view rel, const knowledge::Codes& codes,
                            bool allow_comparator, RawQuantity* out);

// Converts `q` into `def`'s canonical unit. Refuses a unit annotated with another kind
// (ng/mL{DDU} for an FEU D-dimer: the two are never converted into each other) and, when
// `check_plausible`, values outside the analyte's plausible range.
Rejection to_canonical(const RawQuantity& q, std::string_view rel, const knowledge::AnalyteDef& def,
                       const knowledge::Codes& codes, Converter& units, bool check_plausible,
                       model::Measured* out);

// Converts a dose into milligrams. A dose that is not a mass (mL, tablets) is refused with
// code "dose_not_mass".
Rejection to_milligrams(const RawQuantity& q, std::string_view rel, Converter& units, double* mg);

// Shortest text that reads back as `v` (for messages).
std::string format_number(double v);

}  // namespace khe::fhir
