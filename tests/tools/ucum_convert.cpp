// Reads lines "VALUE FROM TO [MOLAR_MASS]" on stdin and prints, per line, the converted value
// with %.17g (round-trip precision) or "ERROR message". Used by the ucum-lhc cross-check.
#include <cstdio>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>

#include "units/ucum.h"

namespace {

std::optional<double> to_number(const std::string& text) {
  std::istringstream in(text);
  double value = 0;
  if (!(in >> value) || !in.eof()) return std::nullopt;
  return value;
}

std::string convert_line(const std::string& line) {
  std::istringstream fields(line);
  std::string value_text, from, to, molar_text, extra;
  if (!(fields >> value_text >> from >> to)) return "ERROR expected VALUE FROM TO [MOLAR_MASS]";
  const bool has_molar = static_cast<bool>(fields >> molar_text);
  if (fields >> extra) return "ERROR too many fields";
  const std::optional<double> value = to_number(value_text);
  if (!value) return "ERROR value is not a number: " + value_text;
  std::optional<double> molar_mass;
  if (has_molar) {
    molar_mass = to_number(molar_text);
    if (!molar_mass) return "ERROR molar mass is not a number: " + molar_text;
  }
  const khe::Result<double> result = khe::units::convert(*value, from, to, molar_mass);
  if (!result) return "ERROR " + result.error().to_string();
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.17g", *result);
  return buffer;
}

}  // namespace

int main() {
  std::string line;
  // Exactly one output line per input line (blank ones too), so callers can pair them up.
  while (std::getline(std::cin, line)) {
    std::cout << convert_line(line) << '\n';
  }
  return 0;
}
