#pragma once
// Request limits kept in the database, so that several instances on one
// database share them: rate limits as GCRA (a "theoretical arrival time" per
// key, one atomic upsert per request) and the per-account count of failed
// sign-ins. Rate-limit times are Unix microseconds (a cost of 1 allows 60
// million requests a minute), sign-in times milliseconds. Thread-safe (each call leases its
// own connection); every statement is atomic on its own.
#include <cstdint>
#include <optional>
#include <string>

#include "storage/connection_pool.hpp"

namespace orator::storage {

class LimitStore {
 public:
  explicit LimitStore(ConnectionPool& pool) : pool_(pool) {}

  // One request of `key` at `now`, costing `interval_us` (a minute divided by
  // the requests allowed per minute), allowed while the key's arrival time
  // stays within `window_us` of now (the burst). nullopt when allowed; else
  // the microseconds to wait.
  [[nodiscard]] std::optional<std::int64_t> take(const std::string& key, std::int64_t now_us, std::int64_t interval_us,
                                                 std::int64_t window_us);
  // Keys whose arrival time is past carry no state; drops them.
  void forget_idle(std::int64_t now_us);

  struct Failures {
    int count = 0;
    std::int64_t last_at = 0;
  };
  [[nodiscard]] Failures sign_in_failures(const std::string& account);
  void sign_in_failed(const std::string& account, std::int64_t now);
  void sign_in_succeeded(const std::string& account);
  // Failures older than `before` are forgotten.
  void forget_sign_in_failures(std::int64_t before);

  // A place among the user's concurrent streams, counted over every
  // instance whose lease holds (heartbeat at or after `lapsed_before`).
  // Taken under the user's row lock (PostgreSQL) or the write lock
  // (SQLite): two instances opening streams at once cannot both take the
  // last place. False when `cap` are taken.
  [[nodiscard]] bool claim_stream(const std::string& claim_id, const std::string& user_id, const std::string& instance,
                                  std::int64_t lapsed_before, std::size_t cap);
  void release_stream(const std::string& claim_id);
  // Claims that died with their instance: those of every instance whose
  // lease lapsed, and (at its start) those of `instance`'s earlier run
  // (empty on a lease beat: this run's claims are its streams).
  void forget_stream_claims(const std::string& instance, std::int64_t lapsed_before);

 private:
  ConnectionPool& pool_;
};

}  // namespace orator::storage
