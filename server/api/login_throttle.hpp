#pragma once
// Sign-in throttling per account (per address is the credential rate
// limiter's job): after kFreeFailures wrong passwords in a row, each attempt
// must wait 1 s, doubling with every further failure up to kMaxWait. A
// success clears it. There is no lockout: an attacker hammering someone's
// account slows it to one guess a minute, and its owner waits a minute at
// most. Keys are normalised emails (known or not, so throttling reveals
// nothing). The table is bounded. Shared (a LimitStore given): the
// failures are counted in the database, for every instance on it, with the
// local table as the fallback while the database fails. Thread-safe.
#include <chrono>
#include <cstddef>
#include <vector>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "storage/limit_store.hpp"

namespace orator::server::api {

class LoginThrottle {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr int kFreeFailures = 5;
  static constexpr std::chrono::seconds kMaxWait{60};

  explicit LoginThrottle(std::size_t max_accounts = 100000, storage::LimitStore* shared = nullptr)
      : max_accounts_(max_accounts), shared_(shared) {}
  // nullopt when `account` may try now; else whole seconds to wait.
  [[nodiscard]] std::optional<int> wait(const std::string& account);
  void failed(const std::string& account);
  void succeeded(const std::string& account);
  // The local table only, at `now` (for tests).
  [[nodiscard]] std::optional<int> wait(const std::string& account, Clock::time_point now);
  void failed(const std::string& account, Clock::time_point now);

  // The wait after `failures` in a row, the last `since_last` ago.
  [[nodiscard]] static std::optional<int> backoff(int failures, std::chrono::duration<double> since_last);

 private:
  struct Record {
    int failures = 0;
    Clock::time_point last{};
  };
  std::mutex mutex_;
  std::size_t max_accounts_;
  storage::LimitStore* shared_;
  std::unordered_map<std::string, Record> records_;
};

}  // namespace orator::server::api
