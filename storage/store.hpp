#pragma once
// The repository: every query the product makes, parameterised, over either
// backend. Every read of user data is scoped by user id, so one user can
// never reach another's rows through it. Thread-safe (connections come from
// the pool); calls block, so the server runs them on the WorkerPool.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "storage/connection_pool.hpp"
#include "storage/session_types.hpp"
#include "storage/sqlite_connection.hpp"

namespace orator::storage {

struct User {
  std::string id, email, display_name, password_hash, timezone;
  std::int64_t created_at = 0, updated_at = 0;  // epoch ms
  // Access tokens carry the generation they were issued in; signing out
  // everywhere (logout, a password change) moves it on, voiding them all.
  std::int64_t token_generation = 0;
};

struct SessionRecord {
  std::string id, user_id, title, description;
  Mode mode = Mode::presentation;
  SessionStatus status = SessionStatus::created;
  std::string settings;  // JSON text
  std::int64_t created_at = 0;
  std::optional<std::int64_t> started_at, ended_at, checkpoint_at;
  std::optional<double> duration, speaking_time;
  std::optional<int> overall_score, clarity_score, pace_score, engagement_score, confidence_score;
  std::optional<std::string> report, checkpoint;  // JSON text
  std::optional<std::string> error;               // why processing failed (uploads)
  bool record = false;                            // keep the audio (recording_chunks)
  std::optional<std::string> practice_session_id;  // a stream read into that practice session
};

// A stretch of a session's recording: 16-bit little-endian mono PCM, as
// base64url text (both backends store it as TEXT).
struct RecordingChunk {
  int seq = 0;
  std::int64_t start_sample = 0;
  int sample_rate = 0;
  int samples = 0;
  std::string pcm_base64;
};

// How a session ended: what finish_session stores.
struct SessionOutcome {
  SessionStatus status = SessionStatus::completed;  // completed | interrupted | failed
  double duration = 0;
  std::optional<double> speaking_time = 0.0;  // none: no speech of its own (a practice session of attempts)
  int overall = 0, clarity = 0, pace = 0, engagement = 0, confidence = 0;
  std::string report_json;
  std::int64_t ended_at = 0;
  std::optional<Mode> mode;  // the mode analysed with; none keeps the session's
};

// Which session of whom: what recovery reports.
struct SessionRef {
  std::string id, user_id;
  std::string instance_id;  // where it was live or processing; empty when unknown
};

struct SessionFilter {
  std::optional<SessionStatus> status;
  std::optional<Mode> mode;
  std::optional<std::int64_t> from, to;  // created_at range, epoch ms, inclusive
};

struct SessionPage {
  std::vector<SessionRecord> sessions;
  std::int64_t total = 0;
};

// A session's transcript: words and fluency as JSON text (server/ shapes them).
struct TranscriptRecord {
  std::string session_id, user_id, language, text, words_json, fluency_json;
  std::string source;                 // live | deferred | upload | provider
  std::optional<double> confidence;   // mean word confidence
  std::int64_t created_at = 0;
};

struct TranscriptHit {
  SessionRecord session;
  std::string snippet;  // matched terms between <mark> and </mark>
  double rank = 0;      // higher is more relevant
};

struct TranscriptSearch {
  std::vector<TranscriptHit> hits;
  std::int64_t total = 0;
};

// Background work that must survive a restart (transcription of kept audio).
// queued -> running (claimed by one worker of one instance) -> done | failed;
// a running job whose worker stopped beating is queued again, up to a limit.
struct Job {
  std::string id, session_id, kind, status;
  int attempts = 0;
  std::optional<std::string> error;
  std::int64_t created_at = 0, updated_at = 0;
};

struct RefreshToken {
  std::string id, family_id, user_id, token_hash;
  std::int64_t created_at = 0, expires_at = 0;
  std::optional<std::int64_t> used_at, revoked_at;
};

struct ApiKey {
  std::string id, user_id, name, prefix, key_hash;
  std::int64_t created_at = 0;
  std::optional<std::int64_t> last_used_at, revoked_at;
  std::string scopes = "read,write,stream";   // comma-separated: read, write, stream, admin
  std::optional<std::int64_t> expires_at;
};

// finish_session's write on a connection the caller holds (inside its transaction).
void write_session_outcome(SqlConnection& c, const std::string& id, const SessionOutcome& outcome);

class Store {
 public:
  // `url`: "sqlite:/path/to/file.db" or "postgresql://…". Applies migrations.
  // `sqlite_cache_bytes`: SQLite's page cache, shared out over the pool (a
  // PostgreSQL server keeps its own).
  [[nodiscard]] static std::unique_ptr<Store> open(const std::string& url, std::size_t pool_size = 4,
                                                   std::size_t sqlite_cache_bytes = kDefaultSqliteCacheBytes);
  explicit Store(std::unique_ptr<ConnectionPool> pool);

  std::string_view backend();
  // For the other repositories over the same connections (DictationStore).
  [[nodiscard]] ConnectionPool& pool() { return *pool_; }
  // One round trip to the database (SELECT 1); throws when it fails.
  void ping();

  // Users. create_user throws StorageError{conflict} for a taken email.
  User create_user(const User& user);
  std::optional<User> find_user(const std::string& id);
  std::optional<User> find_user_by_email(const std::string& email);
  void update_user(const User& user);
  bool delete_user(const std::string& id);  // cascades to everything the user owns

  // Sessions.
  SessionRecord create_session(const SessionRecord& session);
  // Not scoped by user: for background jobs that carry a session id, never
  // for anything a request names.
  std::optional<SessionRecord> find_session_for_job(const std::string& id);
  std::optional<SessionRecord> find_session(const std::string& user_id, const std::string& id);
  SessionPage list_sessions(const std::string& user_id, const SessionFilter& filter, int page, int limit);
  bool delete_session(const std::string& user_id, const std::string& id);
  // Live checkpoint and final report (the stream's session id is authoritative).
  // `instance`: the server instance streaming it (its lease decides recovery).
  // False when the session is no longer `created` (another stream took it).
  [[nodiscard]] bool mark_session_live(const std::string& id, std::int64_t started_at, const std::string& instance = {},
                                       const std::optional<std::string>& practice_session_id = std::nullopt);
  void save_checkpoint(const std::string& id, const std::string& checkpoint_json, std::int64_t at);
  void finish_session(const std::string& id, const SessionOutcome& outcome);
  // Uploads: processing while the pipeline runs, failed with a reason.
  void set_session_status(const std::string& id, SessionStatus status, const std::optional<std::string>& error);
  // Ended sessions (completed or interrupted) of a user by start time, then
  // id: aggregate columns only (settings "{}", no report or checkpoint). At
  // most `limit`, those after `after` in that order (a page's last key).
  struct SessionKey {
    std::int64_t start = 0;  // started_at, else created_at
    std::string id;
  };
  struct EndedSessions {
    std::vector<SessionRecord> sessions;
    bool more = false;  // another page follows the last of these
  };
  EndedSessions ended_sessions(const std::string& user_id, std::optional<std::int64_t> from, std::optional<std::int64_t> to,
                               const std::optional<SessionKey>& after = std::nullopt, bool newest_first = false,
                               std::size_t limit = 10000);
  // Instances: each beats its lease; what an instance left live is recovered
  // only once its lease has lapsed (or by itself, restarted under its id).
  void heartbeat_instance(const std::string& instance, std::int64_t now);
  [[nodiscard]] bool instance_alive(const std::string& instance, std::int64_t lapsed_before);
  // Sessions still 'live' of `instance`, of instances whose last beat is
  // before `lapsed_before`, or of no instance: they become 'interrupted'
  // with their last checkpoint as the report. Returns them.
  std::vector<SessionRef> recover_interrupted_sessions(std::int64_t now, const std::string& instance = {},
                                                       std::int64_t lapsed_before = 0);
  // Uploads: 'processing' on `instance` (set with the status).
  void mark_session_processing(const std::string& id, const std::string& instance);
  // Start-up recovery: uploads still 'processing' lost their analysis with
  // the process; the caller resumes or fails each.
  std::vector<SessionRef> processing_uploads();

  // Quotas: sessions a user created since `since` (ms), and the audio their
  // kept recordings hold (seconds, and stored bytes).
  std::int64_t count_sessions_created_since(const std::string& user_id, std::int64_t since);
  struct RecordingUsage { double seconds = 0; std::int64_t bytes = 0; };
  RecordingUsage recording_usage(const std::string& user_id);

  // Recordings, appended chunk by chunk while the session runs; read back
  // (scoped by user) in order. Empty when nothing was kept.
  void append_recording_chunk(const std::string& session_id, const RecordingChunk& chunk);
  std::vector<RecordingChunk> recording_chunks(const std::string& user_id, const std::string& session_id);
  void delete_recording(const std::string& session_id);
  // The same a page at a time (seq > after_seq, at most `limit`), to stream a
  // long recording without holding it; and its extent, without the audio.
  std::vector<RecordingChunk> recording_chunks(const std::string& user_id, const std::string& session_id, int after_seq,
                                               int limit);
  struct RecordingExtent {
    std::int64_t chunks = 0, end_sample = 0;
    int min_rate = 0, max_rate = 0;
  };
  RecordingExtent recording_extent(const std::string& user_id, const std::string& session_id);

  // Transcripts, scoped by user; search ranks by relevance, date or score.
  void save_transcript(const TranscriptRecord& transcript);
  std::optional<TranscriptRecord> find_transcript(const std::string& user_id, const std::string& session_id);
  TranscriptSearch search_transcripts(const std::string& user_id, const std::string& query, const std::string& sort, int page,
                                      int limit);
  // The stored report, replaced whole (the transcript's fluency joins it).
  void update_report(const std::string& session_id, const std::string& report_json);

  // Durable jobs. claim_job takes the oldest queued job whose session has
  // ended for `worker` (PostgreSQL: FOR UPDATE SKIP LOCKED, so instances
  // sharing a database never take the same one).
  Job enqueue_job(const std::string& session_id, const std::string& kind, std::int64_t now);
  std::optional<Job> claim_job(const std::string& worker, std::int64_t now);
  void heartbeat_job(const std::string& id, std::int64_t now);
  void complete_job(const std::string& id, const std::string& status, const std::optional<std::string>& error, std::int64_t now);
  // Running jobs not heard from since `stale_before`: queued again, or failed
  // with a reason once they have had `max_attempts`. Returns how many.
  int recover_stale_jobs(std::int64_t stale_before, int max_attempts, std::int64_t now);
  // The queue for operators (every instance's): jobs waiting and running,
  // and when the oldest waiting one was queued (ms).
  struct JobQueue {
    std::int64_t queued = 0, running = 0;
    std::optional<std::int64_t> oldest_queued_at;
  };
  JobQueue job_queue();
  // The newest job of `kind` (empty: of any kind) for a session of the user's.
  std::optional<Job> latest_job(const std::string& user_id, const std::string& session_id, const std::string& kind);

  // Refresh tokens (stored hashed).
  void insert_refresh_token(const RefreshToken& token);
  std::optional<RefreshToken> find_refresh_token(const std::string& token_hash);
  // Marks a token used; false if it was already used or revoked (reuse).
  bool use_refresh_token(const std::string& id, std::int64_t at);
  // Signs a user out everywhere: every refresh token revoked, the token
  // generation moved on (outstanding access tokens stop working).
  void revoke_all_tokens(const std::string& user_id, std::int64_t at);
  void revoke_token_family(const std::string& family_id, std::int64_t at);

  // API keys (stored hashed).
  void insert_api_key(const ApiKey& key);
  std::vector<ApiKey> list_api_keys(const std::string& user_id);
  bool revoke_api_key(const std::string& user_id, const std::string& id, std::int64_t at);
  std::optional<ApiKey> find_api_key(const std::string& key_hash);
  // Records a use (at most once a minute per key, to spare the database).
  void touch_api_key(const std::string& id, std::int64_t at);

 private:
  std::unique_ptr<ConnectionPool> pool_;
};

}  // namespace orator::storage
