#include "storage/limit_store.hpp"

#include "storage/sql.hpp"

namespace orator::storage {

std::optional<std::int64_t> LimitStore::take(const std::string& key, std::int64_t now_us, std::int64_t interval_us,
                                             std::int64_t window_us) {
  const SqlValue p[] = {key, now_us, interval_us, window_us};
  // The WHERE of DO UPDATE is evaluated under the row's lock (PostgreSQL) or
  // the write lock (SQLite): two instances cannot both take the last token.
  auto lease = pool_.acquire();
  const auto taken = lease->query(
      "INSERT INTO rate_limits (key, tat) VALUES ($1, CAST($2 AS BIGINT) + CAST($3 AS BIGINT)) "
      "ON CONFLICT (key) DO UPDATE SET tat = (CASE WHEN rate_limits.tat > CAST($2 AS BIGINT) THEN rate_limits.tat "
      "ELSE CAST($2 AS BIGINT) END) + CAST($3 AS BIGINT) "
      "WHERE (CASE WHEN rate_limits.tat > CAST($2 AS BIGINT) THEN rate_limits.tat ELSE CAST($2 AS BIGINT) END) "
      "+ CAST($3 AS BIGINT) - CAST($2 AS BIGINT) <= CAST($4 AS BIGINT) "
      "RETURNING tat",
      p);
  if (!taken.empty()) return std::nullopt;
  const SqlValue k[] = {key};
  const auto rows = lease->query("SELECT tat FROM rate_limits WHERE key = $1", k);
  if (rows.empty()) return std::int64_t{1};
  const std::int64_t wait = rows.front().integer(0) + interval_us - window_us - now_us;
  return wait > 0 ? wait : std::int64_t{1};
}

void LimitStore::forget_idle(std::int64_t now_us) {
  const SqlValue p[] = {now_us};
  pool_.acquire()->query("DELETE FROM rate_limits WHERE tat < $1", p);
}

LimitStore::Failures LimitStore::sign_in_failures(const std::string& account) {
  const SqlValue p[] = {account};
  const auto rows = pool_.acquire()->query("SELECT failures, last_at FROM sign_in_failures WHERE account = $1", p);
  if (rows.empty()) return {};
  return {static_cast<int>(rows.front().integer(0)), rows.front().integer(1)};
}

void LimitStore::sign_in_failed(const std::string& account, std::int64_t now) {
  const SqlValue p[] = {account, now};
  pool_.acquire()->query(
      "INSERT INTO sign_in_failures (account, failures, last_at) VALUES ($1, 1, CAST($2 AS BIGINT)) "
      "ON CONFLICT (account) DO UPDATE SET failures = sign_in_failures.failures + 1, last_at = CAST($2 AS BIGINT)",
      p);
}

void LimitStore::sign_in_succeeded(const std::string& account) {
  const SqlValue p[] = {account};
  pool_.acquire()->query("DELETE FROM sign_in_failures WHERE account = $1", p);
}

void LimitStore::forget_sign_in_failures(std::int64_t before) {
  const SqlValue p[] = {before};
  pool_.acquire()->query("DELETE FROM sign_in_failures WHERE last_at < $1", p);
}

bool LimitStore::claim_stream(const std::string& claim_id, const std::string& user_id, const std::string& instance,
                              std::int64_t lapsed_before, std::size_t cap) {
  auto c = pool_.acquire();
  Transaction tx(*c);
  const SqlValue user[] = {user_id};
  c->query(std::string("SELECT id FROM users WHERE id = $1").append(row_lock(*c, " FOR UPDATE")), user);
  const SqlValue count[] = {user_id, lapsed_before};
  const auto held = c->query(
      "SELECT COUNT(*) FROM stream_claims s JOIN instances i ON i.id = s.instance_id "
      "WHERE s.user_id = $1 AND i.heartbeat_at >= CAST($2 AS BIGINT)", count);
  if (!held.empty() && held.front().integer(0) >= static_cast<std::int64_t>(cap)) return false;
  const SqlValue claim[] = {claim_id, user_id, instance};
  c->query("INSERT INTO stream_claims (id, user_id, instance_id) VALUES ($1, $2, $3)", claim);
  tx.commit();
  return true;
}

void LimitStore::release_stream(const std::string& claim_id) {
  const SqlValue p[] = {claim_id};
  pool_.acquire()->query("DELETE FROM stream_claims WHERE id = $1", p);
}

void LimitStore::forget_stream_claims(const std::string& instance, std::int64_t lapsed_before) {
  const SqlValue p[] = {instance, lapsed_before};
  pool_.acquire()->query(
      "DELETE FROM stream_claims WHERE instance_id = $1 OR instance_id NOT IN "
      "(SELECT id FROM instances WHERE heartbeat_at >= CAST($2 AS BIGINT))", p);
}

}  // namespace orator::storage
