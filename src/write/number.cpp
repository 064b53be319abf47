#include "write/number.h"

#include <cmath>
#include <cstdio>

namespace khe::write {

double round_to(double v, int decimals) {
  if (!std::isfinite(v)) return v;
  const double scale = std::pow(10.0, decimals);
  const double r = std::round(v * scale) / scale;
  return r == 0 ? 0.0 : r;  // no "-0" on the page
}

std::string format_number(double v, int decimals) {
  const double r = round_to(v, decimals);
  if (!std::isfinite(r)) return "?";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, r);
  std::string s = buf;
  // Trim trailing zeros (and a dangling point): the value, not the precision, is shown.
  if (s.find('.') != std::string::npos) {
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
  }
  return s;
}

}  // namespace khe::write
