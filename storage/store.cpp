#include "storage/store.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <thread>

#include <spdlog/spdlog.h>

#include "storage/migrations.hpp"
#include "storage/postgres_connection.hpp"
#include "storage/sqlite_connection.hpp"

namespace orator::storage {
namespace {

SqlValue opt(const std::optional<std::int64_t>& v) { return v ? SqlValue{*v} : SqlValue{nullptr}; }
SqlValue opt(const std::optional<std::string>& v) { return v ? SqlValue{*v} : SqlValue{nullptr}; }

constexpr const char* kUserColumns = "id, email, display_name, password_hash, timezone, created_at, updated_at, token_generation";
User user_from(const SqlRow& r) {
  return {r.text(0), r.text(1), r.text(2), r.text(3), r.text(4), r.integer(5), r.integer(6), r.integer(7)};
}

constexpr const char* kSessionColumns =
    "id, user_id, title, description, mode, status, settings, created_at, started_at, ended_at, checkpoint_at, "
    "duration, speaking_time, overall_score, report, checkpoint, clarity_score, pace_score, engagement_score, "
    "confidence_score, error, record, practice_session_id";
constexpr std::size_t kSessionColumnCount = 23;  // what session_from reads; later columns are the query's own
// The same row without its large JSON (settings, report, checkpoint): for
// the export of every ended session of a user, which needs only the aggregate columns.
constexpr const char* kSessionSummaryColumns =
    "id, user_id, title, description, mode, status, '{}', created_at, started_at, ended_at, checkpoint_at, "
    "duration, speaking_time, overall_score, CAST(NULL AS TEXT), CAST(NULL AS TEXT), clarity_score, pace_score, "
    "engagement_score, confidence_score, error, record, practice_session_id";
std::optional<int> optional_int(const SqlRow& r, std::size_t i) {
  if (auto v = r.optional_integer(i)) return static_cast<int>(*v);
  return std::nullopt;
}
// Rows hold only names this code wrote; anything else is a damaged row.
Mode mode_from(const std::string& name) {
  if (auto m = dsp::parse_mode(name)) return *m;
  throw StorageError("a session row has an unknown mode '" + name + "'");
}
SessionStatus status_from(const std::string& name) {
  if (auto s = parse_status(name)) return *s;
  throw StorageError("a session row has an unknown status '" + name + "'");
}
std::string name_of(Mode m) { return std::string(dsp::mode_name(m)); }
std::string name_of(SessionStatus s) { return std::string(status_name(s)); }
template <class E>
SqlValue opt_name(const std::optional<E>& v) { return v ? SqlValue{name_of(*v)} : SqlValue{nullptr}; }

SessionRecord session_from(const SqlRow& r) {
  SessionRecord s;
  s.id = r.text(0); s.user_id = r.text(1); s.title = r.text(2); s.description = r.text(3);
  s.mode = mode_from(r.text(4)); s.status = status_from(r.text(5)); s.settings = r.text(6); s.created_at = r.integer(7);
  s.started_at = r.optional_integer(8); s.ended_at = r.optional_integer(9); s.checkpoint_at = r.optional_integer(10);
  s.duration = r.optional_real(11); s.speaking_time = r.optional_real(12);
  s.overall_score = optional_int(r, 13);
  s.report = r.optional_text(14); s.checkpoint = r.optional_text(15);
  s.clarity_score = optional_int(r, 16); s.pace_score = optional_int(r, 17);
  s.engagement_score = optional_int(r, 18); s.confidence_score = optional_int(r, 19);
  s.error = r.optional_text(20);
  s.record = r.integer(21) != 0;
  s.practice_session_id = r.optional_text(22);
  static_assert(kSessionColumnCount == 23);
  return s;
}

constexpr const char* kTokenColumns = "id, family_id, user_id, token_hash, created_at, expires_at, used_at, revoked_at";
RefreshToken token_from(const SqlRow& r) {
  return {r.text(0), r.text(1), r.text(2), r.text(3), r.integer(4), r.integer(5), r.optional_integer(6), r.optional_integer(7)};
}

constexpr const char* kKeyColumns = "id, user_id, name, prefix, key_hash, created_at, last_used_at, revoked_at, scopes, expires_at";
ApiKey key_from(const SqlRow& r) {
  return {r.text(0), r.text(1), r.text(2), r.text(3), r.text(4), r.integer(5), r.optional_integer(6), r.optional_integer(7),
          r.text(8), r.optional_integer(9)};
}

std::string sql(std::initializer_list<std::string_view> parts) {
  std::string s;
  for (auto p : parts) s += p;
  return s;
}

}  // namespace

std::unique_ptr<Store> Store::open(const std::string& url, std::size_t pool_size, std::size_t sqlite_cache_bytes) {
  ConnectionPool::Factory factory;
  if (url.rfind("sqlite:", 0) == 0) {
    const std::string path = url.substr(7);
    const std::size_t per_connection = sqlite_cache_bytes / std::max<std::size_t>(pool_size, 1);
    factory = [path, per_connection] { return open_sqlite(path, per_connection); };
    // The process's first store sets the region up; later ones share it.
    [[maybe_unused]] const bool reserved = reserve_sqlite_page_cache(sqlite_cache_bytes);
    // The caches' sum, plus room for prepared statements and schemas: past
    // it SQLite sheds pages rather than grow (a pool that reopens
    // connections could otherwise hold more than its share).
    limit_sqlite_memory(static_cast<std::int64_t>(sqlite_cache_bytes) + (4 << 20));
  } else if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
    factory = [url] { return open_postgres(url); };
  } else {
    throw StorageError("unsupported database URL (use sqlite:/path or postgresql://…)");
  }
  // Several processes creating one new SQLite file at once have been seen to
  // fail one of them (once in CI, cause unknown: the message is logged); the
  // open and its migrations are safe to repeat.
  const int attempts = url.rfind("sqlite:", 0) == 0 ? 3 : 1;
  for (int attempt = 1;; ++attempt) {
    try {
      auto pool = std::make_unique<ConnectionPool>(factory, pool_size);
      {
        auto c = pool->acquire();
        migrate(*c);
      }
      return std::make_unique<Store>(std::move(pool));
    } catch (const StorageError& e) {
      if (attempt >= attempts) throw;
      spdlog::warn("opening the database failed ({}); trying again", e.what());
      std::this_thread::sleep_for(std::chrono::milliseconds(100 * attempt));
    }
  }
}

Store::Store(std::unique_ptr<ConnectionPool> pool) : pool_(std::move(pool)) {}

std::string_view Store::backend() { return pool_->acquire()->backend(); }

void Store::ping() { pool_->acquire()->query("SELECT 1"); }

User Store::create_user(const User& u) {
  const SqlValue p[] = {u.id, u.email, u.display_name, u.password_hash, u.timezone, u.created_at, u.updated_at};
  const auto rows = pool_->acquire()->query(
      sql({"INSERT INTO users (id, email, display_name, password_hash, timezone, created_at, updated_at) "
           "VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ", kUserColumns}), p);
  return user_from(rows.at(0));
}

std::optional<User> Store::find_user(const std::string& id) {
  const SqlValue p[] = {id};
  const auto rows = pool_->acquire()->query(sql({"SELECT ", kUserColumns, " FROM users WHERE id = $1"}), p);
  if (rows.empty()) return std::nullopt;
  return user_from(rows[0]);
}

std::optional<User> Store::find_user_by_email(const std::string& email) {
  const SqlValue p[] = {email};
  const auto rows = pool_->acquire()->query(sql({"SELECT ", kUserColumns, " FROM users WHERE email = $1"}), p);
  if (rows.empty()) return std::nullopt;
  return user_from(rows[0]);
}

void Store::update_user(const User& u) {
  const SqlValue p[] = {u.id, u.email, u.display_name, u.password_hash, u.timezone, u.updated_at};
  pool_->acquire()->query(
      "UPDATE users SET email = $2, display_name = $3, password_hash = $4, timezone = $5, updated_at = $6 WHERE id = $1", p);
}

bool Store::delete_user(const std::string& id) {
  const SqlValue p[] = {id};
  return !pool_->acquire()->query("DELETE FROM users WHERE id = $1 RETURNING id", p).empty();
}

SessionRecord Store::create_session(const SessionRecord& s) {
  const SqlValue p[] = {s.id, s.user_id, s.title, s.description, name_of(s.mode), name_of(s.status), s.settings, s.created_at,
                        std::int64_t{s.record ? 1 : 0}};
  const auto rows = pool_->acquire()->query(
      sql({"INSERT INTO sessions (id, user_id, title, description, mode, status, settings, created_at, record) "
           "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ", kSessionColumns}), p);
  return session_from(rows.at(0));
}

std::optional<SessionRecord> Store::find_session(const std::string& user_id, const std::string& id) {
  const SqlValue p[] = {id, user_id};
  const auto rows = pool_->acquire()->query(sql({"SELECT ", kSessionColumns, " FROM sessions WHERE id = $1 AND user_id = $2"}), p);
  if (rows.empty()) return std::nullopt;
  return session_from(rows[0]);
}

std::optional<SessionRecord> Store::find_session_for_job(const std::string& id) {
  const SqlValue p[] = {id};
  const auto rows = pool_->acquire()->query(sql({"SELECT ", kSessionColumns, " FROM sessions WHERE id = $1"}), p);
  if (rows.empty()) return std::nullopt;
  return session_from(rows[0]);
}

SessionPage Store::list_sessions(const std::string& user_id, const SessionFilter& f, int page, int limit) {
  page = std::max(page, 1);
  limit = std::clamp(limit, 1, 100);
  // Optional filters as "($n IS NULL OR column = $n)": one statement, all values
  // bound. The casts tell PostgreSQL the type of a parameter that may be NULL.
  const std::string where =
      " FROM sessions WHERE user_id = $1"
      " AND (CAST($2 AS TEXT) IS NULL OR status = $2) AND (CAST($3 AS TEXT) IS NULL OR mode = $3)"
      " AND (CAST($4 AS BIGINT) IS NULL OR created_at >= $4) AND (CAST($5 AS BIGINT) IS NULL OR created_at <= $5)";
  const SqlValue p[] = {user_id, opt_name(f.status), opt_name(f.mode), opt(f.from), opt(f.to),
                        std::int64_t{limit}, std::int64_t{static_cast<std::int64_t>(page - 1) * limit}};
  auto lease = pool_->acquire();
  SessionPage out;
  out.total = lease->query(sql({"SELECT COUNT(*)", where}), std::span(p, 5)).at(0).integer(0);
  for (const auto& r : lease->query(sql({"SELECT ", kSessionColumns, where, " ORDER BY created_at DESC, id LIMIT $6 OFFSET $7"}), p))
    out.sessions.push_back(session_from(r));
  return out;
}

bool Store::delete_session(const std::string& user_id, const std::string& id) {
  const SqlValue p[] = {id, user_id};
  return !pool_->acquire()->query("DELETE FROM sessions WHERE id = $1 AND user_id = $2 RETURNING id", p).empty();
}

bool Store::mark_session_live(const std::string& id, std::int64_t started_at, const std::string& instance,
                              const std::optional<std::string>& practice_session_id) {
  const SqlValue p[] = {id, started_at, instance.empty() ? SqlValue{nullptr} : SqlValue{instance}, opt(practice_session_id)};
  // Only from created: of two streams racing into one session, one wins.
  return !pool_->acquire()
              ->query("UPDATE sessions SET status = 'live', started_at = COALESCE(started_at, $2), instance_id = $3,"
                      " practice_session_id = COALESCE(CAST($4 AS TEXT), practice_session_id) WHERE id = $1 AND status = 'created'"
                      " RETURNING id",
                      p)
              .empty();
}

void Store::mark_session_processing(const std::string& id, const std::string& instance) {
  const SqlValue p[] = {id, instance.empty() ? SqlValue{nullptr} : SqlValue{instance}};
  pool_->acquire()->query("UPDATE sessions SET status = 'processing', error = NULL, instance_id = $2 WHERE id = $1", p);
}

void Store::heartbeat_instance(const std::string& instance, std::int64_t now) {
  const SqlValue p[] = {instance, now};
  pool_->acquire()->query(
      "INSERT INTO instances (id, heartbeat_at) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at", p);
}

bool Store::instance_alive(const std::string& instance, std::int64_t lapsed_before) {
  const SqlValue p[] = {instance, lapsed_before};
  return !pool_->acquire()->query("SELECT 1 FROM instances WHERE id = $1 AND heartbeat_at >= $2", p).empty();
}

void Store::save_checkpoint(const std::string& id, const std::string& checkpoint_json, std::int64_t at) {
  const SqlValue p[] = {id, checkpoint_json, at};
  pool_->acquire()->query("UPDATE sessions SET checkpoint = $2, checkpoint_at = $3 WHERE id = $1 AND status = 'live'", p);
}

void Store::finish_session(const std::string& id, const SessionOutcome& o) { write_session_outcome(*pool_->acquire(), id, o); }

void write_session_outcome(SqlConnection& c, const std::string& id, const SessionOutcome& o) {
  const SqlValue p[] = {id, name_of(o.status), o.duration, o.speaking_time ? SqlValue{*o.speaking_time} : SqlValue{nullptr}, std::int64_t{o.overall}, std::int64_t{o.clarity},
                        std::int64_t{o.pace}, std::int64_t{o.engagement}, std::int64_t{o.confidence}, o.report_json, o.ended_at,
                        opt_name(o.mode)};
  c.query(
      "UPDATE sessions SET status = $2, duration = $3, speaking_time = $4, overall_score = $5, clarity_score = $6,"
      " pace_score = $7, engagement_score = $8, confidence_score = $9, report = $10, ended_at = $11,"
      " mode = COALESCE(CAST($12 AS TEXT), mode), checkpoint = NULL, error = NULL WHERE id = $1", p);
}

void Store::set_session_status(const std::string& id, SessionStatus status, const std::optional<std::string>& error) {
  const SqlValue p[] = {id, name_of(status), opt(error)};
  pool_->acquire()->query("UPDATE sessions SET status = $2, error = $3 WHERE id = $1", p);
}

Store::EndedSessions Store::ended_sessions(const std::string& user_id, std::optional<std::int64_t> from,
                                           std::optional<std::int64_t> to, const std::optional<SessionKey>& after,
                                           bool newest_first, std::size_t limit) {
  const SqlValue p[] = {user_id,
                        opt(from),
                        opt(to),
                        after ? SqlValue{after->start} : SqlValue{nullptr},
                        after ? after->id : std::string(),
                        static_cast<std::int64_t>(limit + 1)};  // one more: whether a page follows
  const std::string_view beyond = newest_first ? "<" : ">", order = newest_first ? " DESC" : "";
  EndedSessions out;
  for (const auto& r : pool_->acquire()->query(
           sql({"SELECT ", kSessionSummaryColumns, " FROM sessions WHERE user_id = $1 AND status IN ('completed', 'interrupted')"
                " AND (CAST($2 AS BIGINT) IS NULL OR COALESCE(started_at, created_at) >= $2)"
                " AND (CAST($3 AS BIGINT) IS NULL OR COALESCE(started_at, created_at) <= $3)"
                " AND (CAST($4 AS BIGINT) IS NULL OR COALESCE(started_at, created_at) ", beyond, " $4"
                " OR (COALESCE(started_at, created_at) = $4 AND id ", beyond, " $5))"
                " ORDER BY COALESCE(started_at, created_at)", order, ", id", order, " LIMIT $6"}), p))
    out.sessions.push_back(session_from(r));
  if (out.sessions.size() > limit) {
    out.sessions.pop_back();
    out.more = true;
  }
  return out;
}

std::vector<SessionRef> Store::recover_interrupted_sessions(std::int64_t now, const std::string& instance, std::int64_t lapsed_before) {
  const SqlValue p[] = {now, instance, lapsed_before};
  std::vector<SessionRef> out;
  for (const auto& r : pool_->acquire()->query(
           "UPDATE sessions SET status = 'interrupted', report = checkpoint, ended_at = COALESCE(checkpoint_at, $1) "
           "WHERE status = 'live' AND (instance_id IS NULL OR instance_id = $2 OR instance_id IN "
           "(SELECT id FROM instances WHERE heartbeat_at < CAST($3 AS BIGINT))) RETURNING id, user_id, instance_id", p))
    out.push_back({r.text(0), r.text(1), r.text(2)});
  return out;
}

std::vector<SessionRef> Store::processing_uploads() {
  std::vector<SessionRef> out;
  for (const auto& r : pool_->acquire()->query(
           "SELECT id, user_id, instance_id FROM sessions WHERE status = 'processing' ORDER BY created_at"))
    out.push_back({r.text(0), r.text(1), r.text(2)});
  return out;
}

std::int64_t Store::count_sessions_created_since(const std::string& user_id, std::int64_t since) {
  const SqlValue p[] = {user_id, since};
  const auto rows = pool_->acquire()->query("SELECT COUNT(*) FROM sessions WHERE user_id = $1 AND created_at >= $2", p);
  return rows.empty() ? 0 : rows.front().integer(0);
}

Store::RecordingUsage Store::recording_usage(const std::string& user_id) {
  const SqlValue p[] = {user_id};
  const auto rows = pool_->acquire()->query(
      "SELECT COALESCE(SUM(c.samples * 1.0 / c.sample_rate), 0), COALESCE(SUM(LENGTH(c.pcm)), 0) "
      "FROM recording_chunks c JOIN sessions s ON s.id = c.session_id WHERE s.user_id = $1", p);
  if (rows.empty()) return {};
  return {rows.front().real(0), rows.front().integer(1)};
}

void Store::append_recording_chunk(const std::string& session_id, const RecordingChunk& c) {
  const SqlValue p[] = {session_id, std::int64_t{c.seq}, c.start_sample, std::int64_t{c.sample_rate},
                        std::int64_t{c.samples}, c.pcm_base64};
  // An upsert: a failed upload that is uploaded again overwrites its chunks.
  pool_->acquire()->query(
      "INSERT INTO recording_chunks (session_id, seq, start_sample, sample_rate, samples, pcm) VALUES ($1, $2, $3, $4, $5, $6) "
      "ON CONFLICT (session_id, seq) DO UPDATE SET start_sample = excluded.start_sample, sample_rate = excluded.sample_rate, "
      "samples = excluded.samples, pcm = excluded.pcm", p);
}

std::vector<RecordingChunk> Store::recording_chunks(const std::string& user_id, const std::string& session_id) {
  const SqlValue p[] = {session_id, user_id};
  std::vector<RecordingChunk> out;
  for (const auto& r : pool_->acquire()->query(
           "SELECT c.seq, c.start_sample, c.sample_rate, c.samples, c.pcm FROM recording_chunks c "
           "JOIN sessions s ON s.id = c.session_id WHERE c.session_id = $1 AND s.user_id = $2 ORDER BY c.seq", p))
    out.push_back({static_cast<int>(r.integer(0)), r.integer(1), static_cast<int>(r.integer(2)),
                   static_cast<int>(r.integer(3)), r.text(4)});
  return out;
}

std::vector<RecordingChunk> Store::recording_chunks(const std::string& user_id, const std::string& session_id, int after_seq,
                                                    int limit) {
  const SqlValue p[] = {session_id, user_id, std::int64_t{after_seq}, std::int64_t{limit}};
  std::vector<RecordingChunk> out;
  for (const auto& r : pool_->acquire()->query(
           "SELECT c.seq, c.start_sample, c.sample_rate, c.samples, c.pcm FROM recording_chunks c "
           "JOIN sessions s ON s.id = c.session_id WHERE c.session_id = $1 AND s.user_id = $2 AND c.seq > $3 "
           "ORDER BY c.seq LIMIT $4", p))
    out.push_back({static_cast<int>(r.integer(0)), r.integer(1), static_cast<int>(r.integer(2)),
                   static_cast<int>(r.integer(3)), r.text(4)});
  return out;
}

void Store::delete_recording(const std::string& session_id) {
  const SqlValue p[] = {session_id};
  pool_->acquire()->query("DELETE FROM recording_chunks WHERE session_id = $1", p);
}

Store::RecordingExtent Store::recording_extent(const std::string& user_id, const std::string& session_id) {
  const SqlValue p[] = {session_id, user_id};
  const auto rows = pool_->acquire()->query(
      "SELECT COUNT(*), COALESCE(MAX(c.start_sample + c.samples), 0), COALESCE(MIN(c.sample_rate), 0), "
      "COALESCE(MAX(c.sample_rate), 0) FROM recording_chunks c JOIN sessions s ON s.id = c.session_id "
      "WHERE c.session_id = $1 AND s.user_id = $2", p);
  if (rows.empty()) return {};
  const auto& r = rows.front();
  return {r.integer(0), r.integer(1), static_cast<int>(r.integer(2)), static_cast<int>(r.integer(3))};
}

void Store::save_transcript(const TranscriptRecord& t) {
  const SqlValue p[] = {t.session_id, t.user_id, t.language, t.text,
                        t.confidence ? SqlValue{*t.confidence} : SqlValue{nullptr}, t.words_json, t.fluency_json, t.source,
                        t.created_at};
  pool_->acquire()->query(
      "INSERT INTO transcripts (session_id, user_id, language, text, confidence, words, fluency, source, created_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (session_id) DO UPDATE SET language = excluded.language, "
      "text = excluded.text, confidence = excluded.confidence, words = excluded.words, fluency = excluded.fluency, "
      "source = excluded.source, created_at = excluded.created_at", p);
}

std::optional<TranscriptRecord> Store::find_transcript(const std::string& user_id, const std::string& session_id) {
  const SqlValue p[] = {session_id, user_id};
  const auto rows = pool_->acquire()->query(
      "SELECT session_id, user_id, language, text, confidence, words, fluency, source, created_at FROM transcripts "
      "WHERE session_id = $1 AND user_id = $2", p);
  if (rows.empty()) return std::nullopt;
  const auto& r = rows[0];
  return TranscriptRecord{r.text(0), r.text(1), r.text(2), r.text(3), r.text(5), r.text(6), r.text(7), r.optional_real(4),
                          r.integer(8)};
}

namespace {
// The user's words as an FTS5 query: each a quoted term, all required, so no
// character of theirs is read as query syntax.
std::string fts5_terms(const std::string& query) {
  std::string out, word;
  auto flush = [&] {
    if (word.empty()) return;
    out += (out.empty() ? "\"" : " \"") + word + "\"";
    word.clear();
  };
  for (char c : query) {
    if (std::isalnum(static_cast<unsigned char>(c)) || static_cast<unsigned char>(c) >= 0x80 || c == '\'') word += c;
    else flush();
  }
  flush();
  return out;
}

std::string prefixed_session_columns() {
  std::string out;
  std::string_view cols = kSessionColumns;
  while (!cols.empty()) {
    const auto comma = cols.find(", ");
    out += (out.empty() ? "s." : ", s.") + std::string(cols.substr(0, comma));
    if (comma == std::string_view::npos) break;
    cols.remove_prefix(comma + 2);
  }
  return out;
}
}  // namespace

TranscriptSearch Store::search_transcripts(const std::string& user_id, const std::string& query, const std::string& sort,
                                           int page, int limit) {
  page = std::max(page, 1);
  limit = std::clamp(limit, 1, 100);
  auto lease = pool_->acquire();
  const bool pg = lease->backend() == "postgresql";
  const std::string terms = pg ? query : fts5_terms(query);
  TranscriptSearch out;
  if (terms.empty()) return out;
  // Relevance: PostgreSQL's ts_rank (higher is better); SQLite's bm25 (lower is better, negated here).
  const std::string from =
      pg ? " FROM transcripts t JOIN sessions s ON s.id = t.session_id, plainto_tsquery('english', $2) q"
           " WHERE t.user_id = $1 AND s.user_id = $1 AND t.search @@ q"
         : " FROM transcripts_fts f JOIN transcripts t ON t.rowid = f.rowid JOIN sessions s ON s.id = t.session_id"
           " WHERE transcripts_fts MATCH $2 AND t.user_id = $1 AND s.user_id = $1";
  const std::string rank = pg ? "ts_rank(t.search, q)" : "-bm25(transcripts_fts)";
  const std::string snippet = pg ? "ts_headline('english', t.text, q, 'StartSel=<mark>, StopSel=</mark>, MaxWords=18, MinWords=6')"
                                 : "snippet(transcripts_fts, 0, '<mark>', '</mark>', '…', 12)";
  const std::string order = sort == "date"    ? "s.created_at DESC, s.id"
                            : sort == "score" ? "COALESCE(s.overall_score, -1) DESC, s.created_at DESC"
                                              : "rank DESC, s.created_at DESC";
  const SqlValue p[] = {user_id, terms, std::int64_t{limit}, std::int64_t{static_cast<std::int64_t>(page - 1) * limit}};
  out.total = lease->query("SELECT COUNT(*)" + from, std::span(p, 2)).at(0).integer(0);
  const std::string cols = prefixed_session_columns();
  for (const auto& r : lease->query("SELECT " + cols + ", " + snippet + ", " + rank + " AS rank" + from + " ORDER BY " + order +
                                        " LIMIT $3 OFFSET $4", p)) {
    TranscriptHit hit;
    hit.session = session_from(r);
    hit.snippet = r.text(kSessionColumnCount);
    hit.rank = r.optional_real(kSessionColumnCount + 1).value_or(0.0);
    out.hits.push_back(std::move(hit));
  }
  return out;
}

void Store::update_report(const std::string& session_id, const std::string& report_json) {
  const SqlValue p[] = {session_id, report_json};
  pool_->acquire()->query("UPDATE sessions SET report = $2 WHERE id = $1", p);
}

namespace {
constexpr const char* kJobColumns = "id, session_id, kind, status, attempts, error, created_at, updated_at";
Job job_from(const SqlRow& r) {
  return {r.text(0), r.text(1), r.text(2), r.text(3), static_cast<int>(r.integer(4)), r.optional_text(5), r.integer(6), r.integer(7)};
}
std::string new_job_id(const std::string& session_id, std::int64_t now) {
  static std::atomic<std::uint64_t> counter{0};
  return session_id + ":" + std::to_string(now) + ":" + std::to_string(counter.fetch_add(1));
}
}  // namespace

Job Store::enqueue_job(const std::string& session_id, const std::string& kind, std::int64_t now) {
  const SqlValue p[] = {new_job_id(session_id, now), session_id, kind, now};
  return job_from(pool_->acquire()
                      ->query(sql({"INSERT INTO jobs (id, session_id, kind, status, created_at, updated_at) "
                                   "VALUES ($1, $2, $3, 'queued', $4, $4) RETURNING ", kJobColumns}), p)
                      .at(0));
}

std::optional<Job> Store::claim_job(const std::string& worker, std::int64_t now) {
  auto lease = pool_->acquire();
  const SqlValue p[] = {worker, now};
  // One statement: the oldest queued job becomes this worker's. SQLite
  // serialises writers, so the sub-select cannot race there.
  const auto rows = lease->query(
      sql({"UPDATE jobs SET status = 'running', attempts = attempts + 1, claimed_by = $1, claimed_at = $2, updated_at = $2 "
           "WHERE id = (SELECT j.id FROM jobs j JOIN sessions s ON s.id = j.session_id WHERE j.status = 'queued'"
           " AND s.status IN ('completed', 'interrupted', 'failed') ORDER BY j.created_at, j.id LIMIT 1",
           row_lock(*lease, " FOR UPDATE OF j SKIP LOCKED"), ") AND status = 'queued' RETURNING ", kJobColumns}), p);
  if (rows.empty()) return std::nullopt;
  return job_from(rows[0]);
}

void Store::heartbeat_job(const std::string& id, std::int64_t now) {
  const SqlValue p[] = {id, now};
  pool_->acquire()->query("UPDATE jobs SET claimed_at = $2 WHERE id = $1 AND status = 'running'", p);
}

void Store::complete_job(const std::string& id, const std::string& status, const std::optional<std::string>& error,
                         std::int64_t now) {
  const SqlValue p[] = {id, status, opt(error), now};
  pool_->acquire()->query("UPDATE jobs SET status = $2, error = $3, updated_at = $4 WHERE id = $1", p);
}

int Store::recover_stale_jobs(std::int64_t stale_before, int max_attempts, std::int64_t now) {
  const SqlValue p[] = {stale_before, std::int64_t{max_attempts}, now};
  auto lease = pool_->acquire();
  Transaction tx(*lease);
  int n = static_cast<int>(lease->query(
      "UPDATE jobs SET status = 'failed', updated_at = $3, error = 'gave up after ' || CAST($2 AS TEXT) || ' attempts: "
      "the process working on it stopped each time' WHERE status = 'running' AND claimed_at < $1 AND attempts >= $2 RETURNING id", p).size());
  n += static_cast<int>(lease->query(
      "UPDATE jobs SET status = 'queued', updated_at = $3, claimed_by = NULL WHERE status = 'running' AND claimed_at < $1 "
      "AND attempts < $2 RETURNING id", p).size());
  tx.commit();
  return n;
}

Store::JobQueue Store::job_queue() {
  const auto rows = pool_->acquire()->query(
      "SELECT COALESCE(SUM(CASE WHEN status = 'queued' THEN 1 ELSE 0 END), 0), "
      "COALESCE(SUM(CASE WHEN status = 'running' THEN 1 ELSE 0 END), 0), "
      "MIN(CASE WHEN status = 'queued' THEN created_at END) FROM jobs WHERE status IN ('queued', 'running')");
  return {rows.at(0).integer(0), rows.at(0).integer(1), rows.at(0).optional_integer(2)};
}

std::optional<Job> Store::latest_job(const std::string& user_id, const std::string& session_id, const std::string& kind) {
  const SqlValue p[] = {session_id, user_id, kind};
  const auto rows = pool_->acquire()->query(
      "SELECT j.id, j.session_id, j.kind, j.status, j.attempts, j.error, j.created_at, j.updated_at FROM jobs j "
      "JOIN sessions s ON s.id = j.session_id WHERE j.session_id = $1 AND s.user_id = $2 AND ($3 = '' OR j.kind = $3) "
      "ORDER BY j.created_at DESC, j.id DESC LIMIT 1", p);
  if (rows.empty()) return std::nullopt;
  return job_from(rows[0]);
}

void Store::insert_refresh_token(const RefreshToken& t) {
  const SqlValue p[] = {t.id, t.family_id, t.user_id, t.token_hash, t.created_at, t.expires_at};
  pool_->acquire()->query(
      "INSERT INTO refresh_tokens (id, family_id, user_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)", p);
}

std::optional<RefreshToken> Store::find_refresh_token(const std::string& token_hash) {
  const SqlValue p[] = {token_hash};
  const auto rows = pool_->acquire()->query(sql({"SELECT ", kTokenColumns, " FROM refresh_tokens WHERE token_hash = $1"}), p);
  if (rows.empty()) return std::nullopt;
  return token_from(rows[0]);
}

bool Store::use_refresh_token(const std::string& id, std::int64_t at) {
  // One statement, so two concurrent refreshes cannot both succeed.
  const SqlValue p[] = {id, at};
  return !pool_->acquire()
              ->query("UPDATE refresh_tokens SET used_at = $2 WHERE id = $1 AND used_at IS NULL AND revoked_at IS NULL RETURNING id", p)
              .empty();
}

void Store::revoke_token_family(const std::string& family_id, std::int64_t at) {
  const SqlValue p[] = {family_id, at};
  pool_->acquire()->query("UPDATE refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL", p);
}

void Store::insert_api_key(const ApiKey& k) {
  const SqlValue p[] = {k.id, k.user_id, k.name, k.prefix, k.key_hash, k.created_at, k.scopes,
                        k.expires_at ? SqlValue{*k.expires_at} : SqlValue{nullptr}};
  pool_->acquire()->query(
      "INSERT INTO api_keys (id, user_id, name, prefix, key_hash, created_at, scopes, expires_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", p);
}

void Store::touch_api_key(const std::string& id, std::int64_t at) {
  const SqlValue p[] = {id, at};
  pool_->acquire()->query(
      "UPDATE api_keys SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < CAST($2 AS BIGINT) - 60000)", p);
}

void Store::revoke_all_tokens(const std::string& user_id, std::int64_t at) {
  const SqlValue p[] = {user_id, at};
  auto c = pool_->acquire();
  Transaction tx(*c);
  c->query("UPDATE refresh_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL", p);
  const SqlValue u[] = {user_id};
  c->query("UPDATE users SET token_generation = token_generation + 1 WHERE id = $1", u);
  tx.commit();
}

std::vector<ApiKey> Store::list_api_keys(const std::string& user_id) {
  const SqlValue p[] = {user_id};
  std::vector<ApiKey> out;
  for (const auto& r : pool_->acquire()->query(sql({"SELECT ", kKeyColumns, " FROM api_keys WHERE user_id = $1 ORDER BY created_at, id"}), p))
    out.push_back(key_from(r));
  return out;
}

bool Store::revoke_api_key(const std::string& user_id, const std::string& id, std::int64_t at) {
  const SqlValue p[] = {id, user_id, at};
  return !pool_->acquire()
              ->query("UPDATE api_keys SET revoked_at = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL RETURNING id", p)
              .empty();
}

std::optional<ApiKey> Store::find_api_key(const std::string& key_hash) {
  const SqlValue p[] = {key_hash};
  const auto rows = pool_->acquire()->query(sql({"SELECT ", kKeyColumns, " FROM api_keys WHERE key_hash = $1"}), p);
  if (rows.empty()) return std::nullopt;
  return key_from(rows[0]);
}

}  // namespace orator::storage
