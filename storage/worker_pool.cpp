#include "storage/worker_pool.hpp"

#include <spdlog/spdlog.h>

namespace orator::storage {

WorkerPool::WorkerPool(std::size_t threads, std::size_t max_queued) : max_queued_(max_queued) {
  threads_.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { run(); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_) t.join();
}

std::size_t WorkerPool::discard_queued() {
  std::lock_guard lock(mutex_);
  const std::size_t n = queue_.size();
  queue_.clear();
  return n;
}

bool WorkerPool::submit(std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= max_queued_) return false;
    queue_.push_back({std::move(task), std::chrono::steady_clock::now()});
  }
  wake_.notify_one();
  return true;
}

std::size_t WorkerPool::queued() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

double WorkerPool::oldest_wait_seconds() const {
  std::lock_guard lock(mutex_);
  if (queue_.empty()) return 0;
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - queue_.front().since).count();
}

void WorkerPool::run() {
  for (;;) {
    Queued next;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued has run
      next = std::move(queue_.front());
      queue_.pop_front();
    }
    if (started_) started_(std::chrono::duration<double>(std::chrono::steady_clock::now() - next.since).count());
    auto& task = next.task;
    try {
      task();
    } catch (const std::exception& e) {
      spdlog::error("database task failed: {}", e.what());
    }
  }
}

}  // namespace orator::storage
