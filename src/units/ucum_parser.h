// The UCUM expression parser. Internal to src/units/.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "units/ucum_atoms.h"

namespace khe::units::detail {

// Refused beyond these: longer input, deeper parentheses, larger exponents.
inline constexpr std::size_t kMaxLength = 128;
inline constexpr int kMaxNesting = 16;
inline constexpr int kMaxPowerOfTenExponent = 24;  // 10*n, 10^n
inline constexpr int kMaxTermExponent = 12;        // m2, s-1, ...

// A parsed expression with its exact magnitude (Unit::factor is only its rounded value).
struct Parsed {
  Magnitude magnitude;
  Dims dims{};
  OtherDims other_dims{};
  std::optional<Special> special;  // set only for a lone special unit such as Cel
  std::string annotation;
};

Result<Parsed> parse_expression(std::string_view expression);

}  // namespace khe::units::detail
