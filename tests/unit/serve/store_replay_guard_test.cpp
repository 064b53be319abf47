// The replay cache `khe serve` uses on a shared (PostgreSQL) store, exercised here on the
// SQLite backend through the same Store interface: fresh, replayed, expired and reusable,
// and fail-closed when the store refuses the write.
#include "serve/store_replay_guard.h"

#include <gtest/gtest.h>

#include "support/process.h"

namespace khe::serve {
namespace {

using Verdict = auth::ReplayGuard::Verdict;
using namespace std::string_view_literals;

Instant at(std::int64_t seconds) { return Instant(Seconds(1'785'000'000 + seconds)); }

TEST(StoreReplayGuard, RemembersUntilExpiryAcrossGuardsOfTheSameStore) {
  const std::string db = test_support::make_temp_dir("replay_guard") + "/khe.db";
  auto store = store::Store::open(db);
  ASSERT_TRUE(store) << store.error().to_string();
  StoreReplayGuard a(**store), b(**store);
  EXPECT_EQ(a.remember("iss\0jti-1"sv, at(300), at(0)), Verdict::fresh);
  EXPECT_EQ(b.remember("iss\0jti-1"sv, at(300), at(10)), Verdict::replayed);
  EXPECT_EQ(b.remember("iss\0jti-2"sv, at(300), at(10)), Verdict::fresh);
  // Once the first use has expired the id may be used again (the token itself could not be
  // accepted any more: a new token reusing a jti).
  EXPECT_EQ(a.remember("iss\0jti-1"sv, at(900), at(301)), Verdict::fresh);
  EXPECT_EQ(a.remember("iss\0jti-1"sv, at(900), at(302)), Verdict::replayed);
  // Already past its expiry: nothing to remember, and nothing stored.
  EXPECT_EQ(a.remember("iss\0jti-3"sv, at(5), at(6)), Verdict::fresh);
  EXPECT_EQ(a.remember("iss\0jti-3"sv, at(500), at(7)), Verdict::fresh);
}

TEST(StoreReplayGuard, StoreFailureIsUnavailableNotFresh) {
  const std::string db = test_support::make_temp_dir("replay_guard_ro") + "/khe.db";
  ASSERT_TRUE(store::Store::open(db));
  auto read_only = store::Store::open(db, {.create_if_missing = false, .read_only = true});
  ASSERT_TRUE(read_only) << read_only.error().to_string();
  StoreReplayGuard guard(**read_only);
  EXPECT_EQ(guard.remember("iss\0jti-1"sv, at(300), at(0)), Verdict::unavailable);
}

}  // namespace
}  // namespace khe::serve
