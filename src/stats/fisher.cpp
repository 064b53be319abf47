// Fisher's exact test, two-sided, as R's fisher.test computes it for a 2x2 table.
#include <algorithm>
#include <boost/math/special_functions/gamma.hpp>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "stats/proportion.h"

namespace khe::stats {
namespace {

// log-gamma in double precision (Boost's is thread-safe, unlike the C library's, which sets
// signgam; without promotion to long double it is several times faster).
double lgam(double x) {
  return boost::math::lgamma(
      x, boost::math::policies::make_policy(boost::math::policies::promote_double<false>()));
}

}  // namespace

// With m = a + c, n = b + d, k = a + b the tables with the same margins are x = a in
// [max(0, k - n), min(k, m)], hypergeometric. R normalises the probabilities by their largest
// in log space and sums those <= the observed one times (1 + 1e-7).
double fisher_exact_two_sided(int a, int b, int c, int d) {
  if (a < 0 || b < 0 || c < 0 || d < 0) {
    throw std::invalid_argument("stats::fisher_exact_two_sided: counts must be >= 0");
  }
  const int m = a + c, n = b + d, k = a + b;
  const int lo = std::max(0, k - n), hi = std::min(k, m);
  std::vector<double> logp;
  logp.reserve(static_cast<std::size_t>(hi - lo + 1));
  // log C(m, x) + log C(n, k - x) less the terms that do not depend on x (they cancel).
  for (int x = lo; x <= hi; ++x) {
    logp.push_back(-lgam(x + 1.0) - lgam(m - x + 1.0) - lgam(k - x + 1.0) - lgam(n - k + x + 1.0));
  }
  const double top = *std::max_element(logp.begin(), logp.end());
  double total = 0.0;
  for (double& v : logp) {
    v = std::exp(v - top);
    total += v;
  }
  const double observed = logp[static_cast<std::size_t>(a - lo)] * (1.0 + 1e-7);
  double tail = 0.0;
  for (double v : logp) {
    if (v <= observed) tail += v;
  }
  return std::clamp(tail / total, 0.0, 1.0);
}

}  // namespace khe::stats
