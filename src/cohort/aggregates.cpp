// make_aggregates() and is_small_cell(): what of a centre's tallies may leave the centre.
#include "cohort/aggregates.h"

#include <map>
#include <utility>

namespace khe::cohort {

Aggregates make_aggregates(const Provenance& provenance, const InputSummary& input, Grouping by,
                           double confidence, int small_cell, std::vector<EndpointTally> tallies) {
  Aggregates out;
  out.provenance = provenance;
  out.input = input;
  out.by = by;
  out.confidence = confidence;
  out.small_cell = small_cell;
  for (EndpointTally& t : tallies) {
    t.not_evaluable.clear();
    t.listed = false;
    // Sanitising may make two reasons one: count them again, in (group, reason) order.
    std::map<std::pair<std::string, std::string>, int> counts;
    for (const ReasonCount& r : t.reasons) {
      const bool unreadable = r.reason.starts_with("record unreadable");
      counts[{r.group, unreadable ? std::string("record unreadable") : r.reason}] += r.count;
    }
    std::vector<ReasonCount> reasons;
    for (const auto& [key, count] : counts) reasons.push_back({key.first, key.second, count});
    t.reasons = std::move(reasons);
    out.endpoints.push_back(std::move(t));
  }
  return out;
}

bool is_small_cell(const GroupTally& g, bool time_to_event, int threshold) {
  auto small = [threshold](int n) { return n >= 1 && n <= threshold; };
  int events = g.responders;
  if (time_to_event) {
    events = 0;
    for (const auto& t : g.table) events += t.events;
  }
  return small(g.evaluable) || small(events) || small(g.evaluable - events);
}

}  // namespace khe::cohort
