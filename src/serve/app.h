// The application: one http::Handler for every route of `khe serve`.
//
//   OPTIONS *                          CORS preflight
//   GET  /cds-services                 discovery                 (JWT)
//   POST /cds-services/{id}            a hook call -> cards      (JWT, audited before sent)
//   POST /cds-services/{id}/feedback   feedback, idempotent      (JWT, audited)
//   GET  /healthz                      liveness for load balancers
//   *    /api/...                      the REST API (api::Api)
//   GET  /...                          the web app's files (api::static_file)
//
// Thread-safe: the server calls handle() from several workers at once.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "api/api.h"
#include "cds/cds.h"
#include "http/message.h"
#include "knowledge/knowledge.h"
#include "serve/audit_writer.h"
#include "serve/auth_gate.h"
#include "serve/cors.h"
#include "store/store.h"

namespace khe::serve {

using Clock = std::function<std::chrono::system_clock::time_point()>;

struct AppOptions {
  std::string public_url;         // no trailing '/'
  bool insecure_no_auth = false;  // CDS routes without a token (local use only)
  std::vector<std::string> cors_origins;
};

class App {
 public:
  // `auth` may be null only with insecure_no_auth. Everything passed must outlive the App.
  static Result<std::unique_ptr<App>> create(AppOptions options, store::Store& store,
                                             const knowledge::Knowledge& knowledge,
                                             const knowledge::Profile& profile, Clock clock,
                                             std::unique_ptr<AuthGate> auth,
                                             std::unique_ptr<cds::FhirFetcher> fetcher);

  http::Response handle(const http::Request& request);

 private:
  App(AppOptions options, store::Store& store, const knowledge::Knowledge& knowledge,
      const knowledge::Profile& profile, Clock clock, std::unique_ptr<AuthGate> auth,
      std::unique_ptr<cds::FhirFetcher> fetcher);

  // The route's response, before the headers every response gets.
  http::Response route(const http::Request& request, std::string& route_name, std::string& service);
  http::Response cds_route(const http::Request& request, std::string_view rest,
                           std::string& route_name, std::string& service);
  // The caller's identity for the audit, or the 401 to send.
  Result<std::string> authenticate(const http::Request& request, Instant now);

  AppOptions options_;
  store::Store& store_;
  Clock clock_;
  std::unique_ptr<AuthGate> auth_;
  std::unique_ptr<cds::FhirFetcher> fetcher_;
  CorsPolicy cors_;
  cds::Services services_;
  api::Api api_;
  AuditWriter audit_;
};

}  // namespace khe::serve
