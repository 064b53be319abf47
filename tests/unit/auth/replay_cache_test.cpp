// The replay cache on its own: remembering until `until`, eviction, capacity, threads.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "auth/replay_cache.h"

namespace khe::auth {
namespace {

Instant at(std::int64_t s) { return Instant(Seconds(s)); }

TEST(ReplayCache, AnIdIsAdmittedOnceUntilItsExpiry) {
  ReplayCache cache;
  EXPECT_TRUE(cache.check_and_remember("a", at(100), at(0)));
  EXPECT_FALSE(cache.check_and_remember("a", at(100), at(0)));
  EXPECT_FALSE(cache.check_and_remember("a", at(500), at(99)));  // a later `until` changes nothing
  EXPECT_TRUE(cache.check_and_remember("b", at(100), at(0)));
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.remember("a", at(100), at(50)), ReplayCache::Verdict::replayed);
}

TEST(ReplayCache, ExpiredEntriesAreEvictedOnTheNextCall) {
  ReplayCache cache;
  ASSERT_TRUE(cache.check_and_remember("a", at(100), at(0)));
  ASSERT_TRUE(cache.check_and_remember("b", at(200), at(0)));
  // At `until` itself the entry is gone.
  EXPECT_TRUE(cache.check_and_remember("c", at(300), at(100)));
  EXPECT_EQ(cache.size(), 2u);  // b, c
  EXPECT_TRUE(cache.check_and_remember("a", at(400), at(100)));
  EXPECT_FALSE(cache.check_and_remember("b", at(400), at(199)));
  EXPECT_TRUE(cache.check_and_remember("z", at(1000), at(300)));
  EXPECT_EQ(cache.size(), 2u);  // a (until 400), z
}

TEST(ReplayCache, AnAlreadyExpiredIdIsNotStored) {
  ReplayCache cache;
  EXPECT_TRUE(cache.check_and_remember("old", at(10), at(10)));
  EXPECT_EQ(cache.size(), 0u);
}

TEST(ReplayCache, FullOfLiveEntriesItRefusesRatherThanForgets) {
  ReplayCache cache(3);
  for (const char* id : {"a", "b", "c"}) EXPECT_TRUE(cache.check_and_remember(id, at(100), at(0)));
  EXPECT_EQ(cache.remember("d", at(100), at(1)), ReplayCache::Verdict::full);
  EXPECT_EQ(cache.remember("a", at(100), at(1)), ReplayCache::Verdict::replayed);
  // Once entries expire there is room again.
  EXPECT_EQ(cache.remember("d", at(300), at(100)), ReplayCache::Verdict::fresh);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(ReplayCache, MemoryStaysBoundedUnderAStreamOfTokens) {
  // One token a second, each living 60 s: never more than 60 live entries.
  ReplayCache cache;
  for (std::int64_t t = 0; t < 5000; ++t) {
    ASSERT_TRUE(cache.check_and_remember("jti-" + std::to_string(t), at(t + 60), at(t)));
    ASSERT_LE(cache.size(), 60u);
  }
}

TEST(ReplayCache, ConcurrentWorkersAdmitEachIdExactlyOnce) {
  ReplayCache cache;
  constexpr int kIds = 2000;
  constexpr int kThreads = 8;
  std::atomic<int> admitted{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < kThreads; ++w) {
    workers.emplace_back([&, w] {
      for (int i = 0; i < kIds; ++i) {
        const int id = (i + w * 97) % kIds;  // each worker in its own order
        if (cache.check_and_remember("id-" + std::to_string(id), at(1000), at(w))) ++admitted;
      }
    });
  }
  for (auto& t : workers) t.join();
  EXPECT_EQ(admitted.load(), kIds);
  EXPECT_EQ(cache.size(), static_cast<std::size_t>(kIds));
}

}  // namespace
}  // namespace khe::auth
