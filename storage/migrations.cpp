#include "storage/migrations.hpp"

#include <ctime>
#include <string>

namespace orator::storage {

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> all = {
      {1, "users, sessions, refresh tokens, API keys", R"SQL(
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  timezone TEXT NOT NULL DEFAULT 'UTC',
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  title TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  mode TEXT NOT NULL,
  status TEXT NOT NULL,
  settings TEXT NOT NULL DEFAULT '{}',
  created_at BIGINT NOT NULL,
  started_at BIGINT,
  ended_at BIGINT,
  duration DOUBLE PRECISION,
  speaking_time DOUBLE PRECISION,
  overall_score INTEGER,
  report TEXT,
  checkpoint TEXT,
  checkpoint_at BIGINT
);
CREATE INDEX sessions_by_user ON sessions(user_id, created_at);
CREATE INDEX sessions_by_status ON sessions(status);
CREATE TABLE refresh_tokens (
  id TEXT PRIMARY KEY,
  family_id TEXT NOT NULL,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  token_hash TEXT NOT NULL UNIQUE,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at BIGINT,
  revoked_at BIGINT
);
CREATE INDEX refresh_tokens_by_family ON refresh_tokens(family_id);
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  prefix TEXT NOT NULL,
  key_hash TEXT NOT NULL UNIQUE,
  created_at BIGINT NOT NULL,
  last_used_at BIGINT,
  revoked_at BIGINT
);
CREATE INDEX api_keys_by_user ON api_keys(user_id);
)SQL"},
      {2, "per-category scores and processing errors on sessions", R"SQL(
ALTER TABLE sessions ADD COLUMN clarity_score INTEGER;
ALTER TABLE sessions ADD COLUMN pace_score INTEGER;
ALTER TABLE sessions ADD COLUMN engagement_score INTEGER;
ALTER TABLE sessions ADD COLUMN confidence_score INTEGER;
ALTER TABLE sessions ADD COLUMN error TEXT;
)SQL"},
      {3, "recordings kept for sessions created with record: true", R"SQL(
ALTER TABLE sessions ADD COLUMN record INTEGER NOT NULL DEFAULT 0;
CREATE TABLE recording_chunks (
  session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  start_sample BIGINT NOT NULL,
  sample_rate INTEGER NOT NULL,
  samples INTEGER NOT NULL,
  pcm TEXT NOT NULL,
  PRIMARY KEY (session_id, seq)
);
)SQL"},
      {4, "transcripts with full-text search; durable background jobs", R"SQL(
CREATE TABLE transcripts (
  session_id TEXT PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  language TEXT NOT NULL,
  text TEXT NOT NULL,
  confidence DOUBLE PRECISION,
  words TEXT NOT NULL,
  fluency TEXT NOT NULL,
  source TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX transcripts_by_user ON transcripts(user_id);
CREATE TABLE jobs (
  id TEXT PRIMARY KEY,
  session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  error TEXT,
  claimed_by TEXT,
  claimed_at BIGINT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX jobs_by_status ON jobs(status, created_at);
CREATE INDEX jobs_by_session ON jobs(session_id);
)SQL",
       R"SQL(
CREATE VIRTUAL TABLE transcripts_fts USING fts5(text, content='transcripts', content_rowid='rowid');
CREATE TRIGGER transcripts_fts_insert AFTER INSERT ON transcripts BEGIN
  INSERT INTO transcripts_fts(rowid, text) VALUES (new.rowid, new.text);
END;
CREATE TRIGGER transcripts_fts_delete AFTER DELETE ON transcripts BEGIN
  INSERT INTO transcripts_fts(transcripts_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
END;
CREATE TRIGGER transcripts_fts_update AFTER UPDATE ON transcripts BEGIN
  INSERT INTO transcripts_fts(transcripts_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
  INSERT INTO transcripts_fts(rowid, text) VALUES (new.rowid, new.text);
END;
)SQL",
       R"SQL(
ALTER TABLE transcripts ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('english', text)) STORED;
CREATE INDEX transcripts_search ON transcripts USING GIN (search);
)SQL"},
      {5, "token generations (sign-out everywhere); API key scopes and expiry", R"SQL(
ALTER TABLE users ADD COLUMN token_generation INTEGER NOT NULL DEFAULT 0;
ALTER TABLE api_keys ADD COLUMN scopes TEXT NOT NULL DEFAULT 'read,write,stream';
ALTER TABLE api_keys ADD COLUMN expires_at BIGINT;
)SQL"},
      {6, "instances with leases: recovery touches only what dead instances left", R"SQL(
CREATE TABLE instances (
  id TEXT PRIMARY KEY,
  heartbeat_at BIGINT NOT NULL
);
ALTER TABLE sessions ADD COLUMN instance_id TEXT;
)SQL"},
      {7, "dictation: items with synthesised audio, attempts, tag presets, translations", R"SQL(
CREATE TABLE dictation_items (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  locale TEXT NOT NULL,
  text TEXT NOT NULL,
  text_folded TEXT NOT NULL,
  difficulty INTEGER NOT NULL,
  difficulty_computed INTEGER NOT NULL,
  voice TEXT NOT NULL,
  audio_key TEXT NOT NULL,
  tts_status TEXT NOT NULL,
  tts_error TEXT,
  tts_attempts INTEGER NOT NULL DEFAULT 0,
  tts_claimed_by TEXT,
  tts_claimed_at BIGINT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  last_practiced_at BIGINT,
  attempt_count INTEGER NOT NULL DEFAULT 0
);
-- One index per order a listing can ask for, each carrying the filter
-- columns, so filtering and paging read index entries, not rows.
CREATE INDEX dictation_items_by_user ON dictation_items(user_id, created_at, id, attempt_count, locale, difficulty);
CREATE INDEX dictation_items_by_difficulty ON dictation_items(user_id, difficulty, id, attempt_count, locale);
CREATE INDEX dictation_items_by_practice ON dictation_items(user_id, (COALESCE(last_practiced_at, 0)), id, attempt_count, locale, difficulty);
CREATE INDEX dictation_items_by_tts ON dictation_items(tts_status, created_at);
CREATE TABLE dictation_item_tags (
  item_id TEXT NOT NULL REFERENCES dictation_items(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL,
  tag TEXT NOT NULL,
  tag_folded TEXT NOT NULL,
  PRIMARY KEY (item_id, tag_folded)
);
CREATE INDEX dictation_item_tags_by_user ON dictation_item_tags(user_id, tag_folded, item_id);
CREATE TABLE tts_audio (
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  audio_key TEXT NOT NULL,
  rate TEXT NOT NULL,
  sample_rate INTEGER NOT NULL,
  samples BIGINT NOT NULL,
  pcm TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, audio_key, rate)
);
CREATE TABLE dictation_attempts (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  item_id TEXT NOT NULL REFERENCES dictation_items(id) ON DELETE CASCADE,
  text TEXT NOT NULL,
  wer DOUBLE PRECISION NOT NULL,
  percentage DOUBLE PRECISION NOT NULL,
  words_ref INTEGER NOT NULL,
  words_correct INTEGER NOT NULL,
  alignment TEXT NOT NULL,
  duration_ms BIGINT NOT NULL,
  duration_estimated INTEGER NOT NULL,
  ignore_accents INTEGER NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX dictation_attempts_by_user ON dictation_attempts(user_id, created_at);
CREATE INDEX dictation_attempts_by_item ON dictation_attempts(item_id, created_at);
CREATE TABLE tag_presets (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  name_folded TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  UNIQUE (user_id, name_folded)
);
CREATE TABLE translations (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  item_id TEXT NOT NULL REFERENCES dictation_items(id) ON DELETE CASCADE,
  target_language TEXT NOT NULL,
  text TEXT NOT NULL,
  provider TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  UNIQUE (item_id, target_language)
);
)SQL"},
      // SQLite only: the texts' order, with the filter columns, so that
      // search scans this narrow index instead of the rows and sort_by=text
      // walks it. PostgreSQL cannot: a b-tree entry holds at most ~2.7 kB
      // and a text may be 10,000 characters.
      {8, "dictation: an index of item texts (SQLite)", "", R"SQL(
CREATE INDEX dictation_items_by_text ON dictation_items(user_id, text_folded, id, attempt_count, locale, difficulty);
)SQL"},
      {9, "pronunciation assessments and the phone scores behind phoneme statistics", R"SQL(
CREATE TABLE pronunciation_assessments (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  sentence_id TEXT,
  target_text TEXT NOT NULL,
  overall INTEGER NOT NULL,
  accuracy INTEGER NOT NULL,
  fluency INTEGER NOT NULL,
  completeness INTEGER NOT NULL,
  prosody INTEGER,
  duration_ms BIGINT NOT NULL,
  result TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX pronunciation_assessments_by_user ON pronunciation_assessments(user_id, created_at);
CREATE TABLE pronunciation_phone_scores (
  assessment_id TEXT NOT NULL REFERENCES pronunciation_assessments(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  phone TEXT NOT NULL,
  word TEXT NOT NULL,
  score INTEGER NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX pronunciation_phone_scores_by_user ON pronunciation_phone_scores(user_id, phone, created_at);
)SQL"},
      // A practice session gathers attempts; deleting the session keeps the
      // learner's history of them.
      {10, "pronunciation attempts belong to a practice session", R"SQL(
ALTER TABLE pronunciation_assessments ADD COLUMN session_id TEXT REFERENCES sessions(id) ON DELETE SET NULL;
CREATE INDEX pronunciation_assessments_by_session ON pronunciation_assessments(session_id, created_at);
)SQL"},
      // Limits that instances on one database share (storage/limit_store.hpp).
      {11, "rate limits and sign-in failures shared by instances", R"SQL(
CREATE TABLE rate_limits (key TEXT PRIMARY KEY, tat BIGINT NOT NULL);
CREATE TABLE sign_in_failures (account TEXT PRIMARY KEY, failures INTEGER NOT NULL, last_at BIGINT NOT NULL);
)SQL"},
      // A stream read into a practice session (?practice_session_id=): once
      // that session ends, its time is counted there, not again here.
      {12, "streams read into a practice session name it", R"SQL(
ALTER TABLE sessions ADD COLUMN practice_session_id TEXT REFERENCES sessions(id) ON DELETE SET NULL;
)SQL"},
      // An upload's bytes where every instance on the database can reach
      // them, until its analysis ends (storage/upload_store.hpp).
      {13, "uploads waiting for analysis keep their bytes in the database", R"SQL(
CREATE TABLE upload_pieces (
  session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  bytes TEXT NOT NULL,
  PRIMARY KEY (session_id, seq)
);
)SQL"},
      // Statistics (storage/session_statistics.hpp) read only these columns:
      // from the index alone, never walking a row past its report.
      {14, "statistics over a user's sessions from one covering index", R"SQL(
CREATE INDEX sessions_statistics ON sessions(user_id, status, created_at, started_at, mode, duration, speaking_time,
  overall_score, clarity_score, pace_score, engagement_score, confidence_score, practice_session_id);
)SQL"},
      // Places among a user's concurrent streams, over every instance on the
      // database (storage/limit_store.hpp): taken before the upgrade.
      {15, "concurrent streams claimed in the database", R"SQL(
CREATE TABLE stream_claims (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  instance_id TEXT NOT NULL
);
CREATE INDEX stream_claims_by_user ON stream_claims(user_id);
)SQL"},
  };
  return all;
}

int schema_version(SqlConnection& c) {
  c.execute_script("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at BIGINT NOT NULL)");
  const auto rows = c.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  return static_cast<int>(rows.at(0).integer(0));
}

int migrate(SqlConnection& c) {
  int applied = 0;
  for (const auto& m : migrations()) {
    // Several instances may start together on one database: serialise them
    // (PostgreSQL: an advisory lock held until commit; SQLite: BEGIN IMMEDIATE
    // already takes the write lock), then re-read the version inside the lock.
    Transaction tx(c);
    if (c.backend() == "postgresql") c.query("SELECT pg_advisory_xact_lock(7274261)");
    if (schema_version(c) >= m.version) continue;
    c.execute_script(m.sql);
    if (const char* own = c.backend() == "postgresql" ? m.postgres_sql : m.sqlite_sql) c.execute_script(own);
    const SqlValue params[] = {std::int64_t{m.version}, std::string(m.description),
                               std::int64_t{static_cast<std::int64_t>(std::time(nullptr)) * 1000}};
    c.query("INSERT INTO schema_migrations (version, description, applied_at) VALUES ($1, $2, $3)", params);
    tx.commit();
    ++applied;
  }
  return applied;
}

}  // namespace orator::storage
