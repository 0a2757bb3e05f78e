#pragma once
// A fixed number of threads running database work off the event loop, fed by
// a bounded queue: submit() refuses work when the queue is full instead of
// growing it (callers answer 503 or retry). An observer, set before the first
// submit, is told how long each task waited for a thread. Thread-safe.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace orator::storage {

class WorkerPool {
 public:
  WorkerPool(std::size_t threads, std::size_t max_queued);
  ~WorkerPool();  // finishes queued work, then joins
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // False when the queue is full or the pool is stopping; the task is not run.
  [[nodiscard]] bool submit(std::function<void()> task);
  [[nodiscard]] std::size_t queued() const;
  // How long the oldest waiting task has waited (0 with none waiting).
  [[nodiscard]] double oldest_wait_seconds() const;
  // Not thread-safe: set before the first submit.
  void observe(std::function<void(double waited_seconds)> started) { started_ = std::move(started); }
  // Drops the tasks not yet started (a stopping server leaves them to the
  // next start); returns how many. Running tasks finish.
  std::size_t discard_queued();

 private:
  void run();

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  struct Queued {
    std::function<void()> task;
    std::chrono::steady_clock::time_point since;
  };
  std::deque<Queued> queue_;
  std::function<void(double)> started_;
  std::size_t max_queued_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace orator::storage
