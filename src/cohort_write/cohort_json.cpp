#include "cohort_write/cohort_json.h"

#include <cstdint>

#include "cohort_write/format.h"
#include "write/json_stream.h"

namespace khe::cohort_write {
namespace {

using write::JsonStream;

void optional_number(JsonStream& j, const std::optional<double>& v, int decimals) {
  if (v) {
    j.rounded(*v, decimals);
  } else {
    j.null();
  }
}

void p_value(JsonStream& j, double p) { j.value(round_significant(p, kPSignificant)); }

void text_or_null(JsonStream& j, const std::string& s) {
  if (s.empty()) {
    j.null();
  } else {
    j.value(s);
  }
}

void provenance(JsonStream& j, const cohort::CohortResult& r) {
  j.key("provenance");
  j.begin_object();
  j.key("engine_version");
  j.value(r.provenance.engine_version);
  j.key("knowledge_version");
  j.value(r.provenance.knowledge_version);
  j.key("profile");
  j.value(r.provenance.profile);
  j.key("as_of");
  j.value(format_instant(r.provenance.as_of));
  j.key("input_sha256");
  j.value(r.input.sha256);
  // A combined result: each centre's aggregate file, its evaluation time and input hash.
  if (!r.combined_from.empty()) {
    j.key("combined_from");
    j.begin_array();
    for (const auto& c : r.combined_from) {
      j.begin_object();
      j.key("file");
      j.value(c.file);
      j.key("as_of");
      j.value(format_instant(c.as_of));
      j.key("input_sha256");
      j.value(c.input_sha256);
      j.end_object();
    }
    j.end_array();
  }
  j.end_object();
}

void binary_group(JsonStream& j, const cohort::GroupResult& g) {
  j.key("n");
  j.value(evaluable(g));
  j.key("responders");
  j.value(responders(g));
  j.key("proportion");
  if (g.proportion) {
    j.rounded(g.proportion->estimate, kProportionDecimals);
  } else {
    j.null();
  }
  j.key("ci_low");
  if (g.proportion) {
    j.rounded(g.proportion->ci.low, kProportionDecimals);
  } else {
    j.null();
  }
  j.key("ci_high");
  if (g.proportion) {
    j.rounded(g.proportion->ci.high, kProportionDecimals);
  } else {
    j.null();
  }
}

void km_group(JsonStream& j, const cohort::GroupResult& g) {
  const stats::KaplanMeier empty;
  const stats::KaplanMeier& km = g.kaplan_meier ? *g.kaplan_meier : empty;
  j.key("n");
  j.value(km.n);
  j.key("events");
  j.value(km.events);
  j.key("censored");
  j.value(km.n - km.events);
  j.key("median");
  optional_number(j, km.median, kTimeDecimals);
  j.key("median_ci_low");
  optional_number(j, km.median_low, kTimeDecimals);
  j.key("median_ci_high");
  optional_number(j, km.median_high, kTimeDecimals);
  j.key("steps");
  j.begin_array();
  for (const auto& s : km.steps) {
    j.begin_object();
    j.key("time");
    j.rounded(s.time, kTimeDecimals);
    j.key("at_risk");
    j.value(s.at_risk);
    j.key("events");
    j.value(s.events);
    j.key("survival");
    j.rounded(s.survival, kProportionDecimals);
    j.key("std_err");
    j.rounded(s.std_err, kProportionDecimals);
    j.key("ci_low");
    j.rounded(s.ci.low, kProportionDecimals);
    j.key("ci_high");
    j.rounded(s.ci.high, kProportionDecimals);
    j.end_object();
  }
  j.end_array();
  // Where the curve's subjects were censored, for the plot's tick marks.
  j.key("censored_at");
  j.begin_array();
  for (const auto& t : g.table) {
    if (t.censored == 0) continue;
    j.begin_object();
    j.key("time");
    j.rounded(t.time, kTimeDecimals);
    j.key("n");
    j.value(t.censored);
    j.end_object();
  }
  j.end_array();
}

void comparison(JsonStream& j, const cohort::Comparison& c) {
  j.begin_object();
  j.key("group1");
  j.value(c.group1);
  j.key("group2");
  j.value(c.group2);
  j.key("difference");
  j.rounded(c.difference.difference, kProportionDecimals);
  j.key("ci_low");
  j.rounded(c.difference.ci.low, kProportionDecimals);
  j.key("ci_high");
  j.rounded(c.difference.ci.high, kProportionDecimals);
  j.key("method");
  j.value(c.method);
  j.key("fisher_p");
  p_value(j, c.fisher_p);
  j.end_object();
}

void log_rank(JsonStream& j, const cohort::EndpointResult& e) {
  j.key("log_rank");
  if (!e.log_rank) {
    j.null();
    return;
  }
  const stats::LogRank& lr = *e.log_rank;
  j.begin_object();
  j.key("chi_square");
  j.rounded(lr.chi_square, kStatisticDecimals);
  j.key("df");
  j.value(lr.df);
  j.key("p");
  p_value(j, lr.p);
  // Per group, in the order of "groups".
  j.key("groups");
  j.begin_array();
  for (const auto& g : e.groups) j.value(g.group);
  j.end_array();
  j.key("observed");
  j.begin_array();
  for (int o : lr.observed) j.value(o);
  j.end_array();
  j.key("expected");
  j.begin_array();
  for (double x : lr.expected) j.rounded(x, kStatisticDecimals);
  j.end_array();
  j.end_object();
}

void endpoint(JsonStream& j, const cohort::EndpointResult& e) {
  const bool tte = cohort::is_time_to_event(e.endpoint);
  j.begin_object();
  j.key("endpoint");
  j.value(cohort::name(e.endpoint));
  j.key("type");
  j.value(tte ? "time_to_event" : "proportion");
  j.key("groups");
  j.begin_array();
  for (const auto& g : e.groups) {
    j.begin_object();
    j.key("group");
    j.value(g.group);
    j.key("patients");
    j.value(g.patients);
    j.key("not_evaluable");
    j.value(g.not_evaluable);
    if (tte) {
      km_group(j, g);
    } else {
      binary_group(j, g);
    }
    j.end_object();
  }
  j.end_array();
  j.key("comparisons");
  j.begin_array();
  for (const auto& c : e.comparisons) comparison(j, c);
  j.end_array();
  log_rank(j, e);
  j.key("not_evaluable_count");
  j.value(not_evaluable_total(e));
  j.key("not_evaluable_reasons");
  j.begin_array();
  for (const auto& [reason, count] : reason_counts(e)) {
    j.begin_object();
    j.key("reason");
    j.value(reason);
    j.key("count");
    j.value(count);
    j.end_object();
  }
  j.end_array();
  j.key("not_evaluable");
  if (e.not_evaluable_counts) {  // combined: the patients' ids stayed at their centres
    j.null();
    j.end_object();
    return;
  }
  j.begin_array();
  for (const auto& n : e.not_evaluable) {
    j.begin_object();
    j.key("patient_id");
    j.value(n.patient_id);
    j.key("group");
    text_or_null(j, n.group);
    j.key("reason");
    j.value(n.reason);
    j.end_object();
  }
  j.end_array();
  j.end_object();
}

}  // namespace

void write_input_json(JsonStream& j, const cohort::InputSummary& in) {
  j.key("input");
  j.begin_object();
  j.key("files");
  j.value(in.files);
  j.key("bytes");
  j.value(static_cast<std::int64_t>(in.bytes));
  j.key("resources");
  j.value(static_cast<std::int64_t>(in.resources));
  j.key("patients");
  j.value(in.patients);
  j.key("unreadable");
  j.value(in.unreadable);
  j.key("orphans");
  j.value(static_cast<std::int64_t>(in.orphans));
  j.end_object();
}

std::string to_json(const cohort::CohortResult& r) {
  std::string out;
  JsonStream j(out);
  j.begin_object();
  provenance(j, r);
  write_input_json(j, r.input);
  j.key("by");
  j.value(cohort::name(r.by));
  j.key("confidence");
  j.rounded(r.confidence, kProportionDecimals);
  j.key("endpoints");
  j.begin_array();
  for (const auto& e : r.endpoints) endpoint(j, e);
  j.end_array();
  j.end_object();
  out += "\n";
  return out;
}

std::string km_chart_json(const cohort::EndpointResult& e, double confidence) {
  std::string out;
  JsonStream j(out);
  j.begin_object();
  j.key("endpoint");
  j.value(cohort::name(e.endpoint));
  j.key("label");
  j.value(endpoint_label(e.endpoint));
  j.key("plot");
  j.value(e.endpoint == cohort::Endpoint::time_to_platelet_response ? "cumulative" : "survival");
  j.key("confidence");
  j.rounded(confidence, kProportionDecimals);
  j.key("groups");
  j.begin_array();
  for (const auto& g : e.groups) {
    j.begin_object();
    j.key("group");
    j.value(g.group);
    km_group(j, g);
    j.end_object();
  }
  j.end_array();
  j.end_object();
  return out;
}

}  // namespace khe::cohort_write
