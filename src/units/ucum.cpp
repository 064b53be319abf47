// Public UCUM API: parse, commensurable, convert.
#include "units/ucum.h"

#include <cmath>
#include <string>

#include "units/ucum_parser.h"

namespace khe::units {
namespace {

using detail::Parsed;

Unit to_unit(const Parsed& p) {
  Unit unit;
  unit.factor = detail::to_double(p.magnitude);
  unit.dims = p.dims;
  unit.other_dims = p.other_dims;
  unit.annotation = p.annotation;
  if (p.special) {
    unit.special = true;
    unit.offset = p.special->pre_offset * unit.factor;
  }
  return unit;
}

Error conversion_error(std::string_view from, std::string_view to, const std::string& why) {
  // Both units parsed successfully, so they are printable ASCII of bounded length.
  return Error{
      "", "cannot convert \"" + std::string(from) + "\" to \"" + std::string(to) + "\": " + why};
}

// value * a / b for ratio units, rounding as little as possible: the integer parts are
// multiplied exactly and the power of ten is applied last (one exact-power scaling).
double ratio_convert(double value, const detail::Magnitude& a, const detail::Magnitude& b) {
  return detail::scale10(value * ((a.num * b.den) / (a.den * b.num)), a.pow10 - b.pow10);
}

// Special units: canonical = (value + pre_offset) * factor.
double special_convert(double value, const Parsed& a, const Parsed& b) {
  const double fa = detail::to_double(a.magnitude);
  const double fb = detail::to_double(b.magnitude);
  const double canonical = a.special ? (value + a.special->pre_offset) * fa : value * fa;
  return b.special ? canonical / fb - b.special->pre_offset : canonical / fb;
}

}  // namespace

Result<Unit> parse(std::string_view expression) {
  Result<Parsed> parsed = detail::parse_expression(expression);
  if (!parsed) return parsed.error();
  return to_unit(*parsed);
}

bool commensurable(const Unit& a, const Unit& b) {
  return a.dims == b.dims && a.other_dims == b.other_dims;
}

Result<double> convert(double value, std::string_view from, std::string_view to,
                       std::optional<double> molar_mass_g_per_mol) {
  if (!std::isfinite(value)) return Error{"", "value to convert is not a finite number"};
  Result<Parsed> a = detail::parse_expression(from);
  if (!a) return a.error();
  Result<Parsed> b = detail::parse_expression(to);
  if (!b) return b.error();
  if (!a->annotation.empty() && !b->annotation.empty() && a->annotation != b->annotation) {
    return conversion_error(from, to,
                            "annotations {" + a->annotation + "} and {" + b->annotation +
                                "} name different quantities");
  }
  if (a->other_dims != b->other_dims) {
    return conversion_error(from, to, "not commensurable ([iU], eq and osm stand apart)");
  }
  double result = 0;
  if (a->dims == b->dims) {
    if (a->special || b->special) {
      result = special_convert(value, *a, *b);
    } else {
      result = ratio_convert(value, a->magnitude, b->magnitude);
    }
  } else {
    // Mass <-> amount of substance: mass exponent +k, amount exponent -k, all else equal.
    detail::Dims diff{};
    for (int i = 0; i < kDimCount; ++i) diff[i] = a->dims[i] - b->dims[i];
    const int k = diff[kMass];
    bool bridgeable = k != 0 && diff[kAmount] == -k;
    for (int i = 0; i < kDimCount; ++i) {
      if (i != kMass && i != kAmount && diff[i] != 0) bridgeable = false;
    }
    if (!bridgeable) return conversion_error(from, to, "not commensurable");
    if (!molar_mass_g_per_mol) {
      return conversion_error(from, to, "mass and amount of substance need a molar mass");
    }
    const double molar_mass = *molar_mass_g_per_mol;
    if (!std::isfinite(molar_mass) || molar_mass <= 0) {
      return conversion_error(from, to, "molar mass must be a positive finite number");
    }
    // Dividing (not multiplying by 1/M) keeps the common k = +-1 case to one rounding.
    result = ratio_convert(value, a->magnitude, b->magnitude);
    result = k > 0 ? result / std::pow(molar_mass, k) : result * std::pow(molar_mass, -k);
  }
  if (!std::isfinite(result)) return conversion_error(from, to, "result out of range");
  return result;
}

}  // namespace khe::units
