// The cohort analysis's data: each patient's outcome as the engine's report states it, and
// the study's endpoints by group. Produced by cohort/run.h from any number of records;
// rendered by write/cohort_*.h. Plain data: no I/O, no identifiers beyond the export's own
// (pseudonymous) resource ids, which the not-evaluable lists name so a study team can look.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/time.h"
#include "stats/proportion.h"
#include "stats/survival.h"

namespace khe::cohort {

// The endpoints of `--endpoint`; names are the report's keys (contract report.md, response).
enum class Endpoint {
  durable_platelet_response_week4,  // the Blood 2022 trial's primary endpoint
  platelet_response,
  fibrinogen_stabilized,
  relapse,
  time_to_platelet_response,  // days from therapy start (day 0); Kaplan-Meier
};
inline constexpr int kEndpointCount = 5;
const char* name(Endpoint e);
std::optional<Endpoint> parse_endpoint(std::string_view text);
inline bool is_time_to_event(Endpoint e) { return e == Endpoint::time_to_platelet_response; }

// `--by`: the arm of ResearchSubject (actualArm, else assignedArm), the first-line regimen
// actually given (knowledge/cohort.json), or one group of everyone.
enum class Grouping { arm, regimen, none };
const char* name(Grouping g);
std::optional<Grouping> parse_grouping(std::string_view text);

// One endpoint of one patient: a binary value, a time to event, or why it cannot be counted.
// Invariant: exactly one of `responder`, `time` and `not_evaluable` (non-empty) is set, and
// `time` only for time-to-event endpoints.
struct EndpointValue {
  std::optional<bool> responder;
  std::optional<stats::Survival> time;
  std::string not_evaluable;  // "no platelet count on days 25-31", "record unreadable: ..."
};

struct PatientOutcome {
  std::string patient_id;  // Patient.id in the export
  std::string group;       // arm or regimen name; "all" for --by none; "" when none applies
  std::string no_group;    // why `group` is empty ("no ResearchSubject", ...)
  std::array<EndpointValue, kEndpointCount> endpoints{};  // indexed by Endpoint
};

// A not-evaluable patient, listed with the reason (never silently dropped).
struct NotEvaluable {
  std::string patient_id;
  std::string group;  // "" when the patient has none
  std::string reason;
};

struct GroupResult {
  std::string group;
  int patients = 0;       // in the group (evaluable or not)
  int not_evaluable = 0;  // of them
  // Binary endpoints: responders of the evaluable patients with the Wilson interval.
  std::optional<stats::Proportion> proportion;
  // Time to event: the Kaplan-Meier curve and the table it was computed from.
  std::optional<stats::KaplanMeier> kaplan_meier;
  stats::SurvivalTable table;
};

// Between two groups (every pair, in group order): the difference of proportions with
// Newcombe's interval and Fisher's exact p, for binary endpoints.
struct Comparison {
  std::string group1;
  std::string group2;
  stats::Difference difference;  // group1 - group2 (group2 is the reference group, if any)
  std::string method = stats::kNewcombeMethod;
  double fisher_p = 1.0;
};

struct EndpointResult {
  Endpoint endpoint = Endpoint::durable_platelet_response_week4;
  std::vector<GroupResult> groups;          // sorted by name; patients without a group are not here
  std::vector<Comparison> comparisons;      // binary endpoints with two or more groups
  std::optional<stats::LogRank> log_rank;   // time to event with two or more groups
  std::vector<NotEvaluable> not_evaluable;  // sorted by patient id
  // A combined (federated) result has no patient list, since the ids stay at their centres:
  // the not-evaluable patients are then these counts by reason, most frequent first (ties by
  // reason), and `not_evaluable` is empty. Unset for an analysis of patients.
  std::optional<std::vector<std::pair<std::string, int>>> not_evaluable_counts;
};

// What was read, for the report's header and the one-line summary.
struct InputSummary {
  int files = 0;
  std::uint64_t bytes = 0;
  std::uint64_t resources = 0;  // lines or entries read
  int patients = 0;
  int unreadable = 0;         // patients whose record the reader refused
  std::uint64_t orphans = 0;  // resources naming no patient of the input (counted, unused)
  std::string sha256;         // of the input bytes, files in the order given
};

struct Provenance {
  std::string engine_version;
  std::string knowledge_version;
  std::string profile;
  Instant as_of{};
};

// One aggregate file of a combined (federated) result, for the provenance: each centre's
// evaluation time and input may differ.
struct CombinedSource {
  std::string file;  // as named on the command line
  Instant as_of{};
  std::string input_sha256;
};

struct CohortResult {
  Provenance provenance;  // combined: as_of is the latest of the sources'
  InputSummary input;
  Grouping by = Grouping::arm;
  double confidence = 0.95;
  std::vector<EndpointResult> endpoints;  // in the order asked for
  // Set only by combine() (cohort/combine.h): the aggregate files pooled, in the order given.
  // input.sha256 is then that of the aggregate files' bytes.
  std::vector<CombinedSource> combined_from;
};

// Groups `outcomes` and computes each endpoint's statistics. Pure; the order of `outcomes`
// does not change the result. `reference` (a group name, or "") is the control group: in
// every comparison with it, it is group2, so the difference is "other minus reference".
std::vector<EndpointResult> analyse(const std::vector<PatientOutcome>& outcomes,
                                    const std::vector<Endpoint>& endpoints, double confidence,
                                    const std::string& reference = "");

}  // namespace khe::cohort
