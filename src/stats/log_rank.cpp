// The log-rank test of k groups, as R's survdiff(Surv(time, event) ~ group) (rho = 0).
#include <algorithm>
#include <boost/math/distributions/chi_squared.hpp>
#include <cmath>
#include <stdexcept>

#include "stats/detail.h"
#include "stats/survival.h"

namespace khe::stats {
namespace {

using Matrix = std::vector<std::vector<double>>;

// x' A^-1 x by Gaussian elimination with partial pivoting; nullopt when A is (numerically)
// singular, where R's solve() stops with an error.
std::optional<double> quadratic_form_inverse(Matrix a, std::vector<double> x) {
  const std::size_t n = x.size();
  const std::vector<double> original = x;
  double scale = 0.0;
  for (const auto& row : a) {
    for (double v : row) scale = std::max(scale, std::fabs(v));
  }
  for (std::size_t col = 0; col < n; ++col) {
    std::size_t pivot = col;
    for (std::size_t r = col + 1; r < n; ++r) {
      if (std::fabs(a[r][col]) > std::fabs(a[pivot][col])) pivot = r;
    }
    if (!(std::fabs(a[pivot][col]) > 1e-12 * scale)) return std::nullopt;
    std::swap(a[pivot], a[col]);
    std::swap(x[pivot], x[col]);
    for (std::size_t r = col + 1; r < n; ++r) {
      const double f = a[r][col] / a[col][col];
      for (std::size_t c = col; c < n; ++c) a[r][c] -= f * a[col][c];
      x[r] -= f * x[col];
    }
  }
  std::vector<double> solution(n);
  for (std::size_t r = n; r-- > 0;) {
    double v = x[r];
    for (std::size_t c = r + 1; c < n; ++c) v -= a[r][c] * solution[c];
    solution[r] = v / a[r][r];
  }
  double q = 0.0;
  for (std::size_t i = 0; i < n; ++i) q += solution[i] * original[i];
  return q;
}

}  // namespace

// At each distinct time with D events among N at risk (n_i in group i): E_i += D n_i / N and
// V_ij += D (N - D) / (N - 1) (n_i / N) (delta_ij - n_j / N). As in R, only the groups with
// expected > 0 enter: chi-square = (O - E)' V^-1 (O - E) over those less the first, and
// df = their number - 1. With df < 1 (fewer than two such groups), or a singular V (every
// event time with no survivor, where R's solve() fails), chi_square = 0 and p = 1.
LogRank log_rank(const std::vector<SurvivalTable>& groups) {
  if (groups.size() < 2) throw std::invalid_argument("stats::log_rank: need two groups or more");
  const std::size_t k = groups.size();
  std::vector<int> at_risk(k);
  std::vector<std::size_t> next(k, 0);
  for (std::size_t g = 0; g < k; ++g) {
    detail::check_table(groups[g], "stats::log_rank");
    at_risk[g] = detail::subjects(groups[g]);
  }
  LogRank out;
  out.observed.assign(k, 0);
  out.expected.assign(k, 0.0);
  Matrix var(k, std::vector<double>(k, 0.0));
  while (true) {
    bool any = false;
    double t = 0.0;
    for (std::size_t g = 0; g < k; ++g) {
      if (next[g] < groups[g].size() && (!any || groups[g][next[g]].time < t)) {
        t = groups[g][next[g]].time;
        any = true;
      }
    }
    if (!any) break;
    std::vector<int> events(k, 0), leaving(k, 0);
    for (std::size_t g = 0; g < k; ++g) {
      if (next[g] < groups[g].size() && groups[g][next[g]].time == t) {
        events[g] = groups[g][next[g]].events;
        leaving[g] = events[g] + groups[g][next[g]].censored;
        ++next[g];
      }
    }
    double n = 0.0, d = 0.0;
    for (std::size_t g = 0; g < k; ++g) {
      n += at_risk[g];
      d += events[g];
    }
    if (d > 0) {
      for (std::size_t i = 0; i < k; ++i) {
        out.observed[i] += events[i];
        out.expected[i] += d * at_risk[i] / n;
        if (n > 1) {
          const double w = d * (n - d) / (n - 1);
          for (std::size_t j = 0; j < k; ++j) {
            var[i][j] += w * (at_risk[i] / n) * ((i == j ? 1.0 : 0.0) - at_risk[j] / n);
          }
        }
      }
    }
    for (std::size_t g = 0; g < k; ++g) at_risk[g] -= leaving[g];
  }
  std::vector<std::size_t> used;
  for (std::size_t g = 0; g < k; ++g) {
    if (out.expected[g] > 0) used.push_back(g);
  }
  if (used.size() < 2) return out;
  const std::size_t m = used.size() - 1;
  Matrix v(m, std::vector<double>(m));
  std::vector<double> diff(m);
  for (std::size_t i = 0; i < m; ++i) {
    diff[i] = out.observed[used[i + 1]] - out.expected[used[i + 1]];
    for (std::size_t j = 0; j < m; ++j) v[i][j] = var[used[i + 1]][used[j + 1]];
  }
  const std::optional<double> chi = quadratic_form_inverse(v, diff);
  out.df = static_cast<int>(m);
  if (!chi) return out;
  out.chi_square = std::max(0.0, *chi);
  out.p =
      boost::math::cdf(boost::math::complement(boost::math::chi_squared(out.df), out.chi_square));
  return out;
}

}  // namespace khe::stats
