#pragma once
// A fixed set of connections handed out one at a time (RAII lease). acquire()
// waits up to a timeout when all are busy, then fails: the pool never grows.
// An observer, set before the pool is shared, is told how long each acquire
// waited and how long each lease held its connection (the database work it
// did: a query or a transaction). Thread-safe.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "storage/sql.hpp"

namespace orator::storage {

class ConnectionPool {
 public:
  using Factory = std::function<std::unique_ptr<SqlConnection>()>;
  ConnectionPool(Factory factory, std::size_t size);

  class Lease {
   public:
    Lease(ConnectionPool& pool, std::unique_ptr<SqlConnection> c)
        : pool_(&pool), c_(std::move(c)), since_(std::chrono::steady_clock::now()) {}
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease() { if (c_) pool_->release(std::move(c_), since_); }
    SqlConnection& operator*() { return *c_; }
    SqlConnection* operator->() { return c_.get(); }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<SqlConnection> c_;
    std::chrono::steady_clock::time_point since_;
  };

  struct Observer {
    std::function<void(double waited_seconds, bool timed_out)> acquired;
    std::function<void(double held_seconds)> released;
  };
  // Not thread-safe: call before the pool is used by more than one thread.
  void observe(Observer observer) { observer_ = std::move(observer); }

  [[nodiscard]] Lease acquire(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  [[nodiscard]] std::size_t size() const { return size_; }

 private:
  void release(std::unique_ptr<SqlConnection> c, std::chrono::steady_clock::time_point since);

  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<SqlConnection>> idle_;
  std::size_t size_;
  Observer observer_;
};

}  // namespace orator::storage
