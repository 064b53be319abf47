// statistics() and analyse(): an endpoint's statistics by group from its tally (tally.h).
// Pure; the same code serves the analysis of patients and the combination of centres'
// aggregates, which is why the two agree exactly.
#include <algorithm>
#include <map>

#include "cohort/cohort.h"
#include "cohort/tally.h"

namespace khe::cohort {
namespace {

// Counts by reason, most frequent first (ties by reason), as the writers list them.
std::vector<std::pair<std::string, int>> by_reason(const std::vector<ReasonCount>& reasons) {
  std::map<std::string, int> counts;
  for (const ReasonCount& r : reasons) counts[r.reason] += r.count;
  std::vector<std::pair<std::string, int>> out(counts.begin(), counts.end());
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  return out;
}

}  // namespace

EndpointResult statistics(const EndpointTally& tally, double confidence,
                          const std::string& reference) {
  EndpointResult out;
  out.endpoint = tally.endpoint;
  const bool timed = is_time_to_event(tally.endpoint);
  for (const GroupTally& t : tally.groups) {
    GroupResult g;
    g.group = t.group;
    g.patients = t.patients;
    g.not_evaluable = t.not_evaluable;
    if (timed) {
      g.table = t.table;
      if (t.evaluable > 0) g.kaplan_meier = stats::kaplan_meier(g.table, confidence);
    } else if (t.evaluable > 0) {
      g.proportion = stats::proportion(t.responders, t.evaluable, confidence);
    }
    out.groups.push_back(std::move(g));
  }
  const std::vector<GroupTally>& order = tally.groups;  // by name
  if (!timed) {
    // Every pair in group order (the reference group second); a pair where a group has no
    // evaluable patient has no difference to estimate and is left out.
    for (std::size_t i = 0; i < order.size(); ++i)
      for (std::size_t j = i + 1; j < order.size(); ++j) {
        const GroupTally* first = &order[i];
        const GroupTally* second = &order[j];
        // The reference (control) group is always the second: the difference then reads
        // "this group minus the reference", as a trial reports it.
        if (!reference.empty() && first->group == reference) std::swap(first, second);
        const GroupTally& a = *first;
        const GroupTally& b = *second;
        if (a.evaluable == 0 || b.evaluable == 0) continue;
        Comparison c;
        c.group1 = a.group;
        c.group2 = b.group;
        c.difference = stats::newcombe_difference(a.responders, a.evaluable, b.responders,
                                                  b.evaluable, confidence);
        c.fisher_p = stats::fisher_exact_two_sided(a.responders, a.evaluable - a.responders,
                                                   b.responders, b.evaluable - b.responders);
        out.comparisons.push_back(std::move(c));
      }
  } else if (order.size() >= 2) {
    std::vector<stats::SurvivalTable> tables;
    for (const GroupTally& t : order) tables.push_back(t.table);
    out.log_rank = stats::log_rank(tables);
  }
  if (tally.listed) {
    out.not_evaluable = tally.not_evaluable;
  } else {
    out.not_evaluable_counts = by_reason(tally.reasons);
  }
  return out;
}

std::vector<EndpointResult> analyse(const std::vector<PatientOutcome>& outcomes,
                                    const std::vector<Endpoint>& endpoints, double confidence,
                                    const std::string& reference) {
  std::vector<EndpointResult> out;
  out.reserve(endpoints.size());
  for (const EndpointTally& t : tally(outcomes, endpoints))
    out.push_back(statistics(t, confidence, reference));
  return out;
}

}  // namespace khe::cohort
