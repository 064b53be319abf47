// tally() and add(): patients' outcomes to per-group counts and survival tables, and the sum
// of two centres' tallies (tally.h).
#include "cohort/tally.h"

#include <algorithm>
#include <climits>
#include <map>
#include <tuple>

namespace khe::cohort {
namespace {

// a + b into `sum`, or false when it would not fit an int.
bool checked_add(int a, int b, int* sum) { return !__builtin_add_overflow(a, b, sum); }

Error overflow() { return Error{"", "a count is too large to add (more than 2^31 - 1)"}; }

// Distinct (group, reason) pairs of `list` with their counts, in (group, reason) order.
std::vector<ReasonCount> count_reasons(const std::vector<NotEvaluable>& list) {
  std::map<std::pair<std::string, std::string>, int> counts;
  for (const NotEvaluable& n : list) ++counts[{n.group, n.reason}];
  std::vector<ReasonCount> out;
  for (const auto& [key, count] : counts) out.push_back({key.first, key.second, count});
  return out;
}

EndpointTally tally_one(const std::vector<PatientOutcome>& outcomes, Endpoint endpoint) {
  EndpointTally out;
  out.endpoint = endpoint;
  const bool timed = is_time_to_event(endpoint);
  std::map<std::string, GroupTally> groups;  // sorted by name
  std::map<std::string, std::vector<stats::Survival>> times;
  for (const PatientOutcome& o : outcomes) {
    if (o.group.empty()) {
      out.not_evaluable.push_back(
          {o.patient_id, "", o.no_group.empty() ? std::string("no group") : o.no_group});
      continue;
    }
    GroupTally& t = groups[o.group];
    ++t.patients;
    const EndpointValue& v = o.endpoints[static_cast<int>(endpoint)];
    const bool usable =
        v.not_evaluable.empty() && (timed ? v.time.has_value() : v.responder.has_value());
    if (!usable) {
      ++t.not_evaluable;
      out.not_evaluable.push_back(
          {o.patient_id, o.group,
           v.not_evaluable.empty() ? std::string("no value") : v.not_evaluable});
      continue;
    }
    ++t.evaluable;
    if (timed)
      times[o.group].push_back(*v.time);
    else if (*v.responder)
      ++t.responders;
  }
  for (auto& [name, t] : groups) {
    t.group = name;
    if (timed) t.table = stats::tabulate(times[name]);
    out.groups.push_back(std::move(t));
  }
  std::sort(out.not_evaluable.begin(), out.not_evaluable.end(),
            [](const NotEvaluable& a, const NotEvaluable& b) {
              return std::tie(a.patient_id, a.group, a.reason) <
                     std::tie(b.patient_id, b.group, b.reason);
            });
  out.reasons = count_reasons(out.not_evaluable);
  return out;
}

}  // namespace

std::vector<EndpointTally> tally(const std::vector<PatientOutcome>& outcomes,
                                 const std::vector<Endpoint>& endpoints) {
  std::vector<EndpointTally> out;
  out.reserve(endpoints.size());
  for (Endpoint e : endpoints) out.push_back(tally_one(outcomes, e));
  return out;
}

Result<EndpointTally> add(const EndpointTally& a, const EndpointTally& b) {
  if (a.endpoint != b.endpoint) return Error{"", "cannot add tallies of different endpoints"};
  EndpointTally out;
  out.endpoint = a.endpoint;
  std::map<std::string, GroupTally> groups;
  for (const EndpointTally* side : {&a, &b}) {
    for (const GroupTally& g : side->groups) {
      auto [it, fresh] = groups.try_emplace(g.group, g);
      if (fresh) continue;
      GroupTally& s = it->second;
      if (!checked_add(s.patients, g.patients, &s.patients) ||
          !checked_add(s.not_evaluable, g.not_evaluable, &s.not_evaluable) ||
          !checked_add(s.evaluable, g.evaluable, &s.evaluable) ||
          !checked_add(s.responders, g.responders, &s.responders))
        return overflow();
      // Per time the counts are at most the group's, which just fitted: no overflow here.
      s.table = stats::add(s.table, g.table);
    }
  }
  for (auto& [name, g] : groups) out.groups.push_back(std::move(g));
  std::map<std::pair<std::string, std::string>, int> reasons;
  for (const EndpointTally* side : {&a, &b}) {
    for (const ReasonCount& r : side->reasons) {
      int& c = reasons[{r.group, r.reason}];
      if (!checked_add(c, r.count, &c)) return overflow();
    }
  }
  for (const auto& [key, count] : reasons) out.reasons.push_back({key.first, key.second, count});
  out.listed = a.listed && b.listed;
  if (out.listed) {
    out.not_evaluable = a.not_evaluable;
    out.not_evaluable.insert(out.not_evaluable.end(), b.not_evaluable.begin(),
                             b.not_evaluable.end());
    std::sort(out.not_evaluable.begin(), out.not_evaluable.end(),
              [](const NotEvaluable& x, const NotEvaluable& y) {
                return std::tie(x.patient_id, x.group, x.reason) <
                       std::tie(y.patient_id, y.group, y.reason);
              });
  }
  return out;
}

}  // namespace khe::cohort
