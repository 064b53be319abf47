// Kaplan-Meier estimate with Greenwood's variance and R survfit's defaults: pointwise
// confidence band on the log scale (conf.type = "log"), median as summary(fit)$table.
#include <boost/math/distributions/normal.hpp>
#include <cfloat>
#include <cmath>
#include <stdexcept>

#include "stats/detail.h"
#include "stats/survival.h"

namespace khe::stats {
namespace {

// R survival:::survmean's minmin(): the first time the curve is below 0.5 (within
// sqrt(machine epsilon)); when it sits at 0.5 there, the midpoint of that time and the time
// it next drops. Points where the curve is undefined (nullopt: R's NA) are skipped.
std::optional<double> first_below_half(const std::vector<double>& time,
                                       const std::vector<std::optional<double>>& y) {
  const double tol = std::sqrt(DBL_EPSILON);
  for (std::size_t i = 0; i < y.size(); ++i) {
    if (!y[i] || !(*y[i] < 0.5 + tol)) continue;
    if (std::fabs(*y[i] - 0.5) < tol) {
      for (std::size_t j = i + 1; j < y.size(); ++j) {
        if (y[j] && *y[j] < *y[i]) return (time[i] + time[j]) / 2.0;
      }
    }
    return time[i];
  }
  return std::nullopt;
}

}  // namespace

// S(t) = prod (1 - d/n); Greenwood sum G = sum d / (n (n - d)); std_err = S sqrt(G) (R's
// survfit reports sqrt(G), the standard error of the cumulative hazard, instead); band
// exp(log S -/+ z sqrt(G)), the upper bound clipped to 1. Where S = 0 (everyone at risk had
// the event) R's band is NA: here std_err = 0 and ci = [0, 0], and the median bounds ignore
// that point as R does.
KaplanMeier kaplan_meier(const SurvivalTable& table, double confidence) {
  detail::check_table(table, "stats::kaplan_meier");
  if (!(confidence > 0.0 && confidence < 1.0)) {
    throw std::invalid_argument("stats::kaplan_meier: confidence must be in (0, 1)");
  }
  const double z = boost::math::quantile(boost::math::normal(), (1.0 + confidence) / 2.0);
  KaplanMeier km;
  km.n = detail::subjects(table);
  int at_risk = km.n;
  double s = 1.0, greenwood = 0.0;
  std::vector<double> times;
  std::vector<std::optional<double>> curve, lower, upper;
  for (const TimeCount& t : table) {
    if (t.events > 0) {
      KmStep step;
      step.time = t.time;
      step.at_risk = at_risk;
      step.events = t.events;
      s *= 1.0 - static_cast<double>(t.events) / at_risk;
      step.survival = s;
      times.push_back(t.time);
      curve.push_back(s);
      if (t.events < at_risk) {
        greenwood += t.events / (static_cast<double>(at_risk) * (at_risk - t.events));
        const double se_log = std::sqrt(greenwood);
        step.std_err = s * se_log;
        step.ci.low = std::exp(std::log(s) - z * se_log);
        step.ci.high = std::min(1.0, std::exp(std::log(s) + z * se_log));
        lower.push_back(step.ci.low);
        upper.push_back(step.ci.high);
      } else {
        step.survival = 0.0;
        lower.push_back(std::nullopt);
        upper.push_back(std::nullopt);
      }
      km.events += t.events;
      km.steps.push_back(step);
    }
    at_risk -= t.events + t.censored;
  }
  km.median = first_below_half(times, curve);
  km.median_low = first_below_half(times, lower);
  km.median_high = first_below_half(times, upper);
  return km;
}

}  // namespace khe::stats
