#include "deploy/deployment.h"

#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "serve/serve_fixture.h"
#include "support/daemon.h"
#include "support/token_forge.h"

namespace khe::deploy::testing {
namespace {

namespace forge = khe::auth::testing;
namespace serve_testing = khe::serve::testing;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr const char* kNginx = "/usr/sbin/nginx";

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

std::string deployment_unavailable() {
  if (!test_support::postgres_available()) {
    return "PostgreSQL 15 is not installed (no initdb): the deployment tests need it";
  }
  if (::access(kNginx, X_OK) != 0) {
    return std::string("nginx is not installed (") + kNginx + "): the deployment tests need it";
  }
  return {};
}

std::unique_ptr<Deployment> Deployment::start(std::string* why, int replicas,
                                              const std::vector<std::string>& extra_args) {
  std::unique_ptr<Deployment> d(new Deployment());
  d->dir_ = test_support::make_temp_dir("deploy");
  const std::string jwks = d->dir_ + "/jwks.json";
  test_support::write_file(
      jwks, forge::jwks_text(json::array(
                {forge::public_jwk(forge::ec_key()), forge::public_jwk(forge::rsa_key())})));
  d->postgres_ = PostgresServer::start(why);
  if (!d->postgres_) return nullptr;

  for (int attempt = 0; attempt < 3; ++attempt) {
    const std::uint16_t port = test_support::free_loopback_port();
    if (port == 0) {
      *why = "no free port on 127.0.0.1";
      return nullptr;
    }
    d->url_ = "http://127.0.0.1:" + std::to_string(port);
    d->replicas_.clear();  // a previous attempt's (SIGKILL)
    std::vector<std::string> upstreams;
    for (int i = 0; i < replicas; ++i) {
      std::vector<std::string> args{"--db",          d->postgres_->url(),
                                    "--jwks",        jwks,
                                    "--issuer",      serve_testing::kIssuer,
                                    "--cors-origin", serve_testing::kOrigin,
                                    "--public-url",  d->url_};
      args.insert(args.end(), extra_args.begin(), extra_args.end());
      auto replica = ServerProcess::start(args, why);
      if (!replica) {
        *why = "replica " + std::to_string(i) + ": " + *why;
        return nullptr;
      }
      upstreams.push_back(replica->url());
      d->replicas_.push_back(std::move(replica));
    }
    d->nginx_ = NginxServer::start(upstreams, why, port);
    if (d->nginx_) return d;
    if (!contains(*why, "Address already in use")) return nullptr;
  }
  *why = "nginx could not bind the port chosen for it in 3 attempts: " + *why;
  return nullptr;
}

Deployment::~Deployment() {
  nginx_.reset();
  replicas_.clear();
  postgres_.reset();
}

test_support::RunResult Deployment::audit_verify() const {
  return test_support::run_binary({"audit", "verify", "--db", db()});
}

void Deployment::stop_and_verify() {
  for (std::size_t i = 0; i < replicas_.size(); ++i) {
    if (replicas_[i]->pid() <= 0) continue;  // killed or stopped by the test
    EXPECT_EQ(replicas_[i]->terminate(), 0)
        << "replica " << i << " must drain and exit 0 on SIGTERM; its log:\n"
        << replicas_[i]->stderr_text();
  }
  if (nginx_) {
    EXPECT_TRUE(nginx_->stop()) << nginx_->error_log();
  }
  const auto verify = audit_verify();
  EXPECT_EQ(verify.status, 0) << verify.out << verify.err;
  EXPECT_TRUE(contains(verify.out, "chain intact")) << verify.out << verify.err;
}

// ---- clients --------------------------------------------------------------------------

std::string fresh_token(const std::string& public_url, const std::string& path) {
  return serve_testing::bearer(serve_testing::claims_for(public_url, path));
}

json discover(std::uint16_t port, const std::string& public_url) {
  const HttpReply d = test_support::http_call(
      port, "GET", "/cds-services", {{"Authorization", fresh_token(public_url, "/cds-services")}});
  if (d.status != 200) return nullptr;
  return json::parse(d.body, nullptr, false);
}

std::string patient_view_service(const json& discovery) {
  for (const auto& s : discovery.at("services")) {
    if (s.at("hook") == "patient-view") return s.at("id");
  }
  return {};
}

json patient_view_request(const json& discovery) {
  const json bundle =
      serve_testing::example_bundle("ex01-khe-severe-kmp.json", "2026-08-03T12:00:00Z");
  return serve_testing::hook_request(discovery, patient_view_service(discovery), "patient-view",
                                     bundle);
}

HttpReply call_hook(std::uint16_t port, const std::string& public_url, const std::string& service,
                    const json& request, std::chrono::milliseconds timeout) {
  const std::string path = "/cds-services/" + service;
  return test_support::http_call(
      port, "POST", path,
      {{"Content-Type", "application/json"}, {"Authorization", fresh_token(public_url, path)}},
      request.dump(), timeout);
}

HttpReply create_patient(std::uint16_t port, const std::string& id,
                         std::chrono::milliseconds timeout) {
  const json patient{{"resourceType", "Patient"}, {"id", id}, {"birthDate", "2026-09-01"}};
  return test_support::http_call(port, "POST", "/api/patients",
                                 {{"Content-Type", "application/fhir+json"}}, patient.dump(),
                                 timeout);
}

int count_log_lines(const std::string& log, const std::vector<std::string>& parts) {
  int n = 0;
  std::size_t start = 0;
  while (start < log.size()) {
    std::size_t end = log.find('\n', start);
    if (end == std::string::npos) end = log.size();
    const std::string line = log.substr(start, end - start);
    bool all = true;
    for (const std::string& p : parts) all = all && contains(line, p);
    n += all ? 1 : 0;
    start = end + 1;
  }
  return n;
}

// ---- WriteStream ----------------------------------------------------------------------

WriteStream::WriteStream(std::uint16_t port, std::string public_url, std::string service,
                         json request, int threads, std::string id_prefix)
    : port_(port),
      url_(std::move(public_url)),
      service_(std::move(service)),
      request_(std::move(request)),
      prefix_(std::move(id_prefix)) {
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this, i] { run(i); });
}

WriteStream::~WriteStream() { stop(); }

void WriteStream::stop() {
  stop_ = true;
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
}

bool WriteStream::wait_for_acknowledged(int n, std::chrono::milliseconds limit) const {
  return eventually([&] { return acknowledged() >= n; }, limit);
}

bool WriteStream::wait_for_failures(int n, std::chrono::milliseconds limit) const {
  return eventually([&] { return failed_tries() >= n; }, limit);
}

std::map<int, int> WriteStream::failures_by_status() const {
  std::lock_guard lock(mu_);
  return failures_;
}

template <typename Send, typename Done>
bool WriteStream::until_acknowledged(Send send, Done done) {
  bool failed_before = false;
  while (!stop_.load()) {
    const HttpReply r = send();
    if (r.status == 0 || r.status >= 500) {
      ++failed_;
      {
        std::lock_guard lock(mu_);
        ++failures_[r.status];
      }
      failed_before = true;
      // A short pause (not a synchronisation: the next try is the same either way), so a
      // database outage is not a busy loop.
      std::this_thread::sleep_for(milliseconds(20));
      continue;
    }
    return done(r, failed_before);
  }
  return false;
}

void WriteStream::run(int thread) {
  for (int n = 0; !stop_.load(); ++n) {
    const std::string id = prefix_ + "-" + std::to_string(thread) + "-" + std::to_string(n);
    until_acknowledged(
        [&] { return create_patient(port_, id); },
        [&](const HttpReply& r, bool failed_before) {
          std::lock_guard lock(mu_);
          if (r.status == 201) {
            created_.insert(id);
            ++acknowledged_;
            return true;
          }
          if (r.status == 409 && failed_before) {
            conflicted_.insert(id);
            return true;
          }
          unexpected_.push_back("create " + id + ": " + std::to_string(r.status) + " " + r.body);
          return false;
        });
    until_acknowledged(
        [&] { return call_hook(port_, url_, service_, request_); },
        [&](const HttpReply& r, bool) {
          if (r.status == 200) {
            ++cards_;
            ++acknowledged_;
            return true;
          }
          std::lock_guard lock(mu_);
          unexpected_.push_back("hook call: " + std::to_string(r.status) + " " + r.body);
          return false;
        });
  }
}

}  // namespace khe::deploy::testing
