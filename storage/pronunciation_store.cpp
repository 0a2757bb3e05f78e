#include "storage/pronunciation_store.hpp"

#include <algorithm>
#include <map>

namespace orator::storage {
namespace {

constexpr const char* kColumns =
    "id, user_id, sentence_id, target_text, overall, accuracy, fluency, completeness, prosody, duration_ms, result, created_at, session_id";

PronunciationAssessmentRecord record_from(const SqlRow& r) {
  PronunciationAssessmentRecord a;
  a.id = r.text(0);
  a.user_id = r.text(1);
  a.sentence_id = r.optional_text(2);
  a.target_text = r.text(3);
  a.overall = static_cast<int>(r.integer(4));
  a.accuracy = static_cast<int>(r.integer(5));
  a.fluency = static_cast<int>(r.integer(6));
  a.completeness = static_cast<int>(r.integer(7));
  if (const auto p = r.optional_integer(8)) a.prosody = static_cast<int>(*p);
  a.duration_ms = r.integer(9);
  a.result_json = r.text(10);
  a.created_at = r.integer(11);
  a.session_id = r.optional_text(12);
  return a;
}

PronunciationTotals totals_where(SqlConnection& c, const std::string& where, const SqlParams& p) {
  const auto rows = c.query("SELECT COUNT(*), AVG(overall), MAX(overall), COALESCE(SUM(duration_ms), 0) FROM pronunciation_assessments" + where,
                            p.values);
  PronunciationTotals t;
  t.attempts = rows.at(0).integer(0);
  t.mean_overall = rows.at(0).optional_real(1);
  if (const auto best = rows.at(0).optional_integer(2)) t.best_overall = static_cast<int>(*best);
  t.duration_ms = rows.at(0).integer(3);
  return t;
}

// The user's session's status inside the caller's transaction, its row
// locked with `lock` on PostgreSQL (SQLite's transaction holds the write
// lock already); none when there is no such session of the user's.
std::optional<SessionStatus> locked_status(SqlConnection& c, const std::string& session_id, const std::string& user_id,
                                           const char* lock) {
  const SqlValue q[] = {session_id, user_id};
  const auto rows = c.query(std::string("SELECT status FROM sessions WHERE id = $1 AND user_id = $2").append(row_lock(c, lock)), q);
  if (rows.empty()) return std::nullopt;
  const auto status = parse_status(rows[0].text(0));
  if (!status) throw StorageError("session " + session_id + " has an unknown status");
  return status;
}

}  // namespace

bool PronunciationStore::create(const PronunciationAssessmentRecord& a, const std::vector<PhoneScoreRecord>& phones) {
  auto lease = pool_.acquire();
  Transaction tx(*lease);
  if (a.session_id) {
    // The session is locked against end_practice (PostgreSQL: FOR SHARE waits
    // for an /end in flight and sees its status; SQLite: the write lock), so
    // an attempt is either in the summary or refused, never stored after it.
    const auto status = locked_status(*lease, *a.session_id, a.user_id, " FOR SHARE");
    if (status != SessionStatus::created && status != SessionStatus::live) return false;
  }
  const SqlValue p[] = {a.id,
                        a.user_id,
                        a.sentence_id ? SqlValue{*a.sentence_id} : SqlValue{nullptr},
                        a.target_text,
                        std::int64_t{a.overall},
                        std::int64_t{a.accuracy},
                        std::int64_t{a.fluency},
                        std::int64_t{a.completeness},
                        a.prosody ? SqlValue{std::int64_t{*a.prosody}} : SqlValue{nullptr},
                        a.duration_ms,
                        a.result_json,
                        a.created_at,
                        a.session_id ? SqlValue{*a.session_id} : SqlValue{nullptr}};
  lease->query(std::string("INSERT INTO pronunciation_assessments (") + kColumns +
                   ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)", p);
  for (const auto& ph : phones) {
    const SqlValue q[] = {a.id, a.user_id, ph.phone, ph.word, std::int64_t{ph.score}, a.created_at};
    lease->query("INSERT INTO pronunciation_phone_scores (assessment_id, user_id, phone, word, score, created_at) "
                 "VALUES ($1, $2, $3, $4, $5, $6)", q);
  }
  tx.commit();
  return true;
}

std::optional<PronunciationAssessmentRecord> PronunciationStore::find(const std::string& user_id, const std::string& id) {
  const SqlValue p[] = {user_id, id};
  const auto rows =
      pool_.acquire()->query(std::string("SELECT ") + kColumns + " FROM pronunciation_assessments WHERE user_id = $1 AND id = $2", p);
  if (rows.empty()) return std::nullopt;
  return record_from(rows[0]);
}

PronunciationPage PronunciationStore::list(const std::string& user_id, const std::optional<std::string>& sentence_id,
                                           std::optional<std::int64_t> from, std::optional<std::int64_t> to, int page, int per_page,
                                           const std::optional<std::string>& session_id) {
  SqlParams p;
  std::string where = " WHERE user_id = " + p.add(user_id);
  if (sentence_id) where += " AND sentence_id = " + p.add(*sentence_id);
  if (session_id) where += " AND session_id = " + p.add(*session_id);
  where += p.range("created_at", from, to);
  auto lease = pool_.acquire();
  PronunciationPage out;
  out.total = lease->query("SELECT COUNT(*) FROM pronunciation_assessments" + where, p.values).at(0).integer(0);
  const std::string limit = p.add(std::int64_t{per_page});
  const std::string offset = p.add(std::int64_t{page - 1} * per_page);
  for (const auto& r : lease->query(std::string("SELECT ") + kColumns + " FROM pronunciation_assessments" + where +
                                        " ORDER BY created_at DESC, id DESC LIMIT " + limit + " OFFSET " + offset, p.values))
    out.assessments.push_back(record_from(r));
  return out;
}

PronunciationTotals PronunciationStore::totals(const std::string& user_id, std::optional<std::int64_t> from,
                                               std::optional<std::int64_t> to) {
  SqlParams p;
  const std::string where = " WHERE user_id = " + p.add(user_id) + p.range("created_at", from, to);
  return totals_where(*pool_.acquire(), where, p);
}

PracticeSummary PronunciationStore::practice_summary(const std::string& user_id, const std::string& session_id, double below,
                                                     int min_attempts, std::size_t limit) {
  return summary_on(*pool_.acquire(), user_id, session_id, below, min_attempts, limit);
}

std::optional<SessionStatus> PronunciationStore::end_practice(const std::string& user_id, const std::string& session_id, double below,
                                                              int min_attempts, std::size_t limit,
                                                              const std::function<SessionOutcome(const PracticeSummary&)>& outcome_of) {
  auto lease = pool_.acquire();
  Transaction tx(*lease);
  // Locked first: attempts stored meanwhile wait (create's FOR SHARE), then see it ended.
  const auto status = locked_status(*lease, session_id, user_id, " FOR UPDATE");
  if (status != SessionStatus::created) return status;
  write_session_outcome(*lease, session_id, outcome_of(summary_on(*lease, user_id, session_id, below, min_attempts, limit)));
  tx.commit();
  return status;
}

PracticeSummary PronunciationStore::summary_on(SqlConnection& c, const std::string& user_id, const std::string& session_id,
                                               double below, int min_attempts, std::size_t limit) {
  PracticeSummary out;
  SqlParams p;
  out.totals = totals_where(c, " WHERE user_id = " + p.add(user_id) + " AND session_id = " + p.add(session_id), p);
  const SqlValue q[] = {user_id, session_id, std::int64_t{min_attempts}, below, static_cast<std::int64_t>(limit)};
  for (const auto& r : c.query(
           "SELECT s.phone, AVG(s.score) FROM pronunciation_phone_scores s JOIN pronunciation_assessments a ON a.id = s.assessment_id"
           " WHERE a.user_id = $1 AND a.session_id = $2 GROUP BY s.phone HAVING COUNT(*) >= $3 AND AVG(s.score) < $4"
           " ORDER BY AVG(s.score), s.phone LIMIT $5", q))
    out.weak_phonemes.emplace_back(r.text(0), r.real(1));
  return out;
}

std::vector<PhonemeStat> PronunciationStore::phoneme_stats(const std::string& user_id, std::optional<std::int64_t> from,
                                                           std::optional<std::int64_t> to) {
  SqlParams p;
  const std::string where = " WHERE user_id = " + p.add(user_id) + p.range("created_at", from, to);
  auto lease = pool_.acquire();
  // Scores in time order per phone: the mean, and the two halves for a trend.
  std::map<std::string, std::vector<int>> scores;
  std::map<std::string, std::map<std::string, int>> worst;  // phone -> word -> lowest score
  for (const auto& r : lease->query("SELECT phone, word, score FROM pronunciation_phone_scores" + where +
                                        " ORDER BY phone, created_at, assessment_id", p.values)) {
    const int score = static_cast<int>(r.integer(2));
    scores[r.text(0)].push_back(score);
    auto [it, fresh] = worst[r.text(0)].emplace(r.text(1), score);
    if (!fresh) it->second = std::min(it->second, score);
  }
  std::vector<PhonemeStat> out;
  for (const auto& [phone, list] : scores) {
    PhonemeStat s;
    s.phone = phone;
    s.attempts = static_cast<std::int64_t>(list.size());
    double sum = 0;
    for (const int v : list) sum += v;
    s.mean_score = sum / static_cast<double>(list.size());
    if (list.size() >= 4) {
      const auto half = list.size() / 2;
      double early = 0, late = 0;
      for (std::size_t i = 0; i < half; ++i) early += list[i];
      for (std::size_t i = half; i < list.size(); ++i) late += list[i];
      s.earlier_mean = early / static_cast<double>(half);
      s.recent_mean = late / static_cast<double>(list.size() - half);
    }
    std::vector<std::pair<std::string, int>> words(worst[phone].begin(), worst[phone].end());
    std::sort(words.begin(), words.end(), [](const auto& a, const auto& b) { return a.second != b.second ? a.second < b.second : a.first < b.first; });
    for (const auto& w : words) {
      if (s.weak_words.size() >= 5 || w.second >= 60) break;
      s.weak_words.push_back(w);
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<std::string> PronunciationStore::weak_phonemes(const std::string& user_id, double below, int min_attempts,
                                                            std::size_t limit) {
  const SqlValue p[] = {user_id, std::int64_t{min_attempts}, below, static_cast<std::int64_t>(limit)};
  std::vector<std::string> out;
  for (const auto& r : pool_.acquire()->query(
           "SELECT phone FROM pronunciation_phone_scores WHERE user_id = $1 GROUP BY phone HAVING COUNT(*) >= $2 AND AVG(score) < $3 "
           "ORDER BY AVG(score), phone LIMIT $4", p))
    out.push_back(r.text(0));
  return out;
}

}  // namespace orator::storage
