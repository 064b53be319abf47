// UCUM (Unified Code for Units of Measure, case-sensitive form) parsing and conversion.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace khe::units {

// Base dimensions of UCUM's base units: m, s, g, rad, K, C, cd, plus mol (kept as its own
// dimension so g and mol are not silently commensurable) and a "count" dimension is not
// used: 10*9/L is dimension L^-1 with factor 1e9.
enum Dim { kLength, kTime, kMass, kAngle, kTemperature, kCharge, kLuminosity, kAmount, kDimCount };

// Kinds of quantity UCUM defines as mere counts but that must not mix with the dimensions
// above: [iU]/[IU] are arbitrary units (commensurable only with themselves), and eq / osm
// equal mol only for a charge of 1 / a non-dissociating solute, so mEq/L <-> mmol/L and
// mOsm/kg <-> mmol/kg are refused rather than silently converted 1:1.
enum OtherDim { kInternationalUnit, kEquivalent, kOsmole, kOtherDimCount };

struct Unit {
  double factor = 1;                  // value in canonical base units = v * factor (+ offset)
  double offset = 0;                  // only for Cel / [degF]-style special units
  std::array<int, kDimCount> dims{};  // exponents of the base dimensions
  bool special = false;               // offset (non-ratio) unit: may not be combined
  std::string annotation;             // the {annotation}s seen, concatenated, e.g. "FEU"
  std::array<int, kOtherDimCount> other_dims{};  // exponents of the OtherDim kinds
};

// Parses a UCUM expression. Errors name the offending position. Annotations contribute no
// magnitude ("{INR}" alone is the unity 1). Input length is bounded (a unit longer than
// 128 characters is refused) so parsing is always fast.
Result<Unit> parse(std::string_view expression);

// Same dimensions and OtherDim kinds (annotations are not compared; mass vs amount is not
// bridged here).
bool commensurable(const Unit& a, const Unit& b);

// Converts `value` in unit `from` to unit `to`. When the dimensions differ only by mass vs
// amount of substance, `molar_mass_g_per_mol` bridges them (mg/dL <-> mmol/L); without it
// such a conversion is an error. Incommensurable units are an error. Although UCUM gives
// annotations no meaning, two units that both carry annotations must carry the same ones
// (ng/mL{FEU} -> ng/mL{DDU} is refused: the quantities differ by about a factor of two);
// an annotation on one side only is accepted ({INR} -> 1).
Result<double> convert(double value, std::string_view from, std::string_view to,
                       std::optional<double> molar_mass_g_per_mol = std::nullopt);

}  // namespace khe::units
