// UCUM building blocks: exact magnitudes, the prefix table and the atom table.
// Internal to src/units/.
#pragma once

#include <array>
#include <optional>
#include <string_view>

#include "units/ucum.h"

namespace khe::units::detail {

// A magnitude num / den * 10^pow10. num and den hold integers (exact in a double while below
// 2^53), so products of UCUM's decimal definitions stay exact: 10*3/uL and 10*9/L both come
// out as exactly 1 * 10^12. Rounding happens only when a magnitude becomes one double.
struct Magnitude {
  double num = 1;
  double den = 1;
  int pow10 = 0;
};

Magnitude operator*(const Magnitude& a, const Magnitude& b);
Magnitude inverse(const Magnitude& m);
// Precondition: |n| is small (the parser caps exponents at 24).
Magnitude power(const Magnitude& m, int n);

// x * 10^n. For |n| <= 22 it uses exactly representable powers of ten, so it rounds once.
// Over/underflows to inf / 0 (never loops) when the result is out of range.
double scale10(double x, int n);
double to_double(const Magnitude& m);

using Dims = std::array<int, kDimCount>;
using OtherDims = std::array<int, kOtherDimCount>;

// Special (non-ratio) units: canonical kelvin = (value + pre_offset) * magnitude.
struct Special {
  double pre_offset;
};

struct Atom {
  std::string_view symbol;
  bool metric;  // may take a prefix
  Magnitude magnitude;
  Dims dims;
  OtherDims other_dims{};
  std::optional<Special> special{};
};

// Exact atom lookup by the whole symbol (case-sensitive). nullptr when unknown.
const Atom* find_atom(std::string_view symbol);

struct Prefix {
  std::string_view symbol;
  int pow10;
};

// The UCUM prefixes, two-letter "da" first so "dam" reads as deka-metre.
const std::array<Prefix, 20>& prefixes();

}  // namespace khe::units::detail
