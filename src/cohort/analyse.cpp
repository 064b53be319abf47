// analyse(): the study's endpoints by group (cohort.h). Pure; the order of the outcomes does
// not matter (groups by name, not-evaluable lists by patient id).
#include <algorithm>
#include <map>
#include <tuple>

#include "cohort/cohort.h"

namespace khe::cohort {
namespace {

struct Tally {
  GroupResult result;
  int responders = 0;
  int evaluable = 0;
  std::vector<stats::Survival> times;
};

EndpointResult analyse_one(const std::vector<PatientOutcome>& outcomes, Endpoint endpoint,
                           double confidence, const std::string& reference) {
  EndpointResult out;
  out.endpoint = endpoint;
  const bool timed = is_time_to_event(endpoint);
  std::map<std::string, Tally> groups;  // sorted by name
  for (const PatientOutcome& o : outcomes) {
    if (o.group.empty()) {
      out.not_evaluable.push_back(
          {o.patient_id, "", o.no_group.empty() ? std::string("no group") : o.no_group});
      continue;
    }
    Tally& t = groups[o.group];
    ++t.result.patients;
    const EndpointValue& v = o.endpoints[static_cast<int>(endpoint)];
    const bool usable =
        v.not_evaluable.empty() && (timed ? v.time.has_value() : v.responder.has_value());
    if (!usable) {
      ++t.result.not_evaluable;
      out.not_evaluable.push_back(
          {o.patient_id, o.group,
           v.not_evaluable.empty() ? std::string("no value") : v.not_evaluable});
      continue;
    }
    ++t.evaluable;
    if (timed)
      t.times.push_back(*v.time);
    else if (*v.responder)
      ++t.responders;
  }
  for (auto& [name, t] : groups) {
    t.result.group = name;
    if (timed) {
      t.result.table = stats::tabulate(t.times);
      if (t.evaluable > 0) t.result.kaplan_meier = stats::kaplan_meier(t.result.table, confidence);
    } else if (t.evaluable > 0) {
      t.result.proportion = stats::proportion(t.responders, t.evaluable, confidence);
    }
  }
  std::vector<const Tally*> order;
  for (const auto& [name, t] : groups) order.push_back(&t);
  if (!timed) {
    // Every pair in group order (the reference group second); a pair where a group has no evaluable
    // patient has no difference to estimate and is left out.
    for (std::size_t i = 0; i < order.size(); ++i)
      for (std::size_t j = i + 1; j < order.size(); ++j) {
        const Tally* first = order[i];
        const Tally* second = order[j];
        // The reference (control) group is always the second: the difference then reads
        // "this group minus the reference", as a trial reports it.
        if (!reference.empty() && first->result.group == reference) std::swap(first, second);
        const Tally& a = *first;
        const Tally& b = *second;
        if (a.evaluable == 0 || b.evaluable == 0) continue;
        Comparison c;
        c.group1 = a.result.group;
        c.group2 = b.result.group;
        c.difference = stats::newcombe_difference(a.responders, a.evaluable, b.responders,
                                                  b.evaluable, confidence);
        c.fisher_p = stats::fisher_exact_two_sided(a.responders, a.evaluable - a.responders,
                                                   b.responders, b.evaluable - b.responders);
        out.comparisons.push_back(std::move(c));
      }
  } else if (order.size() >= 2) {
    std::vector<stats::SurvivalTable> tables;
    for (const Tally* t : order) tables.push_back(t->result.table);
    out.log_rank = stats::log_rank(tables);
  }
  for (auto& [name, t] : groups) out.groups.push_back(std::move(t.result));
  std::sort(out.not_evaluable.begin(), out.not_evaluable.end(),
            [](const NotEvaluable& a, const NotEvaluable& b) {
              return std::tie(a.patient_id, a.group, a.reason) <
                     std::tie(b.patient_id, b.group, b.reason);
            });
  return out;
}

}  // namespace

std::vector<EndpointResult> analyse(const std::vector<PatientOutcome>& outcomes,
                                    const std::vector<Endpoint>& endpoints, double confidence,
                                    const std::string& reference) {
  std::vector<EndpointResult> out;
  out.reserve(endpoints.size());
  for (Endpoint e : endpoints) out.push_back(analyse_one(outcomes, e, confidence, reference));
  return out;
}

}  // namespace khe::cohort
