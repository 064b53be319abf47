// The CDS Hooks conformance suite (cds_conformance_suite.h) against one `khe serve` on a
// SQLite file, plus what only a single process shows: the answers of khe's own HTTP parser
// (behind a balancer, nginx parses the request first and answers those itself).
#include <gtest/gtest.h>

#include "serve/cds_conformance_suite.h"

namespace khe::serve {
namespace {

class SqliteServer final : public CdsEnvironment {
 public:
  static std::unique_ptr<CdsEnvironment> start(std::string* why, bool* /*skip*/) {
    auto env = std::make_unique<SqliteServer>();
    env->server_ = start_server();
    if (!env->server_.process) {
      *why = "khe serve did not start";
      return nullptr;
    }
    return env;
  }
  std::uint16_t port() const override { return server_.process->port(); }
  std::string url() const override { return server_.process->url(); }
  std::string db() const override { return server_.db; }
  void stop_and_verify() override {
    EXPECT_EQ(server_.process->terminate(), 0) << "SIGTERM must drain and exit 0";
    const auto verify = test_support::run_binary({"audit", "verify", "--db", server_.db});
    EXPECT_EQ(verify.status, 0) << verify.out << verify.err;
  }

 private:
  Server server_;
};

INSTANTIATE_TEST_SUITE_P(SingleServer, CdsConformance,
                         ::testing::Values(CdsTarget{"Sqlite", &SqliteServer::start}), target_name);

// Single-server only: malformed HTTP and an oversized header block are answered by the
// first HTTP parser on the way, which behind a balancer is nginx's (400 for both).
TEST_P(CdsConformance, MalformedHttpGetsTheRight4xxAndTheServerKeepsServing) {
  EXPECT_EQ(test_support::raw_exchange(port(), "HELLO\r\n\r\n").rfind("HTTP/1.1 400", 0), 0u);
  // A header block over 16 KB.
  const std::string huge =
      "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(17000, 'a') + "\r\n\r\n";
  EXPECT_EQ(test_support::raw_exchange(port(), huge).rfind("HTTP/1.1 431", 0), 0u);
  // Still serving.
  EXPECT_EQ(http_call(port(), "GET", "/healthz").status, 200);
}

}  // namespace
}  // namespace khe::serve
