#include "storage/session_statistics.hpp"

#include "storage/sql.hpp"

namespace orator::storage {
namespace {
// `heard` and `counted` are the per-session rules of the statistics: a
// score means something with enough speech; a reading streamed into an
// ended practice session is in that session's time.
constexpr const char* kQuery =
    "WITH s AS (SELECT COALESCE(started_at, created_at) AS t, mode, status, duration, speaking_time, overall_score,"
    " clarity_score, pace_score, engagement_score, confidence_score,"
    " CASE WHEN overall_score IS NOT NULL AND COALESCE(speaking_time, 0) >= $6 THEN 1 ELSE 0 END AS heard,"
    " CASE WHEN practice_session_id IS NOT NULL AND EXISTS (SELECT 1 FROM sessions AS practice WHERE practice.id ="
    " sessions.practice_session_id AND practice.status IN ('completed', 'interrupted')) THEN 1 ELSE 0 END AS counted"
    " FROM sessions WHERE user_id = $1 AND status IN ('completed', 'interrupted')"
    " AND (CAST($2 AS BIGINT) IS NULL OR COALESCE(started_at, created_at) >= $2)"
    " AND (CAST($3 AS BIGINT) IS NULL OR COALESCE(started_at, created_at) <= $3)) "
    "SELECT t / $7, CASE WHEN CAST($4 AS BIGINT) IS NULL OR t > $4 THEN 0 WHEN t > $5 THEN 1 ELSE 2 END, mode, status,"
    " COUNT(*), SUM(CASE WHEN COALESCE(duration, 0) > 0 THEN 1 ELSE 0 END),"
    " SUM(CASE WHEN counted = 1 THEN 0 ELSE COALESCE(duration, 0) END), SUM(COALESCE(speaking_time, 0)), SUM(heard),"
    " SUM(heard * COALESCE(overall_score, 0)), SUM(heard * COALESCE(clarity_score, 0)), SUM(heard * COALESCE(pace_score, 0)),"
    " SUM(heard * COALESCE(engagement_score, 0)), SUM(heard * COALESCE(confidence_score, 0)),"
    " MAX(CASE WHEN heard = 1 THEN overall_score END), MAX(t)"
    " FROM s GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4";
}  // namespace

const char* session_buckets_query() { return kQuery; }

std::vector<SessionBucket> session_buckets(ConnectionPool& pool, const std::string& user_id, const StatisticsQuery& q) {
  auto opt = [](const std::optional<std::int64_t>& v) { return v ? SqlValue{*v} : SqlValue{nullptr}; };
  const SqlValue p[] = {user_id, opt(q.from), opt(q.to), opt(q.newer_edge), opt(q.older_edge), q.min_scored_speech_s,
                        kStatisticsBucketMs};
  std::vector<SessionBucket> out;
  for (const auto& r : pool.acquire()->query(kQuery, p)) {
    SessionBucket b;
    b.start = r.integer(0) * kStatisticsBucketMs;
    b.window = static_cast<int>(r.integer(1));
    const auto mode = dsp::parse_mode(r.text(2));
    const auto status = parse_status(r.text(3));
    if (!mode || !status) throw StorageError("a session row has an unknown mode or status");
    b.mode = *mode;
    b.status = *status;
    b.sessions = static_cast<int>(r.integer(4));
    b.practised = static_cast<int>(r.integer(5));
    b.practice_s = r.real(6);
    b.speaking_s = r.real(7);
    b.scored = static_cast<int>(r.integer(8));
    for (int i = 0; i < 5; ++i) b.score_sums[i] = r.real(9 + static_cast<std::size_t>(i));
    if (auto best = r.optional_integer(14)) b.best_overall = static_cast<int>(*best);
    b.last_start = r.integer(15);
    out.push_back(b);
  }
  return out;
}

}  // namespace orator::storage
