// The deployment tests' harness itself: a real PostgreSQL that keeps its data across a
// restart and a crash, and a real nginx that keeps answering when a `khe serve` replica
// behind it dies. If these fail, the multi-centre tests built on them mean nothing.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "support/http_client.h"
#include "support/nginx_server.h"
#include "support/postgres_server.h"
#include "support/process.h"
#include "support/server_process.h"

namespace khe::test_support {
namespace {

TEST(DeployHarness, PostgresAnswersAndKeepsDataAcrossRestartAndCrash) {
  if (!postgres_available()) GTEST_SKIP() << "PostgreSQL 15 is not installed";
  std::string why;
  auto pg = PostgresServer::start(&why);
  ASSERT_TRUE(pg) << why;
  EXPECT_EQ(pg->url(), "postgresql://khe@127.0.0.1:" + std::to_string(pg->port()) + "/khe");

  const RunResult one = pg->psql("SELECT 1");
  ASSERT_EQ(one.status, 0) << one.err;
  EXPECT_EQ(one.out, "1\n");
  const RunResult where = pg->psql("SHOW data_directory");
  EXPECT_EQ(where.out, pg->data_dir() + "\n") << where.err;
  const RunResult bad = pg->psql("SELECT * FROM no_such_table");
  EXPECT_NE(bad.status, 0);
  EXPECT_NE(bad.err.find("no_such_table"), std::string::npos) << bad.err;

  const RunResult created =
      pg->psql("CREATE TABLE t (id int PRIMARY KEY, name text); INSERT INTO t VALUES (1, 'Zoë')");
  ASSERT_EQ(created.status, 0) << created.err;

  const std::uint16_t port = pg->port();
  ASSERT_TRUE(pg->restart(&why)) << why;
  EXPECT_EQ(pg->port(), port);  // clients keep their URL
  RunResult rows = pg->psql("SELECT id, name FROM t");
  EXPECT_EQ(rows.out, "1|Zoë\n") << rows.err;

  // A committed row survives a crash (WAL replay at the next start).
  ASSERT_EQ(pg->psql("INSERT INTO t VALUES (2, 'after restart')").status, 0);
  pg->kill9();
  EXPECT_FALSE(pg->running());
  ASSERT_TRUE(pg->restart(&why)) << why;
  rows = pg->psql("SELECT id FROM t ORDER BY id");
  EXPECT_EQ(rows.out, "1\n2\n") << rows.err << pg->log_text();

  EXPECT_TRUE(pg->stop()) << pg->log_text();
  EXPECT_FALSE(pg->running());
}

TEST(DeployHarness, NginxConfigNamesEveryReplicaAndRejectsOtherUrls) {
  const std::string conf =
      nginx_config("/x", 8081, {"http://127.0.0.1:9001", "http://127.0.0.1:9002/"});
  EXPECT_NE(conf.find("server 127.0.0.1:9001 max_fails=1"), std::string::npos) << conf;
  EXPECT_NE(conf.find("server 127.0.0.1:9002 max_fails=1"), std::string::npos) << conf;
  EXPECT_NE(conf.find("listen 127.0.0.1:8081;"), std::string::npos) << conf;
  // A POST that reached a replica is never sent to another: the replica may have used the
  // hook call's token (a second replica would refuse it as a replay) or stored the write.
  EXPECT_NE(conf.find("proxy_next_upstream error timeout http_502 http_503;"), std::string::npos)
      << conf;
  EXPECT_EQ(conf.find("non_idempotent;"), std::string::npos) << conf;
  EXPECT_THROW(nginx_config("/x", 8081, {"https://127.0.0.1:9001"}), std::invalid_argument);
  EXPECT_THROW(nginx_config("/x", 8081, {"http://127.0.0.1:9001/api"}), std::invalid_argument);
}

TEST(DeployHarness, NginxRoutesAroundADeadReplica) {
  const std::string dir = make_temp_dir("deploy_harness");
  std::string why;
  auto a = ServerProcess::start({"--db", dir + "/a.db", "--insecure-no-auth", "--quiet"}, &why);
  ASSERT_TRUE(a) << why;
  auto b = ServerProcess::start({"--db", dir + "/b.db", "--insecure-no-auth", "--quiet"}, &why);
  ASSERT_TRUE(b) << why;
  auto balancer = NginxServer::start({a->url(), b->url()}, &why);
  ASSERT_TRUE(balancer) << why;
  EXPECT_EQ(balancer->url(), "http://127.0.0.1:" + std::to_string(balancer->port()));

  for (int i = 0; i < 4; ++i) {
    const HttpReply r = http_call(balancer->port(), "GET", "/healthz");
    ASSERT_EQ(r.status, 200) << i << ": " << r.error << r.body << balancer->error_log();
    EXPECT_NE(r.body.find("ok"), std::string::npos) << r.body;
  }

  a->kill9();
  for (int i = 0; i < 20; ++i) {
    const HttpReply r = http_call(balancer->port(), "GET", "/healthz");
    EXPECT_EQ(r.status, 200) << i << ": " << r.error << r.body << balancer->error_log();
  }
  // The dead replica was tried and routed around, not just never chosen.
  EXPECT_NE(balancer->error_log().find("failed"), std::string::npos) << balancer->error_log();

  EXPECT_TRUE(balancer->stop()) << balancer->error_log();
  EXPECT_FALSE(balancer->running());
}

}  // namespace
}  // namespace khe::test_support
