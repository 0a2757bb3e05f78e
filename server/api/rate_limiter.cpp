#include "server/api/rate_limiter.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>

namespace orator::server::api {

std::optional<int> RateLimiter::acquire(const std::string& key) {
  if (shared_) {
    try {
      const auto now = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
      const auto interval = std::max<std::int64_t>(1, std::llround(60e6 / per_minute_));
      const auto wait_us = shared_->take(scope_ + key, now, interval, 60'000'000);
      if (!wait_us) return std::nullopt;
      return static_cast<int>((*wait_us + 999'999) / 1'000'000);
    } catch (const std::exception& e) {
      spdlog::warn("shared rate limit unavailable, limiting on this instance: {}", e.what());
    }
  }
  return acquire(key, std::chrono::steady_clock::now());
}

std::optional<int> RateLimiter::acquire(const std::string& key, std::chrono::steady_clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_) evict(now);
    it = buckets_.emplace(key, Bucket{per_minute_, now}).first;
  }
  Bucket& b = it->second;
  const double elapsed = std::chrono::duration<double>(now - b.updated).count();
  b.tokens = std::min(per_minute_, b.tokens + elapsed * per_minute_ / 60.0);
  b.updated = now;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return std::nullopt;
  }
  return static_cast<int>(std::ceil((1.0 - b.tokens) * 60.0 / per_minute_));
}

void RateLimiter::evict(std::chrono::steady_clock::time_point now) {
  // Buckets that would be full by now carry no state worth keeping.
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    const double elapsed = std::chrono::duration<double>(now - it->second.updated).count();
    if (it->second.tokens + elapsed * per_minute_ / 60.0 >= per_minute_) it = buckets_.erase(it);
    else ++it;
  }
  // Still full of active keys: drop the stalest half rather than grow.
  if (buckets_.size() >= max_keys_) {
    std::size_t n = 0;
    for (auto it = buckets_.begin(); it != buckets_.end() && n < max_keys_ / 2; ++n) it = buckets_.erase(it);
  }
}

}  // namespace orator::server::api
