#pragma once
// Server configuration from flags and ORATOR_* environment variables
// (flags win). docs/configuration.md lists every option. Every limit is here.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "storage/sqlite_connection.hpp"

namespace orator::server {

struct ServerConfig {
  std::string host = "0.0.0.0";
  std::uint16_t port = 8080;             // 0 picks a free port (see port_file)
  int threads = 0;                       // 0: one per core
  std::size_t max_frame_bytes = 256 * 1024;     // one WebSocket message
  double max_stream_seconds = 4 * 3600;         // audio time per stream
  double idle_timeout_seconds = 30;             // no message from the client
  std::size_t max_queue_messages = 512;         // outgoing, per connection
  std::size_t max_queue_bytes = 4 * 1024 * 1024;
  std::size_t max_connections = 4096;           // lowered at start to fit the descriptor limit
  std::size_t max_connections_per_address = 256; // 0: no cap (trusted proxies are exempt)
  std::vector<std::string> trusted_proxies;     // their X-Forwarded-For names the client
  std::string metrics_token;                    // GET /metrics needs "Authorization: Bearer <it>"; empty: /metrics is off
  // Admission control (server/admission.hpp): streams beyond measured capacity are refused.
  std::size_t max_streams = 0;                  // a fixed cap on this instance's streams; 0: only the measured capacity
  double admission_cpu = 0.85;                  // share of the machine's CPU past which no stream is admitted; 0: off
  double admission_loop_lag_seconds = 0.025;    // event-loop lag past which streams and REST are refused; 0: off
  int overload_retry_after_seconds = 5;         // Retry-After on those refusals
  int max_errors_per_stream = 100;              // bad frames before the stream is closed
  std::size_t max_http_body_bytes = 1024 * 1024;
  double http_timeout_seconds = 30;             // one request's body (its header: header_timeout)
  double header_timeout_seconds = 10;           // request line and headers, TLS handshake, keep-alive idle
  double upload_timeout_seconds = 600;          // one recording upload's body
  double shutdown_grace_seconds = 10;
  std::string port_file;                        // write the bound port here
  std::string log_level = "info";
  bool json_logs = false;                        // --log-format json: one JSON object per line

  // Storage and accounts.
  std::string data_dir = "data";                // SQLite file, generated JWT secret
  std::string database;                         // empty: sqlite:<data_dir>/orator.db
  // Several instances on one database: each has an id (kept in
  // <data_dir>/instance-id unless given) and beats a lease; recovery touches
  // only what its own earlier run or an instance whose lease lapsed left.
  std::string instance_id;
  double instance_lease_seconds = 30;
  std::size_t db_pool_size = 4;                 // connections, and database worker threads
  std::size_t db_queue = 1024;                  // queued database tasks before 503
  std::size_t long_request_threads = 2;         // threads for RouteOptions::long_running requests
  std::size_t long_request_queue = 16;          // queued long requests before 503
  std::size_t sqlite_cache_bytes = storage::kDefaultSqliteCacheBytes;  // SQLite's page cache over the whole pool
  std::string jwt_secret_file;                  // else $ORATOR_JWT_SECRET, else generated
  double access_token_seconds = 15 * 60;
  double refresh_token_seconds = 30 * 24 * 3600;
  double refresh_grace_seconds = 10;            // a refresh token used again this soon: two tabs, not a replay
  bool allow_anonymous_streams = false;
  double rate_limit_per_minute = 600;           // requests per user (or address, unauthenticated)
  double auth_rate_limit_per_minute = 30;       // login/register/token/refresh per address
  double checkpoint_seconds = 5;                // live streams persist a report this often (audio time)
  std::size_t max_upload_bytes = 100u << 20;    // one recording upload
  std::size_t max_queued_uploads = 16;          // waiting for analysis; more get 503
  double max_record_seconds = 3600;             // audio kept per session created with record: true
  // Per-user quotas: what one account can make the server do and keep.
  std::size_t max_sessions_per_hour = 120;      // created (REST, streams), per user
  std::size_t max_streams_per_user = 4;         // concurrent, per user (over every instance when limits are shared)
  // Rate limits, the sign-in throttle and the stream cap counted in the
  // database for every instance on it; none: shared on PostgreSQL only.
  std::optional<bool> shared_limits;
  double max_recorded_seconds_per_user = 36000; // kept recordings, all sessions of a user
  std::size_t max_recorded_bytes_per_user = std::size_t{2} << 30;
  double max_stream_wall_seconds = 5 * 3600;
  // Below this much free space under data_dir, /health says unhealthy and
  // uploads and recording sessions are refused (507): the database and the
  // server's own restart keep the room.
  std::uint64_t min_free_disk_bytes = 256ull << 20;
  // Kept back in data_dir/disk-reserve while there is room, given up when a
  // delete finds the disk full: SQLite must write its WAL before it can free
  // anything (0: none).
  std::uint64_t disk_reserve_bytes = 16ull << 20;

  // Speech recognition (PocketSphinx): decoders shared by live streams and
  // background transcription jobs.
  int asr_threads = -1;                         // -1: one per core; 0: recognition off
  std::string asr_model_dir;                    // empty: the Debian package's
  int asr_job_attempts = 3;                     // a job whose process died is retried this often
  double asr_job_stale_seconds = 120;           // running jobs unheard of this long are retried
  // An OpenAI-compatible /v1/audio/transcriptions endpoint for background
  // transcription (its key comes from $ORATOR_TRANSCRIPTION_API_KEY only).
  std::string transcription_provider_url;
  std::string transcription_provider_model = "whisper-1";

  // Dictation: speech synthesis workers (a bounded pool) and durable jobs;
  // translation by Apertium, or by a LibreTranslate-compatible endpoint
  // (its key comes from $ORATOR_TRANSLATION_API_KEY only).
  int tts_workers = 1;
  int tts_job_attempts = 3;
  double tts_job_stale_seconds = 120;
  std::string translation_url;                  // empty: Apertium

  // TLS (https:// and wss://): both set, or neither.
  std::string tls_cert_file;                    // PEM certificate chain
  std::string tls_key_file;                     // PEM private key
  [[nodiscard]] bool tls() const { return !tls_cert_file.empty(); }

  [[nodiscard]] bool limits_shared() const { return shared_limits.value_or(database_url().rfind("sqlite:", 0) != 0); }
  [[nodiscard]] std::string database_url() const {
    return database.empty() ? "sqlite:" + data_dir + "/orator.db" : database;
  }
};

struct ConfigResult {
  std::optional<ServerConfig> config;
  std::string error;   // set when config is empty and help is false
  bool help = false;
};

// Environment lookups go through `getenv` so tests can supply their own.
[[nodiscard]] ConfigResult parse_config(const std::vector<std::string>& args,
                                        const char* (*getenv)(const char*));
[[nodiscard]] std::string usage();

}  // namespace orator::server
