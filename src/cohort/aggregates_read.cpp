// read_aggregates(): an aggregate file back into tallies. The file comes from another
// centre, so nothing is trusted: every field's type is checked before use (a float where a
// count is expected is refused, never cast), and the counts must add up, so that
// statistics() gets only what its preconditions allow.
#include <climits>
#include <cmath>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "cohort/aggregates.h"
#include "core/time.h"

namespace khe::cohort {
namespace {

using nlohmann::json;

// A field that is not what it must be: "where" is its JSON path.
struct Bad {
  std::string path;
  std::string message;
};

std::string join(const std::string& path, const char* key) {
  return path.empty() ? std::string(key) : path + "." + key;
}

// The member `key` of object `o` (at `path`), or null with the error that it is missing.
const json* member(const json& o, const std::string& path, const char* key, Bad* bad) {
  const auto it = o.find(key);
  if (it == o.end()) {
    *bad = {join(path, key), "missing"};
    return nullptr;
  }
  return &*it;
}

bool get_object(const json& o, const std::string& path, const char* key, const json** out,
                Bad* bad) {
  const json* v = member(o, path, key, bad);
  if (!v) return false;
  if (!v->is_object()) {
    *bad = {join(path, key), "must be an object"};
    return false;
  }
  *out = v;
  return true;
}

bool get_array(const json& o, const std::string& path, const char* key, const json** out,
               Bad* bad) {
  const json* v = member(o, path, key, bad);
  if (!v) return false;
  if (!v->is_array()) {
    *bad = {join(path, key), "must be an array"};
    return false;
  }
  *out = v;
  return true;
}

bool get_string(const json& o, const std::string& path, const char* key, std::string* out,
                Bad* bad) {
  const json* v = member(o, path, key, bad);
  if (!v) return false;
  if (!v->is_string()) {
    *bad = {join(path, key), "must be a string"};
    return false;
  }
  *out = v->get<std::string>();
  return true;
}

// A non-negative integer up to `max`; JSON floats (even 3.0) are refused.
bool get_count(const json& o, const std::string& path, const char* key, std::uint64_t max,
               std::uint64_t* out, Bad* bad) {
  const json* v = member(o, path, key, bad);
  if (!v) return false;
  const std::string where = join(path, key);
  if (!v->is_number_integer()) {
    *bad = {where, "must be an integer"};
    return false;
  }
  if (v->is_number_unsigned()) {
    *out = v->get<std::uint64_t>();
  } else {
    const std::int64_t n = v->get<std::int64_t>();
    if (n < 0) {
      *bad = {where, "must not be negative"};
      return false;
    }
    *out = static_cast<std::uint64_t>(n);
  }
  if (*out > max) {
    *bad = {where, "is too large"};
    return false;
  }
  return true;
}

bool get_int(const json& o, const std::string& path, const char* key, int* out, Bad* bad) {
  std::uint64_t n = 0;
  if (!get_count(o, path, key, INT_MAX, &n, bad)) return false;
  *out = static_cast<int>(n);
  return true;
}

bool get_number(const json& o, const std::string& path, const char* key, double* out, Bad* bad) {
  const json* v = member(o, path, key, bad);
  if (!v) return false;
  if (!v->is_number()) {
    *bad = {join(path, key), "must be a number"};
    return false;
  }
  *out = v->get<double>();
  if (!std::isfinite(*out)) {
    *bad = {join(path, key), "must be finite"};
    return false;
  }
  return true;
}

bool read_provenance(const json& root, Aggregates* a, Bad* bad) {
  const json* p = nullptr;
  if (!get_object(root, "", "provenance", &p, bad)) return false;
  std::string as_of;
  if (!get_string(*p, "provenance", "engine_version", &a->provenance.engine_version, bad) ||
      !get_string(*p, "provenance", "knowledge_version", &a->provenance.knowledge_version, bad) ||
      !get_string(*p, "provenance", "profile", &a->provenance.profile, bad) ||
      !get_string(*p, "provenance", "as_of", &as_of, bad) ||
      !get_string(*p, "provenance", "input_sha256", &a->input.sha256, bad))
    return false;
  const auto parsed = parse_fhir_datetime(as_of);
  if (!parsed || parsed->precision != Precision::second) {
    *bad = {"provenance.as_of", "must be a FHIR dateTime with a time and zone"};
    return false;
  }
  a->provenance.as_of = parsed->start;
  return true;
}

bool read_input(const json& root, Aggregates* a, Bad* bad) {
  const json* in = nullptr;
  if (!get_object(root, "", "input", &in, bad)) return false;
  constexpr std::uint64_t kMax = std::uint64_t{1} << 53;  // exact in every JSON reader
  return get_int(*in, "input", "files", &a->input.files, bad) &&
         get_count(*in, "input", "bytes", kMax, &a->input.bytes, bad) &&
         get_count(*in, "input", "resources", kMax, &a->input.resources, bad) &&
         get_int(*in, "input", "patients", &a->input.patients, bad) &&
         get_int(*in, "input", "unreadable", &a->input.unreadable, bad) &&
         get_count(*in, "input", "orphans", kMax, &a->input.orphans, bad);
}

// One time of a survival table, after the previous one.
bool read_time(const json& t, const std::string& path, const GroupTally& g, stats::TimeCount* out,
               Bad* bad) {
  if (!t.is_object()) {
    *bad = {path, "must be an object"};
    return false;
  }
  if (!get_number(t, path, "time", &out->time, bad) ||
      !get_int(t, path, "events", &out->events, bad) ||
      !get_int(t, path, "censored", &out->censored, bad))
    return false;
  if (out->time < 0.0 || (!g.table.empty() && !(g.table.back().time < out->time))) {
    *bad = {path + ".time", "times must be >= 0 and increasing"};
    return false;
  }
  if (out->events == 0 && out->censored == 0) {
    *bad = {path, "a time must have an event or a censoring"};
    return false;
  }
  return true;
}

bool read_group(const json& gj, const std::string& path, bool timed, GroupTally* g, Bad* bad) {
  if (!gj.is_object()) {
    *bad = {path, "must be an object"};
    return false;
  }
  if (!get_string(gj, path, "group", &g->group, bad) ||
      !get_int(gj, path, "patients", &g->patients, bad) ||
      !get_int(gj, path, "not_evaluable", &g->not_evaluable, bad) ||
      !get_int(gj, path, "n", &g->evaluable, bad))
    return false;
  const json* flag = member(gj, path, "small_cell", bad);
  if (!flag) return false;
  if (!flag->is_boolean()) {
    *bad = {path + ".small_cell", "must be true or false"};
    return false;
  }
  if (g->group.empty() || g->patients < 1) {
    *bad = {path, "a group needs a name and at least one patient"};
    return false;
  }
  if (g->not_evaluable > g->patients || g->evaluable != g->patients - g->not_evaluable) {
    *bad = {path + ".n", "must be patients - not_evaluable"};
    return false;
  }
  if (!timed) {
    if (!get_int(gj, path, "responders", &g->responders, bad)) return false;
    if (g->responders > g->evaluable) {
      *bad = {path + ".responders", "must not exceed n"};
      return false;
    }
    return true;
  }
  int events = 0, censored = 0;
  const json* table = nullptr;
  if (!get_int(gj, path, "events", &events, bad) ||
      !get_int(gj, path, "censored", &censored, bad) || !get_array(gj, path, "table", &table, bad))
    return false;
  std::int64_t sum_events = 0, sum_censored = 0;
  for (std::size_t i = 0; i < table->size(); ++i) {
    stats::TimeCount t;
    if (!read_time((*table)[i], path + ".table[" + std::to_string(i) + "]", *g, &t, bad))
      return false;
    sum_events += t.events;
    sum_censored += t.censored;
    g->table.push_back(t);
  }
  if (sum_events != events || sum_censored != censored ||
      static_cast<std::int64_t>(events) + censored != g->evaluable) {
    *bad = {path + ".table", "events and censorings must add up to events, censored and n"};
    return false;
  }
  return true;
}

bool read_reasons(const json& ej, const std::string& path, EndpointTally* t, Bad* bad) {
  const json* reasons = nullptr;
  if (!get_array(ej, path, "not_evaluable_reasons", &reasons, bad)) return false;
  std::map<std::string, std::int64_t> by_group;  // "" = no group
  for (std::size_t i = 0; i < reasons->size(); ++i) {
    const json& rj = (*reasons)[i];
    const std::string at = path + ".not_evaluable_reasons[" + std::to_string(i) + "]";
    if (!rj.is_object()) {
      *bad = {at, "must be an object"};
      return false;
    }
    ReasonCount r;
    const json* group = member(rj, at, "group", bad);
    if (!group) return false;
    if (group->is_string() && !group->get<std::string>().empty()) {
      r.group = group->get<std::string>();
    } else if (!group->is_null()) {
      *bad = {at + ".group", "must be a group's name or null"};
      return false;
    }
    if (!get_string(rj, at, "reason", &r.reason, bad) || !get_int(rj, at, "count", &r.count, bad))
      return false;
    if (r.reason.empty() || r.count < 1) {
      *bad = {at, "needs a reason and a count of at least 1"};
      return false;
    }
    if (!t->reasons.empty() && !(std::tie(t->reasons.back().group, t->reasons.back().reason) <
                                 std::tie(r.group, r.reason))) {
      *bad = {at, "reasons must be sorted by group then reason, each once"};
      return false;
    }
    by_group[r.group] += r.count;
    t->reasons.push_back(std::move(r));
  }
  // Every not-evaluable patient of a group has its reason, and no reason names another group.
  for (const GroupTally& g : t->groups) {
    const auto it = by_group.find(g.group);
    const std::int64_t n = it == by_group.end() ? 0 : it->second;
    if (n != g.not_evaluable) {
      *bad = {path + ".not_evaluable_reasons",
              "counts of group " + g.group + " must add up to its not_evaluable"};
      return false;
    }
    if (it != by_group.end()) by_group.erase(it);
  }
  by_group.erase("");
  if (!by_group.empty()) {
    *bad = {path + ".not_evaluable_reasons", "names a group that is not in groups"};
    return false;
  }
  return true;
}

bool read_endpoint(const json& ej, const std::string& path, EndpointTally* t, Bad* bad) {
  if (!ej.is_object()) {
    *bad = {path, "must be an object"};
    return false;
  }
  std::string name, type;
  if (!get_string(ej, path, "endpoint", &name, bad)) return false;
  const auto e = parse_endpoint(name);
  if (!e) {
    *bad = {path + ".endpoint", "unknown endpoint"};
    return false;
  }
  t->endpoint = *e;
  t->listed = false;
  const bool timed = is_time_to_event(*e);
  if (!get_string(ej, path, "type", &type, bad)) return false;
  if (type != (timed ? "time_to_event" : "proportion")) {
    *bad = {path + ".type", "does not match the endpoint"};
    return false;
  }
  const json* groups = nullptr;
  if (!get_array(ej, path, "groups", &groups, bad)) return false;
  for (std::size_t i = 0; i < groups->size(); ++i) {
    GroupTally g;
    if (!read_group((*groups)[i], path + ".groups[" + std::to_string(i) + "]", timed, &g, bad))
      return false;
    if (!t->groups.empty() && !(t->groups.back().group < g.group)) {
      *bad = {path + ".groups[" + std::to_string(i) + "]",
              "groups must be sorted by name, each once"};
      return false;
    }
    t->groups.push_back(std::move(g));
  }
  return read_reasons(ej, path, t, bad);
}

}  // namespace

Result<Aggregates> read_aggregates(std::string_view text) {
  const json root = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) return Error{"", "not JSON"};
  if (!root.is_object()) return Error{"", "not a JSON object"};
  Aggregates a;
  Bad bad;
  std::string format, by;
  auto fail = [&bad]() { return Error{bad.path, bad.message}; };
  if (!get_string(root, "", "format", &format, &bad)) return fail();
  if (format != kAggregatesFormat) {
    return Error{"format", "is '" + format + "'; this khe reads " + kAggregatesFormat};
  }
  if (!read_provenance(root, &a, &bad) || !read_input(root, &a, &bad) ||
      !get_string(root, "", "by", &by, &bad) ||
      !get_number(root, "", "confidence", &a.confidence, &bad) ||
      !get_int(root, "", "small_cell_threshold", &a.small_cell, &bad))
    return fail();
  const auto grouping = parse_grouping(by);
  if (!grouping) return Error{"by", "must be arm, regimen or none"};
  a.by = *grouping;
  if (!(a.confidence > 0.0 && a.confidence < 1.0)) {
    return Error{"confidence", "must be strictly between 0 and 1"};
  }
  const json* endpoints = nullptr;
  if (!get_array(root, "", "endpoints", &endpoints, &bad)) return fail();
  if (endpoints->empty()) return Error{"endpoints", "must name at least one endpoint"};
  std::set<Endpoint> seen;
  for (std::size_t i = 0; i < endpoints->size(); ++i) {
    EndpointTally t;
    const std::string path = "endpoints[" + std::to_string(i) + "]";
    if (!read_endpoint((*endpoints)[i], path, &t, &bad)) return fail();
    if (!seen.insert(t.endpoint).second) return Error{path + ".endpoint", "given twice"};
    a.endpoints.push_back(std::move(t));
  }
  return a;
}

}  // namespace khe::cohort
