// A multi-centre deployment on loopback, as the deployment guide describes it: one
// PostgreSQL, several `khe serve` replicas on its database, nginx in front of them; and
// the clients the deployment tests drive it with (tokens, retries, a stream of writes).
//
// Ordering: a replica must know its public URL (the JWT audience is the endpoint URL
// under --public-url) before it starts, and that URL is nginx's, whose port nginx only
// binds after the replicas' ports are known. So the balancer's port is picked first
// (free_loopback_port()), the replicas start with --public-url on it, then nginx binds
// it; if another process took the port meanwhile, everything starts again on another.
//
// Everything here must be started and stopped from the test's main thread: PostgreSQL
// and nginx get a parent-death signal when the thread that started them exits.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/http_client.h"
#include "support/nginx_server.h"
#include "support/postgres_server.h"
#include "support/process.h"
#include "support/server_process.h"

namespace khe::deploy::testing {

using nlohmann::json;
using test_support::HttpReply;
using test_support::NginxServer;
using test_support::PostgresServer;
using test_support::ServerProcess;

// "" when this machine can run a deployment; otherwise why not (the tests GTEST_SKIP).
std::string deployment_unavailable();

class Deployment {
 public:
  // PostgreSQL, `replicas` × `khe serve --db URL --jwks (the test keys) --issuer
  // --cors-origin --public-url (nginx's URL)` plus `extra_args`, and nginx in front.
  // nullptr with `why` on failure.
  static std::unique_ptr<Deployment> start(std::string* why, int replicas = 2,
                                           const std::vector<std::string>& extra_args = {});
  // Stops nginx, SIGKILLs the replicas still running, stops PostgreSQL.
  ~Deployment();
  Deployment(const Deployment&) = delete;
  Deployment& operator=(const Deployment&) = delete;

  std::uint16_t port() const { return nginx_->port(); }  // where clients go
  const std::string& url() const { return url_; }        // nginx's: the --public-url
  std::string db() const { return postgres_->url(); }    // postgresql://...
  PostgresServer& postgres() { return *postgres_; }
  NginxServer& nginx() { return *nginx_; }
  std::size_t replicas() const { return replicas_.size(); }
  ServerProcess& replica(std::size_t i) { return *replicas_.at(i); }

  // `khe audit verify --db db()`.
  test_support::RunResult audit_verify() const;
  // Every replica still running gets SIGTERM and must drain and exit 0; nginx stops; then
  // `khe audit verify` must exit 0 and say "chain intact". Failures go to GoogleTest.
  void stop_and_verify();

 private:
  Deployment() = default;

  std::string dir_;
  std::string url_;
  std::unique_ptr<PostgresServer> postgres_;
  std::vector<std::unique_ptr<ServerProcess>> replicas_;
  std::unique_ptr<NginxServer> nginx_;  // last: stopped first
};

// ---- clients --------------------------------------------------------------------------

// "Bearer <jwt>" for `public_url + path`, with a fresh jti.
std::string fresh_token(const std::string& public_url, const std::string& path);
// GET /cds-services through `port` (with a token for `public_url`); the parsed discovery
// document, or null on failure.
json discover(std::uint16_t port, const std::string& public_url);
// A patient-view request for example ex01 (severe KMP: a critical card), with prefetch.
json patient_view_request(const json& discovery);
std::string patient_view_service(const json& discovery);

// One POST of a hook call through `port` with a new token.
HttpReply call_hook(std::uint16_t port, const std::string& public_url, const std::string& service,
                    const json& request,
                    std::chrono::milliseconds timeout = std::chrono::seconds(10));
// POST /api/patients of a minimal Patient with this id (answered 201, or 409 when stored).
HttpReply create_patient(std::uint16_t port, const std::string& id,
                         std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Lines of a replica's log (stderr, one JSON object a line) that contain every one of
// `parts`.
int count_log_lines(const std::string& log, const std::vector<std::string>& parts);

// Client threads writing through the balancer until stop(): each creates patients
// (POST /api/patients: a row and its "write" audit entry in one transaction) and calls the
// patient-view hook (a token used, then a "card" audit entry). A request answered 0
// (no answer) or 5xx is sent again — a hook call with a new token, a patient with the same
// id (so a 409 then means an earlier try was stored) — after a short pause, until it is
// acknowledged or the stream stops. Only 2xx answers count as acknowledged; any other
// answer is recorded as unexpected.
class WriteStream {
 public:
  WriteStream(std::uint16_t port, std::string public_url, std::string service, json request,
              int threads, std::string id_prefix);
  ~WriteStream();  // stop()
  WriteStream(const WriteStream&) = delete;
  WriteStream& operator=(const WriteStream&) = delete;

  void stop();  // joins the threads; idempotent

  int acknowledged() const { return acknowledged_.load(); }  // 2xx so far (both kinds)
  int failed_tries() const { return failed_.load(); }        // 0 / 5xx answers so far
  // Waits (bounded polling) until acknowledged() >= n / failed_tries() >= n.
  bool wait_for_acknowledged(int n, std::chrono::milliseconds limit) const;
  bool wait_for_failures(int n, std::chrono::milliseconds limit) const;

  // After stop():
  const std::set<std::string>& patients_created() const { return created_; }  // 201
  // Answered 409 after a try that failed: stored by that try.
  const std::set<std::string>& patients_stored_by_a_failed_try() const { return conflicted_; }
  int cards() const { return cards_.load(); }  // hook calls answered 200
  // Statuses other than 2xx, 0, 5xx and the 409 above ("status: body"), and the count of
  // each 0/5xx status seen.
  const std::vector<std::string>& unexpected() const { return unexpected_; }
  std::map<int, int> failures_by_status() const;

 private:
  void run(int thread);
  // Sends `send` until acknowledged (true), stopped (false), or an unexpected answer.
  template <typename Send, typename Done>
  bool until_acknowledged(Send send, Done done);

  const std::uint16_t port_;
  const std::string url_, service_;
  const json request_;
  const std::string prefix_;
  std::atomic<bool> stop_{false};
  std::atomic<int> acknowledged_{0}, failed_{0}, cards_{0};
  mutable std::mutex mu_;
  std::set<std::string> created_, conflicted_;
  std::vector<std::string> unexpected_;
  std::map<int, int> failures_;
  std::vector<std::thread> threads_;
};

// Polls `check` every 20 ms until it returns true or `limit` passes.
template <typename Check>
bool eventually(Check check, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (check()) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace khe::deploy::testing
