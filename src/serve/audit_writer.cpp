#include "serve/audit_writer.h"

#include <future>
#include <utility>

namespace khe::serve {

AuditWriter::AuditWriter(store::Store& store, std::size_t max_batch)
    : store_(store), max_batch_(max_batch == 0 ? 1 : max_batch), thread_([this] { run(); }) {}

AuditWriter::~AuditWriter() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void AuditWriter::append(store::AuditRecord record, Done done) {
  if (auto ok = store::check_audit_record(record); !ok) {
    done(ok.error());
    return;
  }
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      queue_.push_back(Pending{std::move(record), std::move(done)});
      done = nullptr;
    }
  }
  if (done) {
    done(Error{"audit", "the audit writer is stopping"});
    return;
  }
  wake_.notify_one();
}

Result<std::int64_t> AuditWriter::append(store::AuditRecord record) {
  std::promise<Result<std::int64_t>> committed;
  auto result = committed.get_future();
  append(std::move(record), [&committed](Result<std::int64_t> r) { committed.set_value(r); });
  return result.get();
}

namespace {

// A callback that throws must not end the writer's thread (and with it every later
// caller's answer): its own caller's answer is its business.
void notify(const AuditWriter::Done& done, Result<std::int64_t> result) {
  try {
    done(std::move(result));
  } catch (...) {
  }
}

}  // namespace

void AuditWriter::run() {
  std::vector<Pending> batch;
  std::vector<store::AuditRecord> records;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, nothing left
      const std::size_t n = std::min(queue_.size(), max_batch_);
      batch.assign(std::make_move_iterator(queue_.begin()),
                   std::make_move_iterator(queue_.begin() + static_cast<std::ptrdiff_t>(n)));
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    }
    records.clear();
    for (const Pending& p : batch) records.push_back(p.record);
    auto last = store_.append_audits(records);
    // Entries of one batch get consecutive sequence numbers ending at *last.
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (last) {
        const auto seq = *last - static_cast<std::int64_t>(batch.size() - 1 - i);
        notify(batch[i].done, seq);
      } else {
        notify(batch[i].done, last.error());
      }
    }
    batch.clear();
  }
}

}  // namespace khe::serve
