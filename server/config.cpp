#include "server/config.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <functional>
#include <limits>
#include <sstream>

namespace orator::server {
namespace {

struct Option {
  const char* flag;       // --flag
  const char* env;        // ORATOR_...
  const char* help;
  std::function<bool(ServerConfig&, const std::string&)> set;
};

template <typename T>
bool parse_number(const std::string& text, T& out, T lo, T hi) {
  T v{};
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || v < lo || v > hi) return false;
  out = v;
  return true;
}

bool parse_seconds(const std::string& text, double& out, double lo, double hi) {
  try {
    std::size_t used = 0;
    const double v = std::stod(text, &used);
    if (used != text.size() || !(v >= lo && v <= hi)) return false;
    out = v;
    return true;
  } catch (...) {
    return false;
  }
}

// Comma-separated IPv4/IPv6 addresses, kept in their canonical text form
// (the form a connection's peer address prints in).
bool parse_address_list(const std::string& text, std::vector<std::string>& out) {
  std::vector<std::string> list;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    const auto first = item.find_first_not_of(" \t");
    if (first == std::string::npos) continue;
    item = item.substr(first, item.find_last_not_of(" \t") - first + 1);
    unsigned char raw[sizeof(in6_addr)];
    char canonical[INET6_ADDRSTRLEN];
    const int family = item.find(':') == std::string::npos ? AF_INET : AF_INET6;
    if (inet_pton(family, item.c_str(), raw) != 1 || !inet_ntop(family, raw, canonical, sizeof canonical)) return false;
    list.emplace_back(canonical);
  }
  out = std::move(list);
  return true;
}

const std::vector<Option>& options() {
  static const std::vector<Option> opts = {
      {"--host", "ORATOR_HOST", "address to listen on (default 0.0.0.0)",
       [](ServerConfig& c, const std::string& v) { c.host = v; return !v.empty(); }},
      {"--port", "ORATOR_PORT", "TCP port, 0 for any free port (default 8080)",
       [](ServerConfig& c, const std::string& v) { return parse_number<std::uint16_t>(v, c.port, 0, 65535); }},
      {"--threads", "ORATOR_THREADS", "event-loop threads, 0 = one per core (default 0)",
       [](ServerConfig& c, const std::string& v) { return parse_number(v, c.threads, 0, 256); }},
      {"--max-frame-bytes", "ORATOR_MAX_FRAME_BYTES", "largest WebSocket message; larger closes with 1009 (default 262144)",
       [](ServerConfig& c, const std::string& v) { return parse_number<std::size_t>(v, c.max_frame_bytes, 1024, 16u << 20); }},
      {"--max-stream-seconds", "ORATOR_MAX_STREAM_SECONDS", "audio seconds per stream before it is ended (default 14400)",
       [](ServerConfig& c, const std::string& v) { return parse_seconds(v, c.max_stream_seconds, 1, 24 * 3600); }},
      {"--idle-timeout", "ORATOR_IDLE_TIMEOUT", "seconds without a client message before the stream is ended (default 30)",
       [](ServerConfig& c, const std::string& v) { return parse_seconds(v, c.idle_timeout_seconds, 0.1, 3600); }},
      {"--max-queue-messages", "ORATOR_MAX_QUEUE_MESSAGES", "outgoing messages queued per connection before a non-reading client is dropped (default 512)",
       [](ServerConfig& c, const std::string& v) { return parse_number<std::size_t>(v, c.max_queue_messages, 4, 1u << 20); }},
      {"--max-queue-bytes", "ORATOR_MAX_QUEUE_BYTES", "outgoing bytes queued per connection (default 4194304)",
       [](ServerConfig& c, const std::string& v) { return parse_number<std::size_t>(v, c.max_queue_bytes, 4096, 1u << 30); }},
      {"--max-connections", "ORATOR_MAX_CONNECTIONS", "concurrent connections; more are refused (default 4096)",
       [](ServerConfig& c, const std::string& v) { return parse_number<std::size_t>(v, c.max_connections, 1, 1u << 20); }},
      {"--max-connections-per-address", "ORATOR_MAX_CONNECTIONS_PER_ADDRESS",
       "concurrent connections from one client address, 0 = no cap; trusted proxies are exempt (default 256)",
       [](ServerConfig& c, const std::string& v) { return parse_number<std::size_t>(v, c.max_connections_per_address, 0, 1u << 20); }},
      {"--trusted-proxies", "ORATOR_TRUSTED_PROXIES",
       "comma-separated proxy addresses (a load balancer) whose X-Forwarded-For names the client (default none)",
       [](ServerConfig& c, const std::string& v) { return parse_address_list(v, c.trusted_proxies); }},
      {"--metrics-token", "ORATOR_METRICS_TOKEN",
       "bearer token (16 characters or more) that GET /metrics (Prometheus) requires; without it /metrics answers 404 (default none)",
       [](ServerConfig& c, const std::string& v) { c.metrics_token = v; return v.size() >= 16; }},
      {"--max-streams", "ORATOR_MAX_STREAMS",
       "a fixed cap on this instance's concurrent streams, 0 = only the measured capacity (default 0)",
       [](ServerConfig& c, const std::string& v) { return parse_number<std::size_t>(v, c.max_streams, 0, 1u << 20); }},
      {"--admission-cpu", "ORATOR_ADMISSION_CPU",
       "share of the machine's CPU (0-1) past which new streams are refused, 0 = off (default 0.85)",
       [](ServerConfig& c, const std::string& v) { return parse_seconds(v, c.admission_cpu, 0, 1); }},
      {"--admission-loop-lag-ms", "ORATOR_ADMISSION_LOOP_LAG_MS",
       "event-loop lag in ms past which new streams are refused and REST answers 503, 0 = off (default 25)",
       [](ServerConfig& c, const std::string& v) {
         double ms = 0;
         if (!parse_seconds(v, ms, 0, 10000)) return false;
         c.admission_loop_lag_seconds = ms / 1000;
         return true;
       }},
      {"--overload-retry-after", "ORATOR_OVERLOAD_RETRY_AFTER", "seconds a refused client is told to wait (Retry-After; default 5)",
       [](ServerConfig& c, const std::string& v) { return parse_number(v, c.overload_retry_after_seconds, 1, 3600); }},
      {"--max-errors-per-stream", "ORATOR_MAX_ERRORS_PER_STREAM", "rejected frames before a stream is closed with 1008 (default 100)",
       [](ServerConfig& c, const std::string& v) { return parse_number(v, c.max_errors_per_stream, 1, 1 << 20); }},
      {"--max-http-body-bytes", "ORATOR_MAX_HTTP_BODY_BYTES", "largest HTTP request body; larger gets 413 (default 1048576)",
       [](ServerConfig& c, const std::string& v) { return parse_number<std::size_t>(v, c.max_http_body_bytes, 1024, 1u << 30); }},
      {"--http-timeout", "ORATOR_HTTP_TIMEOUT", "seconds to read an HTTP request's body (default 30)",
       [](ServerConfig& c, const std::string& v) { return parse_seconds(v, c.http_timeout_seconds, 0.1, 3600); }},
      {"--header-timeout", "ORATOR_HEADER_TIMEOUT",
       "seconds for a request line and headers, a TLS handshake, or a kept-alive connection's next request (default 10)",
       [](ServerConfig& c, const std::string& v) { return parse_seconds(v, c.header_timeout_seconds, 0.1, 3600); }},
      {"--upload-timeout", "ORATOR_UPLOAD_TIMEOUT", "seconds to receive one recording upload's body (default 600)",
       [](ServerConfig& c, const std::string& v) { return parse_seconds(v, c.upload_timeout_seconds, 1, 24 * 3600); }},
      {"--shutdown-grace", "ORATOR_SHUTDOWN_GRACE", "seconds streams get to finish on SIGINT/SIGTERM (default 10)",
       [](ServerConfig& c, const std::string& v) { return parse_seconds(v, c.shutdown_grace_seconds, 0, 600); }},
      {"--port-file", "ORATOR_PORT_FILE", "write the bound port to this file once listening",
       [](ServerConfig& c, const std::string& v) { c.port_file = v; return true; }},
      {"--data-dir", "ORATOR_DATA_DIR", "directory for the SQLite database and the generated JWT secret (default ./data)",
       [](ServerConfig& c, const std::string& v) { c.data_dir = v; return !v.empty(); }},
      {"--database", "ORATOR_DATABASE", "postgresql://user:pass@host/db, or sqlite:/path (default sqlite under --data-dir)",
       [](ServerConfig& c, const std::string& v) {
         c.database = v;
         return v.rfind("sqlite:", 0) == 0 || v.rfind("postgresql://", 0) == 0 || v.rfind("postgres://", 0) == 0;
       }},
      {"--instance-id", "ORATOR_INSTANCE_ID",
       "this instance's id among several on one database (default: generated once into <data-dir>/instance-id)",
       [](ServerConfig& c, const std::string& v) {
         c.instance_id = v;
         return !v.empty() && v.size() <= 64 && v.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == std::string::npos;
       }},
      {"--instance-lease-seconds", "ORATOR_INSTANCE_LEASE_SECONDS",
       "an instance silent this long is dead: another recovers the streams it left live (default 30)",
       [](ServerConfig& c, const std::string& v) { return parse_seconds(v, c.instance_lease_seconds, 1, 3600); }},
      {"--db-pool-size", "ORATOR_DB_POOL_SIZE", "database connections and worker threads (default 4)",
       [](ServerConfig& c, const std::string& v) { return parse_number<std::size_t>(v, c.db_pool_size, 1, 256); }},
      {"--sqlite-cache-mb", "ORATOR_SQLITE_CACHE_MB", "SQLite's page cache, all connections together, in MiB (default 8)",
       [](ServerConfig& c, const std::string& v) {
         std::size_t mib = 0;
         if (!parse_number<std::size_t>(v, mib, 1, 4096)) return false;
         c.sqlite_cache_bytes = mib << 20;
         return true;
       }},
      {"--db-queue", "ORATOR_DB_QUEUE", "database tasks queued before requests get 503 (default 1024)",
       [](ServerConfig& c, const std::string& v) { return parse_number<std::size_t>(v, c.db_queue, 1, 1u << 20); }},
      {"--long-request-threads", "ORATOR_LONG_REQUEST_THREADS",
       "threads for requests that take seconds (pronunciation uploads, translations), apart from the database workers (default 2)",
       [](ServerConfig& c, const std::string& v) { return parse_number<std::size_t>(v, c.long_request_threads, 1, 64); }},
      {"--long-request-queue", "ORATOR_LONG_REQUEST_QUEUE", "requests that take seconds queued before 503 (default 16)",
       [](ServerConfig& c, const std::string& v) { return parse_number<std::size_t>(v, c.long_request_queue, 1, 4096); }},
      {"--jwt-secret-file", "ORATOR_JWT_SECRET_FILE", "file holding the token signing secret (else $ORATOR_JWT_SECRET, else generated under --data-dir)",
       [](ServerConfig& c, const std::string& v) { c.jwt_secret_file = v; return true; }},
      {"--access-token-ttl", "ORATOR_ACCESS_TOKEN_TTL", "access token lifetime in seconds (default 900)",
       [](ServerConfig& c, const std::string& v) { return parse_seconds(v, c.access_token_seconds, 1, 86400); }},
      {"--refresh-token-ttl", "ORATOR_REFRESH_TOKEN_TTL", "refresh token lifetime in seconds (default 2592000)",
       [](ServerConfig& c, const std::string& v) { return parse_seconds(v, c.refresh_token_seconds, 60, 365 * 86400.0); }},
      {"--refresh-grace-seconds", "ORATOR_REFRESH_GRACE_SECONDS",
       "a refresh token used again within this many seconds (two tabs at once) still refreshes; later it revokes its family (default 10)",
       [](ServerConfig& c, const std::string& v) { return parse_seconds(v, c.refresh_grace_seconds, 0, 300); }},
      {"--allow-anonymous-streams", "ORATOR_ALLOW_ANONYMOUS_STREAMS", "true to accept unauthenticated streams (not stored; default false)",
       [](ServerConfig& c, const std::string& v) {
         if (v != "true" && v != "false") return false;
         c.allow_anonymous_streams = v == "true";
         return true;
       }},
      {"--rate-limit", "ORATOR_RATE_LIMIT", "REST requests per minute per user, or per address when unauthenticated (default 600)",
       [](ServerConfig& c, const std::string& v) { return parse_seconds(v, c.rate_limit_per_minute, 1, 1e9); }},
      {"--auth-rate-limit", "ORATOR_AUTH_RATE_LIMIT", "login, register, token and refresh requests per minute per address (default 30)",
       [](ServerConfig& c, const std::string& v) { return parse_seconds(v, c.auth_rate_limit_per_minute, 1, 1e9); }},
      {"--checkpoint-seconds", "ORATOR_CHECKPOINT_SECONDS", "live streams store a checkpoint report this often, in audio seconds (default 5)",
       [](ServerConfig& c, const std::string& v) { return parse_seconds(v, c.checkpoint_seconds, 0.5, 3600); }},
      {"--max-upload-bytes", "ORATOR_MAX_UPLOAD_BYTES", "largest recording upload; larger gets 413 (default 104857600)",
       [](ServerConfig& c, const std::string& v) { return parse_number<std::size_t>(v, c.max_upload_bytes, 1024, std::size_t{4} << 30); }},
      {"--max-queued-uploads", "ORATOR_MAX_QUEUED_UPLOADS", "uploads waiting for analysis before new ones get 503 (default 16)",
       [](ServerConfig& c, const std::string& v) { return parse_number<std::size_t>(v, c.max_queued_uploads, 1, 100000); }},
      {"--max-record-seconds", "ORATOR_MAX_RECORD_SECONDS", "audio seconds kept per session created with record: true (default 3600)",
       [](ServerConfig& c, const std::string& v) { return parse_seconds(v, c.max_record_seconds, 1, 24 * 3600); }},
      {"--max-sessions-per-hour", "ORATOR_MAX_SESSIONS_PER_HOUR", "sessions one user may create per hour, by REST or by streaming (default 120)",
       [](ServerConfig& c, const std::string& v) { return parse_number<std::size_t>(v, c.max_sessions_per_hour, 1, 1u << 30); }},
      {"--shared-limits", "ORATOR_SHARED_LIMITS",
       "true to count rate limits, sign-in failures and streams per user in the database, for every instance on it (default: true on PostgreSQL)",
       [](ServerConfig& c, const std::string& v) {
         if (v != "true" && v != "false") return false;
         c.shared_limits = v == "true";
         return true;
       }},
      {"--max-streams-per-user", "ORATOR_MAX_STREAMS_PER_USER", "concurrent streams of one user (on every instance, with shared limits; default 4)",
       [](ServerConfig& c, const std::string& v) { return parse_number<std::size_t>(v, c.max_streams_per_user, 1, 1u << 20); }},
      {"--max-recorded-seconds-per-user", "ORATOR_MAX_RECORDED_SECONDS_PER_USER",
       "seconds of recordings one user may keep; beyond it recording streams and uploads get 413 (default 36000)",
       [](ServerConfig& c, const std::string& v) { return parse_seconds(v, c.max_recorded_seconds_per_user, 1, 1e9); }},
      {"--max-recorded-bytes-per-user", "ORATOR_MAX_RECORDED_BYTES_PER_USER",
       "bytes of recordings one user may keep; beyond it recording streams and uploads get 413 (default 2147483648)",
       [](ServerConfig& c, const std::string& v) { return parse_number<std::size_t>(v, c.max_recorded_bytes_per_user, 1024, std::size_t{1} << 50); }},
      {"--min-free-disk-bytes", "ORATOR_MIN_FREE_DISK_BYTES",
       "free space under --data-dir below which /health is unhealthy and uploads and recordings get 507 (default 268435456)",
       [](ServerConfig& c, const std::string& v) { return parse_number<std::uint64_t>(v, c.min_free_disk_bytes, 0, std::uint64_t{1} << 62); }},
      {"--disk-reserve-bytes", "ORATOR_DISK_RESERVE_BYTES",
       "space kept back under --data-dir and given up so deletes work on a full disk (default 16777216; 0: none)",
       [](ServerConfig& c, const std::string& v) { return parse_number<std::uint64_t>(v, c.disk_reserve_bytes, 0, std::uint64_t{1} << 40); }},
      {"--max-stream-wall-seconds", "ORATOR_MAX_STREAM_WALL_SECONDS",
       "wall-clock seconds one stream may stay open, however little it sends (default 18000)",
       [](ServerConfig& c, const std::string& v) { return parse_seconds(v, c.max_stream_wall_seconds, 1, 7 * 86400.0); }},
      {"--asr-threads", "ORATOR_ASR_THREADS",
       "speech decoders (live streams and background transcription), -1 = one per core, 0 = recognition off (default -1)",
       [](ServerConfig& c, const std::string& v) { return parse_number(v, c.asr_threads, -1, 256); }},
      {"--asr-model-dir", "ORATOR_ASR_MODEL_DIR", "PocketSphinx en-us model directory (default /usr/share/pocketsphinx/model/en-us)",
       [](ServerConfig& c, const std::string& v) { c.asr_model_dir = v; return !v.empty(); }},
      {"--asr-job-attempts", "ORATOR_ASR_JOB_ATTEMPTS", "tries of a background transcription before it fails (default 3)",
       [](ServerConfig& c, const std::string& v) { return parse_number(v, c.asr_job_attempts, 1, 100); }},
      {"--asr-job-stale-seconds", "ORATOR_ASR_JOB_STALE_SECONDS",
       "a running transcription job unheard of this long lost its process and is retried (default 120)",
       [](ServerConfig& c, const std::string& v) { return parse_seconds(v, c.asr_job_stale_seconds, 30, 24 * 3600); }},
      {"--transcription-provider", "ORATOR_TRANSCRIPTION_PROVIDER",
       "OpenAI-compatible .../v1/audio/transcriptions URL for background transcription (key: $ORATOR_TRANSCRIPTION_API_KEY)",
       [](ServerConfig& c, const std::string& v) {
         c.transcription_provider_url = v;
         return v.rfind("http://", 0) == 0 || v.rfind("https://", 0) == 0;
       }},
      {"--transcription-model", "ORATOR_TRANSCRIPTION_MODEL", "model name sent to the provider (default whisper-1)",
       [](ServerConfig& c, const std::string& v) { c.transcription_provider_model = v; return !v.empty(); }},
      {"--tts-workers", "ORATOR_TTS_WORKERS", "threads synthesising dictation audio (default 1)",
       [](ServerConfig& c, const std::string& v) { return parse_number(v, c.tts_workers, 1, 64); }},
      {"--tts-job-attempts", "ORATOR_TTS_JOB_ATTEMPTS", "tries of an item's speech synthesis before it fails (default 3)",
       [](ServerConfig& c, const std::string& v) { return parse_number(v, c.tts_job_attempts, 1, 100); }},
      {"--tts-job-stale-seconds", "ORATOR_TTS_JOB_STALE_SECONDS",
       "a synthesis unheard of this long lost its process and is retried (default 120)",
       [](ServerConfig& c, const std::string& v) { return parse_seconds(v, c.tts_job_stale_seconds, 1, 24 * 3600); }},
      {"--translation-url", "ORATOR_TRANSLATION_URL",
       "LibreTranslate-compatible base URL for translations instead of Apertium (key: $ORATOR_TRANSLATION_API_KEY)",
       [](ServerConfig& c, const std::string& v) {
         c.translation_url = v;
         return v.rfind("http://", 0) == 0 || v.rfind("https://", 0) == 0;
       }},
      {"--tls-cert", "ORATOR_TLS_CERT", "PEM certificate (chain) file: serve https:// and wss:// (needs --tls-key)",
       [](ServerConfig& c, const std::string& v) { c.tls_cert_file = v; return !v.empty(); }},
      {"--tls-key", "ORATOR_TLS_KEY", "PEM private key file for --tls-cert",
       [](ServerConfig& c, const std::string& v) { c.tls_key_file = v; return !v.empty(); }},
      {"--log-level", "ORATOR_LOG_LEVEL", "trace, debug, info, warn, error or off (default info)",
       [](ServerConfig& c, const std::string& v) {
         c.log_level = v;
         return v == "trace" || v == "debug" || v == "info" || v == "warn" || v == "error" || v == "off";
       }},
      {"--log-format", "ORATOR_LOG_FORMAT", "text, or json: one JSON object per line (default text)",
       [](ServerConfig& c, const std::string& v) {
         c.json_logs = v == "json";
         return v == "text" || v == "json";
       }},
  };
  return opts;
}

}  // namespace

ConfigResult parse_config(const std::vector<std::string>& args, const char* (*getenv)(const char*)) {
  ConfigResult result;
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") {
      result.help = true;
      return result;
    }
  }
  ServerConfig cfg;
  for (const auto& opt : options()) {
    if (const char* v = getenv(opt.env); v && *v) {
      if (!opt.set(cfg, v)) {
        result.error = std::string("invalid value for ") + opt.env + ": " + v;
        return result;
      }
    }
  }
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    std::string flag = a, value;
    if (const auto eq = a.find('='); eq != std::string::npos) {
      flag = a.substr(0, eq);
      value = a.substr(eq + 1);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      result.error = "missing value for " + a;
      return result;
    }
    bool known = false;
    for (const auto& opt : options()) {
      if (flag != opt.flag) continue;
      known = true;
      if (!opt.set(cfg, value)) {
        result.error = "invalid value for " + flag + ": " + value;
        return result;
      }
    }
    if (!known) {
      result.error = "unknown option " + flag;
      return result;
    }
  }
  if (cfg.tls_cert_file.empty() != cfg.tls_key_file.empty()) {
    result.error = "--tls-cert and --tls-key go together";
    return result;
  }
  result.config = cfg;
  return result;
}

std::string usage() {
  std::ostringstream out;
  out << "Usage: orator-server [options]\n\nEvery option can also be set by its environment variable; flags win.\n\n";
  for (const auto& opt : options()) out << "  " << opt.flag << " VALUE  (" << opt.env << ")\n      " << opt.help << "\n";
  return out.str();
}

}  // namespace orator::server
