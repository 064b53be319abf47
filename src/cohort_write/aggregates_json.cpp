#include "cohort_write/aggregates_json.h"

#include <cstdint>

#include "cohort_write/cohort_json.h"
#include "write/json_stream.h"

namespace khe::cohort_write {
namespace {

using write::JsonStream;

void provenance(JsonStream& j, const cohort::Aggregates& a) {
  j.key("provenance");
  j.begin_object();
  j.key("engine_version");
  j.value(a.provenance.engine_version);
  j.key("knowledge_version");
  j.value(a.provenance.knowledge_version);
  j.key("profile");
  j.value(a.provenance.profile);
  j.key("as_of");
  j.value(format_instant(a.provenance.as_of));
  j.key("input_sha256");
  j.value(a.input.sha256);
  j.end_object();
}

void group(JsonStream& j, const cohort::GroupTally& g, bool timed, int threshold) {
  j.begin_object();
  j.key("group");
  j.value(g.group);
  j.key("patients");
  j.value(g.patients);
  j.key("not_evaluable");
  j.value(g.not_evaluable);
  j.key("n");
  j.value(g.evaluable);
  if (!timed) {
    j.key("responders");
    j.value(g.responders);
  } else {
    int events = 0, censored = 0;
    for (const auto& t : g.table) {
      events += t.events;
      censored += t.censored;
    }
    j.key("events");
    j.value(events);
    j.key("censored");
    j.value(censored);
  }
  j.key("small_cell");
  j.value(cohort::is_small_cell(g, timed, threshold));
  if (timed) {
    // Per distinct day: what Kaplan-Meier and the log-rank test read, and all they read.
    j.key("table");
    j.begin_array();
    for (const auto& t : g.table) {
      j.begin_object();
      j.key("time");
      j.value(t.time);
      j.key("events");
      j.value(t.events);
      j.key("censored");
      j.value(t.censored);
      j.end_object();
    }
    j.end_array();
  }
  j.end_object();
}

void endpoint(JsonStream& j, const cohort::EndpointTally& t, int threshold) {
  const bool timed = cohort::is_time_to_event(t.endpoint);
  j.begin_object();
  j.key("endpoint");
  j.value(cohort::name(t.endpoint));
  j.key("type");
  j.value(timed ? "time_to_event" : "proportion");
  j.key("groups");
  j.begin_array();
  for (const auto& g : t.groups) group(j, g, timed, threshold);
  j.end_array();
  j.key("not_evaluable_reasons");
  j.begin_array();
  for (const auto& r : t.reasons) {
    j.begin_object();
    j.key("group");
    if (r.group.empty()) {
      j.null();
    } else {
      j.value(r.group);
    }
    j.key("reason");
    j.value(r.reason);
    j.key("count");
    j.value(r.count);
    j.end_object();
  }
  j.end_array();
  j.end_object();
}

}  // namespace

std::string to_aggregates_json(const cohort::Aggregates& a) {
  std::string out;
  JsonStream j(out);
  j.begin_object();
  j.key("format");
  j.value(cohort::kAggregatesFormat);
  provenance(j, a);
  write_input_json(j, a.input);
  j.key("by");
  j.value(cohort::name(a.by));
  j.key("confidence");
  j.value(a.confidence);
  j.key("small_cell_threshold");
  j.value(a.small_cell);
  j.key("endpoints");
  j.begin_array();
  for (const auto& t : a.endpoints) endpoint(j, t, a.small_cell);
  j.end_array();
  j.end_object();
  out += "\n";
  return out;
}

}  // namespace khe::cohort_write
