#pragma once
// Sign-in throttling per account (per address is the credential rate
// limiter's job): after kFreeFailures wrong passwords in a row, each attempt
// must wait 1 s, doubling with every further failure up to kMaxWait. A
// success clears it. There is no lockout: an attacker hammering someone's
// account slows it to one guess a minute, and its owner waits a minute at
// most. Keys are normalised emails (known or not, so throttling reveals
// nothing). The table is bounded. Per instance. Thread-safe.
#include <chrono>
#include <cstddef>
#include <vector>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace orator::server::api {

class LoginThrottle {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr int kFreeFailures = 5;
  static constexpr std::chrono::seconds kMaxWait{60};

  explicit LoginThrottle(std::size_t max_accounts = 100000) : max_accounts_(max_accounts) {}
  // nullopt when `account` may try now; else whole seconds to wait.
  [[nodiscard]] std::optional<int> wait(const std::string& account, Clock::time_point now = Clock::now());
  void failed(const std::string& account, Clock::time_point now = Clock::now());
  void succeeded(const std::string& account);

 private:
  struct Record {
    int failures = 0;
    Clock::time_point last{};
  };
  std::mutex mutex_;
  std::size_t max_accounts_;
  std::unordered_map<std::string, Record> records_;
};

}  // namespace orator::server::api
