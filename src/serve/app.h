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

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "api/api.h"
#include "cds/cds.h"
#include "http/message.h"
#include "http/worker_pool.h"
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
  unsigned blocking_workers = 32;          // threads for work that may block (see App::handle)
  std::size_t max_blocking_queued = 1024;  // waiting for one of them beyond: 503
  // Non-empty: the header in which an authenticating proxy names the user. /api requests
  // without a usable value get 401; the value is the audit's caller ("user NAME").
  std::string api_user_header{};
};

class App {
 public:
  // `auth` may be null only with insecure_no_auth. Everything passed must outlive the App.
  static Result<std::unique_ptr<App>> create(AppOptions options, store::Store& store,
                                             const knowledge::Knowledge& knowledge,
                                             const knowledge::Profile& profile, Clock clock,
                                             std::unique_ptr<AuthGate> auth,
                                             std::unique_ptr<cds::FhirFetcher> fetcher);

  // Answers `request` through `done`: at once, or — for a hook call or feedback — once its
  // audit entry committed (no card leaves without its audit entry; the worker does not wait
  // for the commit). The server's workers do CPU work only: what may block for long — the
  // API and feedback (store writes wait for an fsync, reads for a writer) and hook calls
  // that must fetch from the EHR's FHIR server — moves to a pool of its own, so a few
  // workers (one per core) keep every core busy with evaluations.
  void handle(const http::Request& request, http::Responder done);
  // The same, blocking until answered (tests, benchmarks, --import).
  http::Response handle(const http::Request& request);

  // From now on GET /readyz answers 503, so a balancer that polls it stops sending new
  // requests while those in flight finish (SIGTERM). /healthz stays 200: the process is
  // alive. Thread-safe.
  void start_draining() { draining_.store(true, std::memory_order_relaxed); }

 private:
  // What a route produced: the response and, when the response may only be sent after it
  // committed, the audit entry.
  struct Routed {
    http::Response response;
    std::optional<store::AuditRecord> audit;
    std::string_view audit_what;  // "card" or "feedback": names the audit failure in logs
    std::string route_name;       // the route template, for the log
    std::string service;          // the CDS service id or "(unknown)", for the log
    // Set when the rest may block: run on the blocking pool, it completes this Routed.
    std::function<void(Routed&)> blocking;
  };
  // What the answer needs of the request once the request itself is gone.
  struct Asked {
    std::string method;  // at most 17 bytes (the log shows longer ones as "?")
    std::string origin;  // the Origin header
    std::chrono::steady_clock::time_point started;
  };
  // Headers every response gets (CORS for `origin`, nosniff, no-store unless set).
  void finish(std::string_view method, std::string_view origin, http::Response& r) const;
  // Sends the routed response, after its audit entry committed when it has one.
  void complete(Routed routed, const Asked& asked, http::Responder done);
  // The answer to a hook call's outcome: the cards (their audit entry put in `out`) or the
  // refusal.
  http::Response cards_answer(cds::CallOutcome outcome, const std::string& caller, Instant now,
                              Routed& out);

  App(AppOptions options, store::Store& store, const knowledge::Knowledge& knowledge,
      const knowledge::Profile& profile, Clock clock, std::unique_ptr<AuthGate> auth,
      std::unique_ptr<cds::FhirFetcher> fetcher);

  // The route's response, before the headers every response gets.
  void route(const http::Request& request, Routed& out);
  http::Response cds_route(const http::Request& request, std::string_view rest, Routed& out);
  // The caller's identity for the audit, or the 401 to send.
  Result<std::string> authenticate(const http::Request& request, Instant now);

  AppOptions options_;
  std::atomic<bool> draining_{false};
  store::Store& store_;
  Clock clock_;
  std::unique_ptr<AuthGate> auth_;
  std::unique_ptr<cds::FhirFetcher> fetcher_;
  CorsPolicy cors_;
  cds::Services services_;
  api::Api api_;
  AuditWriter audit_;
  // Last: stopped first when the App goes (its tasks use everything above).
  http::WorkerPool blocking_;
};

}  // namespace khe::serve
