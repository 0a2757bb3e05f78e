#pragma once
// Token buckets keyed by user or address: `per_minute` requests, refilled
// continuously, bursting up to a minute's worth. The table of buckets is
// bounded (idle, full buckets are dropped first). Thread-safe.
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace orator::server::api {

class RateLimiter {
 public:
  explicit RateLimiter(double per_minute, std::size_t max_keys = 100000) : per_minute_(per_minute), max_keys_(max_keys) {}
  // nullopt when allowed; otherwise the seconds to wait (Retry-After).
  [[nodiscard]] std::optional<int> acquire(const std::string& key);
  [[nodiscard]] std::optional<int> acquire(const std::string& key, std::chrono::steady_clock::time_point now);

 private:
  struct Bucket { double tokens; std::chrono::steady_clock::time_point updated; };
  void evict(std::chrono::steady_clock::time_point now);

  double per_minute_;
  std::size_t max_keys_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace orator::server::api
