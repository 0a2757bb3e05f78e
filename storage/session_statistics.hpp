#pragma once
// Statistics over a user's ended sessions (completed or interrupted) summed
// by the database: one row per quarter hour of start time, mode, status and
// window, never one per session (a user with 63,000 sessions costs a few
// hundred rows). Every time zone's day boundary falls on a quarter hour, so
// a bucket lies in one local day. Thread-safe (each call leases its own
// connection).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "storage/connection_pool.hpp"
#include "storage/session_types.hpp"

namespace orator::storage {

inline constexpr std::int64_t kStatisticsBucketMs = 15 * 60 * 1000;

struct SessionBucket {
  std::int64_t start = 0;  // the quarter hour's first millisecond (Unix ms)
  int window = 0;          // 0: started after the newer edge, 1: after the older one, 2: before both (0 without edges)
  Mode mode = Mode::presentation;
  SessionStatus status = SessionStatus::completed;
  int sessions = 0;
  int practised = 0;      // sessions with a duration above 0
  double practice_s = 0;  // durations, less those counted in an ended practice session
  double speaking_s = 0;
  int scored = 0;                    // sessions with a score and enough speech to mean it
  double score_sums[5] = {};         // of the scored: overall, clarity, pace, engagement, confidence
  std::optional<int> best_overall;   // of the scored
  std::int64_t last_start = 0;
};

struct StatisticsQuery {
  std::optional<std::int64_t> from{}, to{};  // start time, inclusive
  // Window edges (newer first): progress compares the last span with the one before.
  std::optional<std::int64_t> newer_edge{}, older_edge{};
  double min_scored_speech_s = 1.0;
};

// Its SQL ($1 user, $2 from, $3 to, $4 newer edge, $5 older edge, $6 least
// speech to be scored, $7 bucket ms): for a test to check its plan.
[[nodiscard]] const char* session_buckets_query();
[[nodiscard]] std::vector<SessionBucket> session_buckets(ConnectionPool& pool, const std::string& user_id, const StatisticsQuery& q);

}  // namespace orator::storage
