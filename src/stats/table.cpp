// Survival tables: tabulating subjects and summing tables (centres pooled).
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "stats/survival.h"

namespace khe::stats {

SurvivalTable tabulate(const std::vector<Survival>& subjects) {
  std::vector<Survival> sorted = subjects;
  for (const Survival& s : sorted) {
    if (!std::isfinite(s.time) || s.time < 0.0) {
      throw std::invalid_argument("stats::tabulate: times must be finite and >= 0");
    }
  }
  std::sort(sorted.begin(), sorted.end(),
            [](const Survival& x, const Survival& y) { return x.time < y.time; });
  SurvivalTable out;
  for (const Survival& s : sorted) {
    if (out.empty() || out.back().time != s.time) out.push_back(TimeCount{s.time, 0, 0});
    (s.event ? out.back().events : out.back().censored) += 1;
  }
  return out;
}

// A merge of two sorted tables; counts at equal times are summed.
SurvivalTable add(const SurvivalTable& a, const SurvivalTable& b) {
  SurvivalTable out;
  out.reserve(a.size() + b.size());
  std::size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    TimeCount next;
    if (j == b.size() || (i < a.size() && a[i].time < b[j].time)) {
      next = a[i++];
    } else if (i == a.size() || b[j].time < a[i].time) {
      next = b[j++];
    } else {
      next = a[i++];
      next.events += b[j].events;
      next.censored += b[j++].censored;
    }
    if (!out.empty() && !(out.back().time < next.time)) {
      throw std::invalid_argument("stats::add: tables must have increasing distinct times");
    }
    out.push_back(next);
  }
  return out;
}

}  // namespace khe::stats
