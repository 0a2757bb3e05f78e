#include "storage/connection_pool.hpp"

namespace orator::storage {

ConnectionPool::ConnectionPool(Factory factory, std::size_t size) : size_(size) {
  if (size == 0) throw StorageError("connection pool size must be at least 1");
  idle_.reserve(size);
  for (std::size_t i = 0; i < size; ++i) idle_.push_back(factory());
}

namespace {
double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}
}  // namespace

ConnectionPool::Lease ConnectionPool::acquire(std::chrono::milliseconds timeout) {
  const auto asked = std::chrono::steady_clock::now();
  std::unique_lock lock(mutex_);
  if (!available_.wait_for(lock, timeout, [this] { return !idle_.empty(); })) {
    lock.unlock();
    if (observer_.acquired) observer_.acquired(seconds_since(asked), true);
    throw StorageError("no database connection available within the timeout");
  }
  auto c = std::move(idle_.back());
  idle_.pop_back();
  lock.unlock();
  if (observer_.acquired) observer_.acquired(seconds_since(asked), false);
  return Lease(*this, std::move(c));
}

void ConnectionPool::release(std::unique_ptr<SqlConnection> c, std::chrono::steady_clock::time_point since) {
  {
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(c));
  }
  available_.notify_one();
  if (observer_.released) observer_.released(seconds_since(since));
}

}  // namespace orator::storage
