// Wilson score interval and Newcombe's hybrid score interval for a difference.
#include "stats/proportion.h"

#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <stdexcept>

namespace khe::stats {
namespace {

void check(int events, int n, double confidence) {
  if (n <= 0 || events < 0 || events > n) {
    throw std::invalid_argument("stats::proportion: need 0 <= events <= n and n > 0");
  }
  if (!(confidence > 0.0 && confidence < 1.0)) {
    throw std::invalid_argument("stats::proportion: confidence must be in (0, 1)");
  }
}

}  // namespace

// R's prop.test(x, n, correct = FALSE): the bounds are 0 and 1 exactly when x = 0 and x = n.
Proportion proportion(int events, int n, double confidence) {
  check(events, n, confidence);
  const double z = boost::math::quantile(boost::math::normal(), (1.0 + confidence) / 2.0);
  const double nn = n;
  const double p = events / nn;
  const double z22n = z * z / (2.0 * nn);
  const double half = z * std::sqrt(p * (1.0 - p) / nn + z22n / (2.0 * nn));
  const double denominator = 1.0 + 2.0 * z22n;
  Proportion out;
  out.n = n;
  out.events = events;
  out.estimate = p;
  out.ci.low = events == 0 ? 0.0 : (p + z22n - half) / denominator;
  out.ci.high = events == n ? 1.0 : (p + z22n + half) / denominator;
  return out;
}

// Newcombe (1998), method 10: the two Wilson intervals combined by the square-and-add rule.
Difference newcombe_difference(int events1, int n1, int events2, int n2, double confidence) {
  const Proportion a = proportion(events1, n1, confidence);
  const Proportion b = proportion(events2, n2, confidence);
  const double p1 = a.estimate, p2 = b.estimate;
  Difference out;
  out.difference = p1 - p2;
  out.ci.low = out.difference - std::hypot(p1 - a.ci.low, b.ci.high - p2);
  out.ci.high = out.difference + std::hypot(a.ci.high - p1, p2 - b.ci.low);
  return out;
}

}  // namespace khe::stats
