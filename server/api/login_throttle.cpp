#include "server/api/login_throttle.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>

namespace orator::server::api {
namespace {

std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void warn_unshared(const std::exception& e) {
  spdlog::warn("shared sign-in throttle unavailable, throttling on this instance: {}", e.what());
}

}  // namespace

std::optional<int> LoginThrottle::backoff(int failures, std::chrono::duration<double> since_last) {
  if (failures < kFreeFailures) return std::nullopt;
  const int doublings = std::min(failures - kFreeFailures, 6);
  const double wait = std::min<double>(1 << doublings, static_cast<double>(kMaxWait.count())) - since_last.count();
  if (wait <= 0) return std::nullopt;
  return static_cast<int>(std::ceil(wait));
}

std::optional<int> LoginThrottle::wait(const std::string& account) {
  if (shared_) {
    try {
      const auto f = shared_->sign_in_failures(account);
      return backoff(f.count, std::chrono::milliseconds(unix_ms() - f.last_at));
    } catch (const std::exception& e) {
      warn_unshared(e);
    }
  }
  return wait(account, Clock::now());
}

void LoginThrottle::failed(const std::string& account) {
  if (shared_) {
    try {
      shared_->sign_in_failed(account, unix_ms());
      return;
    } catch (const std::exception& e) {
      warn_unshared(e);
    }
  }
  failed(account, Clock::now());
}

std::optional<int> LoginThrottle::wait(const std::string& account, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  const auto it = records_.find(account);
  if (it == records_.end()) return std::nullopt;
  return backoff(it->second.failures, now - it->second.last);
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
  if (shared_) {
    try {
      shared_->sign_in_succeeded(account);
    } catch (const std::exception& e) {
      warn_unshared(e);
    }
  }
  std::lock_guard lock(mutex_);
  records_.erase(account);
}

}  // namespace orator::server::api
