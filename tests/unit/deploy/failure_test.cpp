// Failures of a multi-centre deployment (nginx, two `khe serve` replicas, one PostgreSQL)
// under a stream of writes from several clients: a replica killed with SIGKILL, PostgreSQL
// restarted, a replica stopped with SIGTERM while requests are in flight. In each case no
// write the deployment acknowledged is lost, the audit chain stays intact, and the
// balancer keeps serving. Clients retry what failed (a hook call with a new token: the
// balancer never sends a POST that reached a replica to another, see nginx_config).
#include <sys/types.h>

#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "deploy/deployment.h"
#include "http/message.h"
#include "http/server.h"
#include "support/daemon.h"

namespace khe::deploy::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using test_support::http_call;
using Clock = std::chrono::steady_clock;

constexpr int kWriters = 4;
// Consecutive requests that must each succeed at the first try once a failure is over.
constexpr int kRun = 30;

std::string describe(const std::map<int, int>& failures) {
  std::ostringstream out;
  for (const auto& [status, n] : failures) out << " " << status << "×" << n;
  return failures.empty() ? " none" : out.str();
}

// The ids in the patients table.
std::set<std::string> stored_patients(PostgresServer& pg) {
  const auto rows = pg.psql("SELECT id FROM patients");
  EXPECT_EQ(rows.status, 0) << rows.err;
  std::set<std::string> ids;
  std::istringstream lines(rows.out);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) ids.insert(line);
  }
  return ids;
}

long count(PostgresServer& pg, const std::string& sql) {
  const auto r = pg.psql(sql);
  EXPECT_EQ(r.status, 0) << sql << ": " << r.err;
  return r.status == 0 ? std::stol(r.out) : -1;
}

// Every write the stream saw acknowledged is stored, each patient with its audit entry (the
// row and the entry commit in one transaction), and every card sent has its audit entry.
void expect_acknowledged_writes_stored(Deployment& d, const WriteStream& stream) {
  const std::set<std::string> stored = stored_patients(d.postgres());
  for (const std::string& id : stream.patients_created()) {
    EXPECT_TRUE(stored.count(id)) << "acknowledged (201) but not stored: " << id;
  }
  for (const std::string& id : stream.patients_stored_by_a_failed_try()) {
    EXPECT_TRUE(stored.count(id)) << "409 after a failed try, yet not stored: " << id;
  }
  EXPECT_EQ(count(d.postgres(), "SELECT count(*) FROM audit WHERE kind = 'write'"),
            static_cast<long>(stored.size()))
      << "one write audit entry per stored patient";
  EXPECT_GE(count(d.postgres(), "SELECT count(*) FROM audit WHERE kind = 'card'"), stream.cards())
      << "every card sent has its audit entry";
  for (const std::string& u : stream.unexpected()) ADD_FAILURE() << "unexpected answer: " << u;
}

// kRun requests through the balancer (patients created, hook calls), each of which must
// succeed at its first try.
void expect_a_run_of_successes(Deployment& d, const std::string& service, const json& request,
                               const std::string& id_prefix) {
  for (int i = 0; i < kRun; ++i) {
    SCOPED_TRACE(i);
    const HttpReply created = create_patient(d.port(), id_prefix + "-" + std::to_string(i));
    ASSERT_EQ(created.status, 201) << created.error << created.body << d.nginx().error_log();
    const HttpReply card = call_hook(d.port(), d.url(), service, request);
    ASSERT_EQ(card.status, 200) << card.error << card.body << d.nginx().error_log();
  }
}

std::string tail(const std::string& text, std::size_t n = 4000) {
  return text.size() <= n ? text : text.substr(text.size() - n);
}

HttpReply readyz(std::uint16_t port) {
  return http_call(port, "GET", "/readyz", {}, {}, seconds(10));
}

class DeployFailure : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string no = deployment_unavailable(); !no.empty()) GTEST_SKIP() << no;
    std::string why;
    d_ = Deployment::start(&why);
    ASSERT_TRUE(d_) << why;
    const json discovery = discover(d_->port(), d_->url());
    ASSERT_TRUE(discovery.is_object()) << "discovery through nginx failed";
    service_ = patient_view_service(discovery);
    request_ = patient_view_request(discovery);
    discovery_ = discovery;
  }

  std::unique_ptr<Deployment> d_;
  std::string service_;
  json request_, discovery_;
};

TEST_F(DeployFailure, Kill9OfAReplicaDuringWritesLosesNoAcknowledgedWrite) {
  Deployment& d = *d_;
  WriteStream stream(d.port(), d.url(), service_, request_, kWriters, "kill");
  ASSERT_TRUE(stream.wait_for_acknowledged(40, seconds(30))) << stream.acknowledged();
  // Replica A has been taking writes (round robin), and is killed in the middle of them.
  ASSERT_GT(count_log_lines(d.replica(0).stderr_text(),
                            {R"("route":"/api/patients")", R"("status":201)"}),
            0);
  const int acknowledged_before = stream.acknowledged();
  d.replica(0).kill9();
  // The writers go on through the other replica, while nginx, once the dead replica's
  // time out (fail_timeout) is over, tries it again, finds it refusing connections and
  // passes the request to the other.
  EXPECT_TRUE(eventually(
      [&] { return d.nginx().error_log().find("connect() failed") != std::string::npos; },
      seconds(15)))
      << d.nginx().error_log();
  EXPECT_TRUE(stream.wait_for_acknowledged(acknowledged_before + 60, seconds(30)))
      << stream.acknowledged();
  stream.stop();
  std::printf("[ info     ] acknowledged %d writes (%d before the kill); failed tries:%s\n",
              stream.acknowledged(), acknowledged_before,
              describe(stream.failures_by_status()).c_str());

  // The balancer keeps serving: from now on every request succeeds at its first try.
  expect_a_run_of_successes(d, service_, request_, "kill-after");

  expect_acknowledged_writes_stored(d, stream);
  d.stop_and_verify();  // B drains and exits 0; the chain is intact
}

TEST_F(DeployFailure, PostgresRestartDuringWritesRecoversWithoutRestartingAReplica) {
  Deployment& d = *d_;
  const std::uint16_t replica_ports[2] = {d.replica(0).port(), d.replica(1).port()};
  const pid_t replica_pids[2] = {d.replica(0).pid(), d.replica(1).pid()};
  WriteStream stream(d.port(), d.url(), service_, request_, kWriters, "pg");
  ASSERT_TRUE(stream.wait_for_acknowledged(40, seconds(30))) << stream.acknowledged();

  // 1. PostgreSQL stops. Neither replica is ready any more, and writes fail (the clients
  //    retry them).
  const int failed_before = stream.failed_tries();
  ASSERT_TRUE(d.postgres().stop()) << d.postgres().log_text();
  for (int i = 0; i < 2; ++i) {
    SCOPED_TRACE(i);
    HttpReply last;
    EXPECT_TRUE(eventually(
        [&] {
          last = readyz(replica_ports[i]);
          return last.status == 503;
        },
        seconds(15)))
        << "readyz during the outage: " << last.status << " " << last.body;
    EXPECT_NE(last.body.find("store_unavailable"), std::string::npos) << last.body;
    EXPECT_EQ(http_call(replica_ports[i], "GET", "/healthz").status, 200) << "alive all along";
    // A hook call cannot have its token checked against the replay table: refused with
    // 503 and Retry-After (fail closed, not the caller's fault), never answered unchecked.
    const HttpReply hook = call_hook(replica_ports[i], d.url(), service_, request_);
    EXPECT_EQ(hook.status, 503) << hook.error << hook.body;
    EXPECT_EQ(hook.header("retry-after"), "1");
    EXPECT_NE(hook.body.find("could not be checked"), std::string::npos) << hook.body;
  }
  EXPECT_TRUE(stream.wait_for_failures(failed_before + 2 * kWriters, seconds(15)))
      << "writes fail while the database is down: " << stream.failed_tries();

  // 2. PostgreSQL is back on the same port and data: within 30 s writes succeed again,
  //    without restarting anything, and both replicas are ready.
  ASSERT_TRUE(d.postgres().restart()) << d.postgres().log_text();
  auto back = Clock::now();
  int acknowledged = stream.acknowledged();
  ASSERT_TRUE(stream.wait_for_acknowledged(acknowledged + 1, seconds(30)))
      << "no write acknowledged within 30 s of PostgreSQL's return";
  const auto recovery = std::chrono::duration_cast<milliseconds>(Clock::now() - back);
  EXPECT_TRUE(stream.wait_for_acknowledged(acknowledged + 40, seconds(30)));
  for (int i = 0; i < 2; ++i) {
    const HttpReply r = readyz(replica_ports[i]);
    EXPECT_EQ(r.status, 200) << "replica " << i << " after recovery: " << r.body;
    EXPECT_EQ(r.body, R"({"status":"ready"})");
  }

  // 3. The same with no pause at all: restart() stops and starts at once, under the stream.
  acknowledged = stream.acknowledged();
  ASSERT_TRUE(d.postgres().restart()) << d.postgres().log_text();
  back = Clock::now();
  ASSERT_TRUE(stream.wait_for_acknowledged(acknowledged + 40, seconds(30)))
      << "writes did not resume within 30 s of a restart";
  const auto recovery2 = std::chrono::duration_cast<milliseconds>(Clock::now() - back);
  stream.stop();
  std::printf(
      "[ info     ] acknowledged %d writes; first write %lld ms after PostgreSQL's return, 40 "
      "writes %lld ms after the restart; failed tries:%s\n",
      stream.acknowledged(), static_cast<long long>(recovery.count()),
      static_cast<long long>(recovery2.count()), describe(stream.failures_by_status()).c_str());

  // 4. A restart between requests costs no request an error: the replicas' pooled
  //    connections are dead, and a call that finds its connection dead before its first
  //    statement is retried on a new one (store/postgres_backend.cpp).
  ASSERT_TRUE(d.postgres().restart()) << d.postgres().log_text();
  for (int i = 0; i < 2; ++i) {
    const HttpReply r = readyz(replica_ports[i]);
    EXPECT_EQ(r.status, 200) << "replica " << i << ", first request after a restart: " << r.body
                             << "\n"
                             << tail(d.replica(i).stderr_text());
  }
  expect_a_run_of_successes(d, service_, request_, "pg-after");

  // The replicas were never restarted (nor did they exit).
  for (int i = 0; i < 2; ++i) {
    int status = 0;
    EXPECT_FALSE(test_support::child_exited(replica_pids[i], &status)) << "replica " << i;
  }
  expect_acknowledged_writes_stored(d, stream);
  d.stop_and_verify();
}

// A FHIR server in this process that holds every request until open(): the hook calls that
// must fetch from it stay in flight at their replica as long as the test wants. Requests
// come as /fhir/<call>/<Type>[/<id>], so the server knows which calls are waiting.
class GatedFhirServer {
 public:
  explicit GatedFhirServer(json prefetch) : prefetch_(std::move(prefetch)) {
    auto started = http::Server::start({.host = "127.0.0.1", .port = 0, .workers = 64},
                                       [this](const http::Request& r) { return answer(r); });
    if (started.ok()) server_ = std::move(started).value();
  }
  ~GatedFhirServer() {
    open();
    server_.reset();
  }
  bool ok() const { return server_ != nullptr; }
  std::string base(int call) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + "/fhir/c" + std::to_string(call);
  }
  // Waits until `n` different calls are held.
  bool wait_for_calls(std::size_t n, std::chrono::milliseconds limit) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, limit, [&] { return calls_.size() >= n; });
  }
  void open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  http::Response answer(const http::Request& r) {
    std::string rest = r.path.substr(std::string("/fhir/").size());
    const std::string call = rest.substr(0, rest.find('/'));
    rest = rest.substr(rest.find('/') + 1);  // Type[/id]
    {
      std::unique_lock lock(mu_);
      calls_.insert(call);
      cv_.notify_all();
      // Bounded: a test that fails before open() must not hang its replicas' drain.
      cv_.wait_for(lock, seconds(20), [&] { return open_; });
    }
    const std::string type = rest.substr(0, rest.find('/'));
    json out;
    if (type == "Patient") {
      for (const auto& [k, v] : prefetch_.items()) {
        if (v.value("resourceType", "") == "Patient") out = v;
      }
    } else {
      out = {{"resourceType", "Bundle"}, {"type", "searchset"}, {"entry", json::array()}};
      for (const auto& [k, v] : prefetch_.items()) {
        if (v.value("resourceType", "") != "Bundle") continue;
        for (const auto& e : v["entry"]) {
          if (e["resource"]["resourceType"] == type) out["entry"].push_back(e);
        }
      }
      out["total"] = out["entry"].size();
    }
    http::Response res = http::json_response(200, out.dump());
    res.content_type = "application/fhir+json";
    return res;
  }

  const json prefetch_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::set<std::string> calls_;
  bool open_ = false;
  std::unique_ptr<http::Server> server_;
};

TEST_F(DeployFailure, SigtermDrainsTheRequestsInFlightWhileTheOtherReplicaServes) {
  Deployment& d = *d_;
  GatedFhirServer fhir(request_["prefetch"]);
  ASSERT_TRUE(fhir.ok());
  const std::uint16_t port_a = d.replica(0).port();

  // Hook calls without prefetch: each is held at its replica, fetching from the gated FHIR
  // server. Round robin spreads them over both replicas.
  constexpr int kInFlight = 8;
  std::vector<HttpReply> held(kInFlight);
  std::vector<std::thread> callers;
  for (int i = 0; i < kInFlight; ++i) {
    json request = request_;
    request.erase("prefetch");
    request["fhirServer"] = fhir.base(i);
    request["fhirAuthorization"] = {{"access_token", "fhir-token-123"},
                                    {"token_type", "Bearer"},
                                    {"expires_in", 300},
                                    {"scope", "patient/*.read"},
                                    {"subject", "khe-cds"}};
    callers.emplace_back([&, i, request] {
      held[i] = call_hook(d.port(), d.url(), service_, request, seconds(30));
    });
  }
  const bool all_held = fhir.wait_for_calls(kInFlight, seconds(20));
  int exit_status = -2;
  std::thread stopper;
  if (all_held) {
    // SIGTERM to A (terminate() waits for the exit, on its own thread). Once A's listener
    // is closed it is draining.
    stopper = std::thread([&] { exit_status = d.replica(0).terminate(); });
    EXPECT_TRUE(eventually([&] { return !test_support::accepts_tcp(port_a); }, seconds(10)))
        << "replica A still accepts connections after SIGTERM";
    // Meanwhile the balancer serves every new request from B.
    for (int i = 0; i < 10; ++i) {
      const HttpReply r = call_hook(d.port(), d.url(), service_, request_);
      EXPECT_EQ(r.status, 200) << "during the drain, " << i << ": " << r.error << r.body;
    }
  }
  fhir.open();
  for (std::thread& t : callers) t.join();
  if (stopper.joinable()) stopper.join();
  ASSERT_TRUE(all_held) << "the hook calls did not all reach the FHIR server";

  // Every call in flight at SIGTERM was answered, on both replicas.
  for (int i = 0; i < kInFlight; ++i) {
    EXPECT_EQ(held[i].status, 200) << i << ": " << held[i].error << held[i].body;
  }
  EXPECT_EQ(exit_status, 0) << "replica A must drain and exit 0";
  const std::string log_a = d.replica(0).stderr_text();
  const std::size_t draining = log_a.find(R"("event":"draining")");
  ASSERT_NE(draining, std::string::npos) << log_a;
  const int answered_in_drain = count_log_lines(
      log_a.substr(draining), {R"("route":"/cds-services/{id}")", R"("status":200)"});
  EXPECT_GT(answered_in_drain, 0) << "A had calls in flight at SIGTERM and answered them:\n"
                                  << log_a;
  std::printf("[ info     ] replica A answered %d held call(s) while draining\n",
              answered_in_drain);

  // After A is gone the balancer goes on serving from B.
  expect_a_run_of_successes(d, service_, request_, "drain-after");
  d.stop_and_verify();
}

}  // namespace
}  // namespace khe::deploy::testing
