// The CDS services' FHIR-server fetcher (cds::FhirFetcher) over the HTTP client.
#pragma once

#include <chrono>
#include <string>

#include "cds/cds.h"

namespace khe::serve {

class HttpFhirFetcher : public cds::FhirFetcher {
 public:
  explicit HttpFhirFetcher(std::chrono::milliseconds timeout = std::chrono::seconds(10))
      : timeout_(timeout) {}
  // 2xx with a JSON or FHIR+JSON body, else an Error naming the status (never the URL,
  // which carries the patient id).
  Result<std::string> get(const std::string& url, const std::string& access_token) override;

 private:
  std::chrono::milliseconds timeout_;
};

// GET a JWK Set URL (for AuthGate's jku keys).
Result<std::string> fetch_jwks(const std::string& url);

}  // namespace khe::serve
