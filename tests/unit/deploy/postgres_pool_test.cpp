// The PostgreSQL store's connection pool across a restart of the database server, as every
// replica of a deployment lives through it: the pooled connections all die at once, and
// the next call must still succeed (store/postgres_backend.cpp: a call whose connection
// turns out dead before its first statement is retried on a new one). Here because it
// needs the deployment tests' PostgreSQL.
#include <chrono>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "deploy/deployment.h"
#include "store/store.h"

namespace khe::deploy::testing {
namespace {

using std::chrono::seconds;

store::AuditRecord record(int n) {
  store::AuditRecord r;
  r.time = Instant(std::chrono::seconds(1'800'000'000 + n));
  r.kind = "write";
  r.caller = "pool-test";
  return r;
}

long number(const test_support::RunResult& r) { return r.status == 0 ? std::stol(r.out) : -1; }

TEST(DeployStorePool, ARestartOfTheDatabaseCostsTheNextCallsNoError) {
  if (!test_support::postgres_available()) GTEST_SKIP() << "PostgreSQL 15 is not installed";
  std::string why;
  auto pg = PostgresServer::start(&why);
  ASSERT_TRUE(pg) << why;
  auto opened = store::Store::open(pg->url());
  ASSERT_TRUE(opened.ok()) << opened.error().to_string();
  store::Store& store = **opened;

  // Fill the pool: kCalls appends wait together behind a lock this test holds, each on a
  // connection of its own; once they are done the pool keeps them all, idle.
  constexpr int kCalls = 5;
  std::thread holder(
      [&] { pg->psql("BEGIN; LOCK TABLE audit IN EXCLUSIVE MODE; SELECT pg_sleep(60); COMMIT"); });
  ASSERT_TRUE(eventually(
      [&] {
        return number(pg->psql("SELECT count(*) FROM pg_locks WHERE relation = "
                               "'audit'::regclass AND mode = 'ExclusiveLock' AND granted")) == 1;
      },
      seconds(20)));
  std::vector<std::thread> callers;
  std::vector<int> appended(kCalls, 0);  // one element per thread
  for (int i = 0; i < kCalls; ++i) {
    callers.emplace_back([&, i] { appended[i] = store.append_audit(record(i)).ok(); });
  }
  const bool all_waiting = eventually(
      [&] {
        return number(pg->psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = "
                               "'khe' AND wait_event_type = 'Lock'")) == kCalls;
      },
      seconds(20));
  pg->psql(
      "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(60)%'"
      " AND pid <> pg_backend_pid()");
  holder.join();
  for (std::thread& t : callers) t.join();
  ASSERT_TRUE(all_waiting) << "the appends did not all wait for the lock";
  for (int i = 0; i < kCalls; ++i) EXPECT_TRUE(appended[i]) << i;

  // Every pooled connection dies with the restart; each next call succeeds.
  ASSERT_TRUE(pg->restart(&why)) << why;
  auto ping = store.ping();
  EXPECT_TRUE(ping.ok()) << ping.error().to_string();
  const Instant now(std::chrono::seconds(1'800'000'000));
  auto token = store.use_token("pool-test-token", now + std::chrono::seconds(60), now);
  ASSERT_TRUE(token.ok()) << token.error().to_string();
  EXPECT_TRUE(*token);
  auto appended_after = store.append_audit(record(kCalls));
  ASSERT_TRUE(appended_after.ok()) << appended_after.error().to_string();
  EXPECT_EQ(*appended_after, kCalls + 1);
  auto check = store.verify_audit();
  ASSERT_TRUE(check.ok()) << check.error().to_string();
  EXPECT_TRUE(check->intact()) << check->why;
}

}  // namespace
}  // namespace khe::deploy::testing
