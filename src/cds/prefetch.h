// Internal to src/cds: turns a hook request's prefetch (and, for what is missing, the CDS
// Client's FHIR server) into one collection Bundle for the reader.
#pragma once

#include <simdjson.h>

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "cds/cds.h"

namespace khe::cds::detail {

// A refusal: the HTTP status, the error code and a message that names JSON paths and
// prefetch keys only, never patient data.
struct Failure {
  int status = 400;
  std::string code;
  std::string message;
};

struct FhirAccess {
  std::string server;        // fhirServer without a trailing '/'; "" when not given
  std::string access_token;  // fhirAuthorization.access_token; "" when not given
};

struct Gathered {
  std::string patient;  // the Patient resource, minified JSON
  std::string bundle;   // the collection Bundle to evaluate (Patient first)
};

// `prefetch` is the request's prefetch member (nullopt when absent). Prefetched values are
// checked first (a value that is not a FHIR resource of the template's type is a 400 naming
// its key); keys that are absent, or answered with an OperationOutcome (CDS Hooks 2.0: the
// client could not prefetch them), are then fetched from `access.server`, following the
// searchset's "next" links on the same origin, at most kMaxPages pages a key. Without a
// server (or fetcher), or when a fetch fails: 412.
std::variant<Gathered, Failure> gather(const std::vector<PrefetchTemplate>& templates,
                                       std::optional<simdjson::dom::element> prefetch,
                                       const std::string& patient_id, const FhirAccess& access,
                                       FhirFetcher* fetcher);

}  // namespace khe::cds::detail
