// `khe serve` as a child process on loopback, for the tests that talk to a real server
// (CDS conformance, crash consistency, the browser test's harness in C++ form).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace khe::test_support {

class ServerProcess {
 public:
  // Runs `khe serve --port 0 <args>` (KHE_BINARY) with stderr captured to a file, and waits
  // (up to 20 s) for its "khe serve: listening on URL" line. nullptr when it exits or times
  // out first; `why` then says what happened (with the server's stderr).
  static std::unique_ptr<ServerProcess> start(const std::vector<std::string>& args,
                                              std::string* why = nullptr);
  ~ServerProcess();  // SIGKILL if still running
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  const std::string& url() const { return url_; }  // "http://127.0.0.1:PORT"
  std::uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }

  // SIGTERM, then waits (up to 30 s; SIGKILL after). The exit status, or -1 when killed.
  int terminate();
  // SIGKILL and reap: a crash.
  void kill9();
  // What the server wrote on standard error so far.
  std::string stderr_text() const;

 private:
  ServerProcess() = default;
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string url_;
  std::uint16_t port_ = 0;
  std::string stderr_path_;
};

}  // namespace khe::test_support
