// The audit writer's group commit, in-process on a temporary store: every caller gets its
// own sequence number once its batch committed, asynchronously or blocking; a bad record
// fails alone, at once; a stopping writer commits what it holds.
#include "serve/audit_writer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <future>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "core/time.h"
#include "support/process.h"

namespace khe::serve {
namespace {

store::AuditRecord card(int i) {
  store::AuditRecord r;
  r.time = parse_fhir_datetime("2026-08-03T12:00:00Z")->start + std::chrono::seconds(i);
  r.kind = "card";
  r.caller = "https://ehr.example.org test";
  r.patient_id = "p" + std::to_string(i);
  r.knowledge_version = "k";
  r.profile = "default";
  return r;
}

std::unique_ptr<store::Store> open_store(const std::string& name) {
  auto s = store::Store::open(test_support::make_temp_dir(name) + "/khe.db");
  if (!s) ADD_FAILURE() << s.error().to_string();
  return s ? std::move(s).value() : nullptr;
}

TEST(AuditWriter, AsynchronousAppendsFromManyThreadsGetDistinctSequenceNumbers) {
  auto store = open_store("audit-writer-async");
  ASSERT_TRUE(store);
  std::mutex mu;
  std::vector<std::int64_t> seqs;
  std::vector<std::thread::id> callback_threads;
  constexpr int kThreads = 8, kEach = 50;
  {
    AuditWriter writer(*store, 16);
    std::vector<std::thread> threads;
    std::vector<std::promise<void>> done(kThreads * kEach);
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kEach; ++i) {
          const int n = t * kEach + i;
          writer.append(card(n), [&, n](Result<std::int64_t> r) {
            std::lock_guard lock(mu);
            EXPECT_TRUE(r) << r.error().to_string();
            if (r) seqs.push_back(*r);
            callback_threads.push_back(std::this_thread::get_id());
            done[static_cast<std::size_t>(n)].set_value();
          });
        }
      });
    }
    for (auto& t : threads) t.join();
    for (auto& d : done) d.get_future().wait();
  }
  ASSERT_EQ(seqs.size(), static_cast<std::size_t>(kThreads * kEach));
  std::sort(seqs.begin(), seqs.end());
  for (std::size_t i = 0; i < seqs.size(); ++i)
    EXPECT_EQ(seqs[i], static_cast<std::int64_t>(i + 1));
  // Callbacks run on the writer's thread, not on the callers'.
  EXPECT_EQ(std::set<std::thread::id>(callback_threads.begin(), callback_threads.end()).size(), 1u);
  auto check = store->verify_audit();
  ASSERT_TRUE(check);
  EXPECT_TRUE(check->intact());
  EXPECT_EQ(check->entries, kThreads * kEach);
}

TEST(AuditWriter, AnInvalidRecordFailsAtOnceOnTheCallersThreadAndAloneInItsBatch) {
  auto store = open_store("audit-writer-invalid");
  ASSERT_TRUE(store);
  AuditWriter writer(*store);
  store::AuditRecord bad = card(1);
  bad.kind = "not-a-kind";
  bool called = false;
  std::thread::id where;
  writer.append(bad, [&](Result<std::int64_t> r) {
    called = true;
    where = std::this_thread::get_id();
    EXPECT_FALSE(r);
  });
  EXPECT_TRUE(called);  // before append() returned
  EXPECT_EQ(where, std::this_thread::get_id());
  auto good = writer.append(card(2));  // the blocking form
  ASSERT_TRUE(good) << good.error().to_string();
  EXPECT_EQ(*good, 1);
}

TEST(AuditWriter, StoppingCommitsWhatIsQueued) {
  auto store = open_store("audit-writer-stop");
  ASSERT_TRUE(store);
  std::atomic<int> committed{0};
  {
    AuditWriter writer(*store);
    for (int i = 0; i < 100; ++i) {
      writer.append(card(i), [&](Result<std::int64_t> r) {
        if (r) ++committed;
      });
    }
  }  // the destructor commits the queue before it returns
  EXPECT_EQ(committed.load(), 100);
  auto check = store->verify_audit();
  ASSERT_TRUE(check);
  EXPECT_EQ(check->entries, 100);
}

}  // namespace
}  // namespace khe::serve
