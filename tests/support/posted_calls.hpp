#pragma once
// A stream's strand as tests and benchmarks stand in for it: calls posted
// from other threads (an assessor pool's results), run by the caller one at
// a time. Thread-safe: post() from any thread, run_until() from one.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>

namespace orator::test_support {

class PostedCalls {
 public:
  void post(std::function<void()> f) {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(f));
    ready_.notify_one();
  }
  // Runs the next posted call; false when none came by `until`.
  bool run_until(std::chrono::steady_clock::time_point until) {
    std::unique_lock lock(mutex_);
    if (!ready_.wait_until(lock, until, [this] { return !queue_.empty(); })) return false;
    auto f = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    f();
    return true;
  }
  bool run_one(std::chrono::seconds within = std::chrono::seconds(30)) { return run_until(std::chrono::steady_clock::now() + within); }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> queue_;
};

}  // namespace orator::test_support
