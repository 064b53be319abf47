// nginx as the load balancer in front of several `khe serve` replicas, for the tests of a
// multi-centre deployment: a replica may die and the balancer must route around it.
// Each instance has its own folder and port, so test programs can run in parallel. When
// the test runs as root nginx runs as nobody:nogroup (see support/daemon.h).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "support/daemon.h"

namespace khe::test_support {

// The nginx.conf of a balancer listening on 127.0.0.1:`port` that spreads requests
// round-robin over `upstream_urls` ("http://HOST:PORT", as ServerProcess::url() gives),
// retrying a request once on another replica when one refuses, times out or answers
// 502/503 — a POST only when it had not reached the first replica (no `non_idempotent`:
// a hook call's token must not be presented twice, see nginx_config's comments); a
// replica that fails is left out for 2 s. Every file nginx writes (pid, error
// log, temp files) is inside `dir`. The master runs in the foreground (daemon off) as a
// child of the test. Throws std::invalid_argument for a URL that is not "http://...".
// Public so the deployment guide can show the same configuration.
std::string nginx_config(const std::string& dir, std::uint16_t port,
                         const std::vector<std::string>& upstream_urls);

class NginxServer {
 public:
  // Writes nginx_config() into a fresh folder, starts nginx on a free port (another one
  // when the port is taken meanwhile) and waits (up to 20 s) until it accepts TCP
  // connections. nullptr on failure, `why` then says what happened (with the error log).
  // A non-zero `port` is used as it is, with no second try: for replicas that must know
  // the balancer's URL before it starts (their --public-url), the caller picks the port
  // (free_loopback_port()) and starts everything again on another when this fails.
  static std::unique_ptr<NginxServer> start(const std::vector<std::string>& upstream_urls,
                                            std::string* why = nullptr, std::uint16_t port = 0);
  // stop(). The folder is removed unless the current test failed.
  ~NginxServer();
  NginxServer(const NginxServer&) = delete;
  NginxServer& operator=(const NginxServer&) = delete;

  std::string url() const;  // "http://127.0.0.1:PORT"
  std::uint16_t port() const { return port_; }
  bool running() const { return pid_ > 0; }

  // Graceful shutdown (SIGQUIT: requests in progress finish). True when the master exited
  // 0 within 10 s; otherwise it is SIGKILLed with its workers and the result is false.
  // True when not running.
  bool stop();
  // The error log so far (failed upstreams show here: "connect() failed ...").
  std::string error_log() const;

 private:
  NginxServer() = default;
  bool ready() const;

  ServerAccount account_;
  std::string dir_;  // owned by account_; nginx.conf, nginx.pid, error.log, temp folders
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;  // the master, our child; -1 when not running
};

}  // namespace khe::test_support
