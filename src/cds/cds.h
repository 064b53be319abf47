// CDS Hooks 2.0 services (https://cds-hooks.hl7.org/2.0/) as a library: discovery, hook
// calls (prefetch, fetching what is missing, evaluation, cards) and feedback parsing.
// Pure: no sockets (FHIR fetches go through the FhirFetcher the caller passes), no clock
// (the caller passes `now`), no store (feedback comes back as items to store). The texts,
// services and prefetch templates are knowledge data (knowledge/cds.json).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/time.h"
#include "http/message.h"
#include "knowledge/knowledge.h"

namespace khe::cds {

// Fetches a FHIR URL for a missing prefetch (serve/ adapts http::get to it; tests fake it).
class FhirFetcher {
 public:
  virtual ~FhirFetcher() = default;
  // GET url with "Authorization: Bearer <access_token>" when the token is non-empty.
  // Returns the body of a 2xx application/fhir+json|application/json answer, or an Error.
  virtual Result<std::string> get(const std::string& url, const std::string& access_token) = 0;
};

struct CallOutcome {
  // 200 {"cards":[...]}; 400 bad request; 404 unknown service; 412 data unobtainable.
  http::Response response;
  std::string patient_id;     // context.patientId when valid, for the audit ("" otherwise)
  std::string input_sha256;   // SHA-256 of the request's bytes and the pages fetched ("" if none)
  std::string report_sha256;  // SHA-256 of the JSON report (write::to_json) the cards came from
  std::string knowledge_version, profile;
  std::size_t cards = 0;
  bool evaluated = false;
  // Called without a fetcher, the request needs data from its fhirServer: the 412 in
  // `response` is only for want of a fetcher, and a call with one may succeed.
  bool needs_fetch = false;
};

// One feedback entry to store; `key` (card uuid + "|" + outcome + "|" + outcomeTimestamp)
// makes a repeated post idempotent. `json` is the entry as received, minified.
struct FeedbackItem {
  std::string key;
  std::string json;
};

// A prefetch template with its codes expanded (what discovery publishes).
struct PrefetchTemplate {
  std::string key;
  std::string query;          // e.g. "Condition?patient={{context.patientId}}"
  std::string resource_type;  // "Patient" for a read, the searched type for a search
  bool search = false;        // a search answers a Bundle (searchset)
};

// Thread-safe: every member function is const and keeps no per-call state.
class Services {
 public:
  // `public_url` is the address clinicians' browsers use (card links); "" leaves links out.
  Services(const knowledge::Knowledge& k, const knowledge::Profile& p, std::string public_url);

  const std::string& discovery_json() const { return discovery_; }  // GET /cds-services body
  bool has_service(std::string_view id) const;
  const std::vector<PrefetchTemplate>& prefetch() const { return prefetch_; }

  // POST /cds-services/{id}. `now` is the evaluation instant (the server reads the clock).
  // `fetcher` may be null: then only prefetched data can be used (see needs_fetch).
  CallOutcome call(std::string_view service_id, std::string_view body, FhirFetcher* fetcher,
                   Instant now) const;

  // POST /cds-services/{id}/feedback body -> items to store (idempotent by key), or an
  // Error naming the JSON path of the first problem.
  Result<std::vector<FeedbackItem>> parse_feedback(std::string_view body) const;

 private:
  const knowledge::Knowledge& k_;
  const knowledge::Profile& p_;
  std::string public_url_;
  std::vector<PrefetchTemplate> prefetch_;
  std::string discovery_;
};

}  // namespace khe::cds
