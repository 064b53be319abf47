// A fixed set of threads taking tasks from one bounded queue: the server's workers, and
// serve's pool for handlers that may block (store writes, FHIR fetches).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace khe::http {

class WorkerPool {
 public:
  using Task = std::function<void()>;

  WorkerPool() = default;
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;
  ~WorkerPool() { stop(); }

  void start(unsigned threads, std::size_t max_queued);

  // Queues the task; false (task untouched) when max_queued tasks already wait or the pool
  // has stopped.
  bool try_submit(Task& task);

  // Lets running tasks finish, drops those still queued (destroying them on this thread),
  // joins every thread. Idempotent.
  void stop();

 private:
  void run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Task> queue_;
  std::size_t max_queued_ = 0;
  bool stopped_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace khe::http
