// UCUM prefix and atom tables (values from the UCUM specification, case-sensitive symbols).
// Canonical base units are UCUM's m, s, g, rad, K, C, cd plus mol (kept as its own base so
// mass and amount of substance never mix without a molar mass). Magnitudes are written as
// integer num/den and a power of ten so every definition below is exact.
#include "units/ucum_atoms.h"

#include <cmath>

namespace khe::units::detail {

Magnitude operator*(const Magnitude& a, const Magnitude& b) {
  return {a.num * b.num, a.den * b.den, a.pow10 + b.pow10};
}

Magnitude inverse(const Magnitude& m) { return {m.den, m.num, -m.pow10}; }

Magnitude power(const Magnitude& m, int n) {
  const Magnitude base = n < 0 ? inverse(m) : m;
  Magnitude out;
  for (int i = 0; i < (n < 0 ? -n : n); ++i) out = out * base;
  return out;
}

double scale10(double x, int n) {
  // 10^k for k <= 22 is exactly representable in a double, so one multiply or divide by it
  // rounds once: the result is the correctly rounded x * 10^n.
  static constexpr std::array<double, 23> kExact = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                                    1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                                    1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  if (n >= 0 && n <= 22) return x * kExact[n];
  if (n < 0 && n >= -22) return x / kExact[-n];
  // 10^23 and 10^24 (the largest prefixes) are not exact; multiplying by the correctly
  // rounded literal keeps 10*24 equal to 1e24 (std::pow(10.0, 23) differs from 1e23).
  if (n == 23 || n == 24) return x * (n == 23 ? 1e23 : 1e24);
  if (n == -23 || n == -24) return x * (n == -23 ? 1e-23 : 1e-24);
  if (x == 0 || !std::isfinite(x)) return x;
  // Rare beyond: products of prefixes and exponents (Ym3). A few ulps do not matter there.
  // Split the scaling in two if 10^n alone over/underflows but x may bring it back.
  const double whole = std::pow(10.0, n);
  if (std::isfinite(whole) && whole != 0) return x * whole;
  return x * std::pow(10.0, n / 2) * std::pow(10.0, n - n / 2);
}

double to_double(const Magnitude& m) { return scale10(m.num / m.den, m.pow10); }

namespace {

// Dimension exponents in the order of enum Dim: m, s, g, rad, K, C, cd, mol.
constexpr Dims D(int m, int s, int g, int rad = 0, int k = 0, int c = 0, int cd = 0, int mol = 0) {
  return {m, s, g, rad, k, c, cd, mol};
}
constexpr Dims kNone = D(0, 0, 0);
constexpr OtherDims kIU = {1, 0, 0};
constexpr OtherDims kEq = {0, 1, 0};
constexpr OtherDims kOsm = {0, 0, 1};

// Pa = N/m2 = 1000 g.m-1.s-2 (UCUM's base is the gram, so the kilogram brings 10^3).
constexpr Dims kPressure = D(-1, -2, 1);

// clang-format off
constexpr Atom kAtoms[] = {
    // Base units.
    {"m",   true, {1, 1, 0}, D(1, 0, 0)},
    {"s",   true, {1, 1, 0}, D(0, 1, 0)},
    {"g",   true, {1, 1, 0}, D(0, 0, 1)},
    {"rad", true, {1, 1, 0}, D(0, 0, 0, 1)},
    {"K",   true, {1, 1, 0}, D(0, 0, 0, 0, 1)},
    {"C",   true, {1, 1, 0}, D(0, 0, 0, 0, 0, 1)},
    {"cd",  true, {1, 1, 0}, D(0, 0, 0, 0, 0, 0, 1)},
    {"mol", true, {1, 1, 0}, D(0, 0, 0, 0, 0, 0, 0, 1)},
    // Dimensionless numbers. "10*" and "10^" take their power as an exponent: 10*3.
    {"10*",    false, {1, 1, 1},  kNone},
    {"10^",    false, {1, 1, 1},  kNone},
    {"%",      false, {1, 1, -2}, kNone},
    {"[ppth]", false, {1, 1, -3}, kNone},
    {"[ppm]",  false, {1, 1, -6}, kNone},
    {"[ppb]",  false, {1, 1, -9}, kNone},
    {"[pptr]", false, {1, 1, -12}, kNone},
    // SI derived units.
    {"sr",  true, {1, 1, 0}, D(0, 0, 0, 2)},
    {"Hz",  true, {1, 1, 0}, D(0, -1, 0)},
    {"N",   true, {1, 1, 3}, D(1, -2, 1)},
    {"Pa",  true, {1, 1, 3}, kPressure},
    {"J",   true, {1, 1, 3}, D(2, -2, 1)},
    {"W",   true, {1, 1, 3}, D(2, -3, 1)},
    {"A",   true, {1, 1, 0}, D(0, -1, 0, 0, 0, 1)},
    {"V",   true, {1, 1, 3}, D(2, -2, 1, 0, 0, -1)},
    {"F",   true, {1, 1, -3}, D(-2, 2, -1, 0, 0, 2)},
    {"Ohm", true, {1, 1, 3}, D(2, -1, 1, 0, 0, -2)},
    {"S",   true, {1, 1, -3}, D(-2, 1, -1, 0, 0, 2)},
    {"Wb",  true, {1, 1, 3}, D(2, -1, 1, 0, 0, -1)},
    {"T",   true, {1, 1, 3}, D(0, -1, 1, 0, 0, -1)},
    {"H",   true, {1, 1, 3}, D(2, 0, 1, 0, 0, -2)},
    {"lm",  true, {1, 1, 0}, D(0, 0, 0, 2, 0, 0, 1)},
    {"lx",  true, {1, 1, 0}, D(-2, 0, 0, 2, 0, 0, 1)},
    {"Bq",  true, {1, 1, 0}, D(0, -1, 0)},
    {"Gy",  true, {1, 1, 0}, D(2, -2, 0)},
    {"Sv",  true, {1, 1, 0}, D(2, -2, 0)},
    {"Cel", true, {1, 1, 0}, D(0, 0, 0, 0, 1), {}, Special{273.15}},
    // Volume, area, mass, pressure, energy.
    {"l",      true,  {1, 1, -3}, D(3, 0, 0)},
    {"L",      true,  {1, 1, -3}, D(3, 0, 0)},
    {"ar",     true,  {1, 1, 2}, D(2, 0, 0)},
    {"t",      true,  {1, 1, 6}, D(0, 0, 1)},
    {"u",      true,  {16605402, 1, -31}, D(0, 0, 1)},
    {"bar",    true,  {1, 1, 8}, kPressure},
    {"m[Hg]",  true,  {133322, 1, 3}, kPressure},   // 133.3220 kPa
    {"m[H2O]", true,  {980665, 1, 1}, kPressure},   // 9.80665 kPa
    {"cal",    true,  {4184, 1, 0}, D(2, -2, 1)},   // 4.184 J
    {"[Cal]",  false, {4184, 1, 3}, D(2, -2, 1)},   // nutrition label Calorie = kcal
    // Amount of substance and catalytic activity. U = umol/min.
    {"kat", true, {1, 1, 0}, D(0, -1, 0, 0, 0, 0, 0, 1)},
    {"U",   true, {1, 60, -6}, D(0, -1, 0, 0, 0, 0, 0, 1)},
    {"eq",  true, {1, 1, 0}, kNone, kEq},
    {"osm", true, {1, 1, 0}, kNone, kOsm},
    {"[iU]", true, {1, 1, 0}, kNone, kIU},
    {"[IU]", true, {1, 1, 0}, kNone, kIU},
    // Time. a = a_j = 365.25 d; mo = mo_j = a_j / 12 = 30.4375 d.
    {"min",  false, {60, 1, 0}, D(0, 1, 0)},
    {"h",    false, {3600, 1, 0}, D(0, 1, 0)},
    {"d",    false, {86400, 1, 0}, D(0, 1, 0)},
    {"wk",   false, {604800, 1, 0}, D(0, 1, 0)},
    {"a_j",  false, {31557600, 1, 0}, D(0, 1, 0)},
    {"a",    false, {31557600, 1, 0}, D(0, 1, 0)},
    {"a_g",  false, {31556952, 1, 0}, D(0, 1, 0)},              // 365.2425 d
    {"a_t",  false, {31556925216, 1, -3}, D(0, 1, 0)},          // 365.24219 d
    {"mo_j", false, {2629800, 1, 0}, D(0, 1, 0)},
    {"mo",   false, {2629800, 1, 0}, D(0, 1, 0)},
    {"mo_g", false, {2629746, 1, 0}, D(0, 1, 0)},
    {"mo_s", false, {2551442976, 1, -3}, D(0, 1, 0)},           // 29.53059 d
    // Customary units: international inch (2.54 cm) and avoirdupois pound (453.59237 g).
    {"[in_i]",  false, {254, 1, -4}, D(1, 0, 0)},
    {"[ft_i]",  false, {3048, 1, -4}, D(1, 0, 0)},
    {"[yd_i]",  false, {9144, 1, -4}, D(1, 0, 0)},
    {"[mi_i]",  false, {1609344, 1, -3}, D(1, 0, 0)},
    {"[lb_av]", false, {45359237, 1, -5}, D(0, 0, 1)},
    {"[oz_av]", false, {28349523125, 1, -9}, D(0, 0, 1)},
    // [degF]: K = ([degF] + 459.67) * 5/9.
    {"[degF]", false, {5, 9, 0}, D(0, 0, 0, 0, 1), {}, Special{459.67}},
};
// clang-format on

constexpr std::array<Prefix, 20> kPrefixes = {{
    {"da", 1}, {"Y", 24},  {"Z", 21},  {"E", 18},  {"P", 15},  {"T", 12},  {"G", 9},
    {"M", 6},  {"k", 3},   {"h", 2},   {"d", -1},  {"c", -2},  {"m", -3},  {"u", -6},
    {"n", -9}, {"p", -12}, {"f", -15}, {"a", -18}, {"z", -21}, {"y", -24},
}};

}  // namespace

const Atom* find_atom(std::string_view symbol) {
  for (const Atom& atom : kAtoms) {
    if (atom.symbol == symbol) return &atom;
  }
  return nullptr;
}

const std::array<Prefix, 20>& prefixes() { return kPrefixes; }

}  // namespace khe::units::detail
