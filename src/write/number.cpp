#include "write/number.h"

#include <cmath>
#include <cstdio>

namespace khe::write {

double round_to(double v, int decimals) {
  if (!std::isfinite(v)) return v;
  // Powers of ten up to 1e22 are exact doubles, as pow() returns them; a table saves the
  // call (a report rounds a few hundred numbers).
  static constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                      1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                      1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  const double scale =
      decimals >= 0 && decimals <= 22 ? kPow10[decimals] : std::pow(10.0, decimals);
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
