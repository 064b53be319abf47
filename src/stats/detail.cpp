#include "stats/detail.h"

#include <cmath>
#include <stdexcept>

namespace khe::stats::detail {

void check_table(const SurvivalTable& table, const std::string& who) {
  for (std::size_t i = 0; i < table.size(); ++i) {
    const TimeCount& t = table[i];
    if (!std::isfinite(t.time) || t.time < 0.0 || t.events < 0 || t.censored < 0 ||
        (i > 0 && !(table[i - 1].time < t.time))) {
      throw std::invalid_argument(who +
                                  ": table needs increasing distinct times >= 0, counts >= 0");
    }
  }
}

int subjects(const SurvivalTable& table) {
  int n = 0;
  for (const TimeCount& t : table) n += t.events + t.censored;
  return n;
}

}  // namespace khe::stats::detail
