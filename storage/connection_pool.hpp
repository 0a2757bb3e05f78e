#pragma once
// A fixed set of connections handed out one at a time (RAII lease). acquire()
// waits up to a timeout when all are busy, then fails: the pool never grows.
// Thread-safe.
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
    Lease(ConnectionPool& pool, std::unique_ptr<SqlConnection> c) : pool_(&pool), c_(std::move(c)) {}
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease() { if (c_) pool_->release(std::move(c_)); }
    SqlConnection& operator*() { return *c_; }
    SqlConnection* operator->() { return c_.get(); }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<SqlConnection> c_;
  };

  [[nodiscard]] Lease acquire(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  [[nodiscard]] std::size_t size() const { return size_; }

 private:
  void release(std::unique_ptr<SqlConnection> c);

  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<SqlConnection>> idle_;
  std::size_t size_;
};

}  // namespace orator::storage
