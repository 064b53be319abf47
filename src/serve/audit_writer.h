// Group commit for the audit log. Every CDS response waits for its audit entry to be
// durable (synchronous=FULL), which would cost one fsync per request if each request
// committed alone; here the requests that arrive while a commit is running share the next
// one. A caller's append() returns only after the transaction holding its entry committed.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "core/result.h"
#include "store/audit.h"
#include "store/store.h"

namespace khe::serve {

class AuditWriter {
 public:
  // `store` must outlive the writer. At most `max_batch` entries per transaction.
  explicit AuditWriter(store::Store& store, std::size_t max_batch = 512);
  ~AuditWriter();  // commits what is queued, then stops
  AuditWriter(const AuditWriter&) = delete;
  AuditWriter& operator=(const AuditWriter&) = delete;

  using Done = std::function<void(Result<std::int64_t>)>;

  // Appends `record`; `done` gets its sequence number (or the error) once the transaction
  // holding it committed, on the writer's thread (or at once, on the caller's, for a record
  // that fails its checks or a writer that is stopping). The record is checked first, so
  // one caller's invalid record never fails another's batch. `done` must not block long:
  // the next batch waits for it. Thread-safe.
  void append(store::AuditRecord record, Done done);
  // The same, blocking until committed.
  Result<std::int64_t> append(store::AuditRecord record);

 private:
  struct Pending {
    store::AuditRecord record;
    Done done;
  };
  void run();

  store::Store& store_;
  const std::size_t max_batch_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::vector<Pending> queue_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts after every other member is ready
};

}  // namespace khe::serve
