#include "server/api/login_throttle.hpp"

#include <algorithm>
#include <cmath>

namespace orator::server::api {

std::optional<int> LoginThrottle::wait(const std::string& account, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  const auto it = records_.find(account);
  if (it == records_.end() || it->second.failures < kFreeFailures) return std::nullopt;
  const int doublings = std::min(it->second.failures - kFreeFailures, 6);
  const auto backoff = std::min<Clock::duration>(std::chrono::seconds(1 << doublings), kMaxWait);
  const auto ready = it->second.last + backoff;
  if (now >= ready) return std::nullopt;
  return static_cast<int>(std::ceil(std::chrono::duration<double>(ready - now).count()));
}

void LoginThrottle::failed(const std::string& account, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (records_.size() >= max_accounts_ && !records_.count(account)) {
    // Full: forget the accounts whose last failure is oldest (a tenth of them).
    std::vector<std::pair<Clock::time_point, std::string>> by_age;
    by_age.reserve(records_.size());
    for (const auto& [key, r] : records_) by_age.emplace_back(r.last, key);
    const auto drop = std::max<std::size_t>(1, by_age.size() / 10);
    std::nth_element(by_age.begin(), by_age.begin() + static_cast<std::ptrdiff_t>(drop - 1), by_age.end());
    for (std::size_t i = 0; i < drop; ++i) records_.erase(by_age[i].second);
  }
  auto& r = records_[account];
  ++r.failures;
  r.last = now;
}

void LoginThrottle::succeeded(const std::string& account) {
  std::lock_guard lock(mutex_);
  records_.erase(account);
}

}  // namespace orator::server::api
