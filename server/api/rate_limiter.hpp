#pragma once
// Token buckets keyed by user or address: `per_minute` requests, refilled
// continuously, bursting up to a minute's worth. The table of buckets is
// bounded (idle, full buckets are dropped first). Shared (a LimitStore
// given): the same limit, kept in the database for every instance on it,
// with the local buckets as the fallback while the database fails.
// Thread-safe.
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "storage/limit_store.hpp"

namespace orator::server::api {

class RateLimiter {
 public:
  explicit RateLimiter(double per_minute, std::size_t max_keys = 100000) : per_minute_(per_minute), max_keys_(max_keys) {}
  // `scope` tells this limiter's keys from another's in the shared table.
  RateLimiter(double per_minute, storage::LimitStore* shared, std::string scope)
      : per_minute_(per_minute), max_keys_(100000), shared_(shared), scope_(std::move(scope)) {}
  // nullopt when allowed; otherwise the seconds to wait (Retry-After).
  [[nodiscard]] std::optional<int> acquire(const std::string& key);
  // The local buckets only, at `now` (for tests).
  [[nodiscard]] std::optional<int> acquire(const std::string& key, std::chrono::steady_clock::time_point now);

 private:
  struct Bucket { double tokens; std::chrono::steady_clock::time_point updated; };
  void evict(std::chrono::steady_clock::time_point now);

  double per_minute_;
  std::size_t max_keys_;
  storage::LimitStore* shared_ = nullptr;
  std::string scope_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace orator::server::api
