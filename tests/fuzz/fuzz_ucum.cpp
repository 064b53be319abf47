// libFuzzer target for the UCUM layer. The input is split at its first newline into two unit
// expressions FROM and TO (no newline: both are the whole input). Checks that parsing and
// conversion never crash or hang and that every success is finite.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string_view>

#include "units/ucum.h"

namespace {

void check(bool condition) {
  if (!condition) std::abort();
}

void check_unit(std::string_view text) {
  const khe::Result<khe::units::Unit> unit = khe::units::parse(text);
  if (unit) {
    check(std::isfinite(unit->factor) && unit->factor > 0 && std::isfinite(unit->offset));
    check(text.size() <= 128);
  } else {
    check(!unit.error().message.empty());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = input.find('\n');
  const std::string_view from = input.substr(0, newline);
  const std::string_view to = newline == std::string_view::npos ? input : input.substr(newline + 1);
  check_unit(input);
  check_unit(from);
  check_unit(to);
  for (double value : {0.0, 1.5, -40.0, 1e300}) {
    for (auto molar_mass : {std::optional<double>{}, std::optional<double>{180.156}}) {
      const khe::Result<double> result = khe::units::convert(value, from, to, molar_mass);
      if (result) check(std::isfinite(*result));
    }
  }
  return 0;
}
