// combine(): the compatibility checks, the sums, and the shared statistics (combine.h).
#include "cohort/combine.h"

#include <algorithm>
#include <climits>

namespace khe::cohort {
namespace {

std::string endpoint_list(const Aggregates& a) {
  std::string out;
  for (const EndpointTally& t : a.endpoints)
    out += (out.empty() ? "" : ", ") + std::string(name(t.endpoint));
  return out;
}

// The first field on which `b` differs from the first file `a`, or "".
std::string incompatible(const Aggregates& a, const Aggregates& b, std::string* mine,
                         std::string* theirs) {
  auto differs = [&](const char* field, std::string x, std::string y) {
    *mine = std::move(y);
    *theirs = std::move(x);
    return std::string(field);
  };
  if (endpoint_list(a) != endpoint_list(b))
    return differs("endpoints", endpoint_list(a), endpoint_list(b));
  if (a.by != b.by) return differs("by", name(a.by), name(b.by));
  // Exact: the same --confidence gives the same double, which the file keeps to the last bit.
  if (a.confidence != b.confidence)
    return differs("confidence", std::to_string(a.confidence), std::to_string(b.confidence));
  if (a.provenance.knowledge_version != b.provenance.knowledge_version)
    return differs("knowledge_version", a.provenance.knowledge_version,
                   b.provenance.knowledge_version);
  if (a.provenance.profile != b.provenance.profile)
    return differs("profile", a.provenance.profile, b.provenance.profile);
  return "";
}

bool add_to(int* sum, int n) { return !__builtin_add_overflow(*sum, n, sum); }
bool add_to(std::uint64_t* sum, std::uint64_t n) { return !__builtin_add_overflow(*sum, n, sum); }

}  // namespace

Result<CohortResult> combine(const std::vector<AggregateFile>& files,
                             const std::string& reference) {
  const Aggregates& first = files.front().aggregates;
  for (const AggregateFile& f : files) {
    std::string mine, theirs;
    const std::string field = incompatible(first, f.aggregates, &mine, &theirs);
    if (!field.empty()) {
      return Error{f.name + ": " + field, "is " + mine + ", but " + files.front().name + " has " +
                                              theirs +
                                              "; only aggregates of the same analysis combine"};
    }
  }
  CohortResult out;
  out.provenance = first.provenance;
  out.by = first.by;
  out.confidence = first.confidence;
  out.provenance.engine_version.clear();
  std::vector<std::string> engines;
  std::vector<EndpointTally> sums = first.endpoints;
  for (std::size_t i = 0; i < files.size(); ++i) {
    const Aggregates& a = files[i].aggregates;
    out.combined_from.push_back({files[i].name, a.provenance.as_of, a.input.sha256});
    out.provenance.as_of = std::max(out.provenance.as_of, a.provenance.as_of);
    if (std::find(engines.begin(), engines.end(), a.provenance.engine_version) == engines.end()) {
      engines.push_back(a.provenance.engine_version);
      out.provenance.engine_version +=
          (out.provenance.engine_version.empty() ? "" : ", ") + a.provenance.engine_version;
    }
    InputSummary& in = out.input;
    if (!add_to(&in.files, a.input.files) || !add_to(&in.bytes, a.input.bytes) ||
        !add_to(&in.resources, a.input.resources) || !add_to(&in.patients, a.input.patients) ||
        !add_to(&in.unreadable, a.input.unreadable) || !add_to(&in.orphans, a.input.orphans))
      return Error{files[i].name + ": input", "the counts are too large to add"};
    if (i == 0) continue;
    for (std::size_t e = 0; e < sums.size(); ++e) {
      auto sum = add(sums[e], a.endpoints[e]);
      if (!sum) return Error{files[i].name + ": endpoints", sum.error().message};
      sums[e] = std::move(sum).value();
    }
  }
  for (const EndpointTally& t : sums)
    out.endpoints.push_back(statistics(t, out.confidence, reference));
  return out;
}

}  // namespace khe::cohort
