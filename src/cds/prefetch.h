// Internal to src/cds: turns a hook request's prefetch (and, for what is missing, the CDS
// Client's FHIR server) into the list of resources the reader reads, in place: nothing is
// serialised again or parsed twice.
#pragma once

#include <simdjson.h>

#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "cds/cds.h"
#include "cds/util.h"
#include "fhir/reader.h"

namespace khe::cds::detail {

// A refusal: the HTTP status, the error code and a message that names JSON paths and
// prefetch keys only, never patient data.
struct Failure {
  int status = 400;
  std::string code;
  std::string message;
  bool needs_fetch = false;  // 412 only because no fetcher was given (fhirServer was)
};

struct FhirAccess {
  std::string server;        // fhirServer without a trailing '/'; "" when not given
  std::string access_token;  // fhirAuthorization.access_token; "" when not given
};

// What to evaluate. Elements point into the request's parser (owned by the caller, alive
// for the whole call) or into `pages` (the fetched documents, owned here): a Gathered must
// not outlive the request's parser.
struct Gathered {
  std::vector<fhir::ParsedResource> resources;  // the Patient first, then template order
  std::vector<std::unique_ptr<simdjson::dom::parser>> pages;
};

// `prefetch` is the request's prefetch member (nullopt when absent). Prefetched values are
// checked first (a value that is not a FHIR resource of the template's type is a 400 naming
// its key); keys that are absent, or answered with an OperationOutcome (CDS Hooks 2.0: the
// client could not prefetch them), are then fetched from `access.server`, following the
// searchset's "next" links on the same origin, at most kMaxPages pages a key. Without a
// server (or fetcher), or when a fetch fails: 412. The bytes of every page fetched are
// added to `fetched`, in the order fetched (the input's hash covers what was fetched).
std::variant<Gathered, Failure> gather(const std::vector<PrefetchTemplate>& templates,
                                       std::optional<simdjson::dom::element> prefetch,
                                       const std::string& patient_id, const FhirAccess& access,
                                       FhirFetcher* fetcher, Sha256& fetched);

}  // namespace khe::cds::detail
