// Strong quantity types. A dose or a body size never crosses a module boundary as a bare
// double: the type names the unit, so mg cannot be passed where mL is meant.
#pragma once

#include <compare>

namespace khe {

template <typename UnitTag>
struct Quantity {
  double value = 0;

  constexpr Quantity() = default;
  constexpr explicit Quantity(double v) : value(v) {}
  constexpr auto operator<=>(const Quantity&) const = default;
  constexpr Quantity operator*(double k) const { return Quantity(value * k); }
  constexpr Quantity operator/(double k) const { return Quantity(value / k); }
  constexpr double operator/(Quantity o) const { return value / o.value; }
  constexpr Quantity operator+(Quantity o) const { return Quantity(value + o.value); }
  constexpr Quantity operator-(Quantity o) const { return Quantity(value - o.value); }
};

struct MilligramTag {};
struct MillilitreTag {};
struct KilogramTag {};
struct CentimetreTag {};
struct SquareMetreTag {};
struct MgPerMlTag {};

using Milligrams = Quantity<MilligramTag>;
using Millilitres = Quantity<MillilitreTag>;
using Kilograms = Quantity<KilogramTag>;
using Centimetres = Quantity<CentimetreTag>;
using SquareMetres = Quantity<SquareMetreTag>;
using MgPerMl = Quantity<MgPerMlTag>;  // concentration of an oral liquid

}  // namespace khe
