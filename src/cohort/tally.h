// Per-group tallies of one endpoint: everything the statistics of analyse() read, and
// nothing more (counts, and for time to event the table of distinct times with their
// events and censorings). Tallies of disjoint sets of patients add up to the tally of their
// union, so centres can pool them (issue 7, federated analysis): statistics() of the summed
// tallies is exactly the analysis of the pooled patients, since both run the same code on
// the same numbers.
#pragma once

#include <string>
#include <vector>

#include "cohort/cohort.h"
#include "core/result.h"

namespace khe::cohort {

struct GroupTally {
  std::string group;
  int patients = 0;       // in the group, evaluable or not
  int not_evaluable = 0;  // of them
  int evaluable = 0;      // patients - not_evaluable
  int responders = 0;     // binary endpoints: of the evaluable patients, those with the endpoint
  stats::SurvivalTable table;  // time to event: the evaluable patients' times
};

// The not-evaluable patients of one group ("" = patients without a group) with one reason.
struct ReasonCount {
  std::string group;
  std::string reason;
  int count = 0;
};

struct EndpointTally {
  Endpoint endpoint = Endpoint::durable_platelet_response_week4;
  std::vector<GroupTally> groups;    // sorted by name; each has at least one patient
  std::vector<ReasonCount> reasons;  // sorted by (group, reason); counts > 0
  // The patient-level list, by patient id; only a tally of patients has it. Tallies read from
  // aggregate files have `listed` false: the ids stay at their centres.
  std::vector<NotEvaluable> not_evaluable;
  bool listed = true;
};

// Each endpoint's tally of `outcomes`, in the order of `endpoints`. Pure; the order of
// `outcomes` does not change the result.
std::vector<EndpointTally> tally(const std::vector<PatientOutcome>& outcomes,
                                 const std::vector<Endpoint>& endpoints);

// The tally of the union of a's and b's patients: groups and reasons summed by name, tables
// added (stats::add). listed only when both are (the lists then merged). Errors: different
// endpoints, a count that would overflow an int.
Result<EndpointTally> add(const EndpointTally& a, const EndpointTally& b);

// The endpoint's statistics from its tally (analyse() is statistics(tally(...))). Without a
// list, the not-evaluable patients are given as counts by reason (EndpointResult::
// not_evaluable_counts). Precondition: a consistent tally (as tally(), add() and the
// aggregate reader give): evaluable = patients - not_evaluable, responders <= evaluable, the
// table valid with evaluable subjects.
EndpointResult statistics(const EndpointTally& tally, double confidence,
                          const std::string& reference = "");

}  // namespace khe::cohort
