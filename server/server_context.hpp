#pragma once
// State shared by every connection of one server. The registry and counters
// are thread-safe; config and the analysis context are immutable.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "dsp/analyzer.hpp"
#include "server/admission.hpp"
#include "server/config.hpp"
#include "server/connection_limits.hpp"
#include "server/server_metrics.hpp"

namespace boost::asio::ssl {
class context;
}

namespace orator::storage {
class Store;
class WorkerPool;
}  // namespace orator::storage

namespace orator::server {

namespace api {
class Api;
}
namespace sessions {
class SessionEvents;
class SessionService;
}
namespace transcription {
class DecoderPool;
class TranscriptionJobs;
}  // namespace transcription
namespace auth {
class JwtSigner;
}
namespace dictation {
struct DictationServices;
}

// What the server needs of every live stream, plain or TLS.
class LiveStream {
 public:
  virtual ~LiveStream() = default;
  // Server shutdown: finalise, send the assessment, close with 1001. Thread-safe.
  virtual void shutdown() = 0;
};

class SessionRegistry {
 public:
  void add(const std::shared_ptr<LiveStream>& session);
  void remove(const LiveStream* session);
  [[nodiscard]] std::vector<std::shared_ptr<LiveStream>> snapshot() const;
  [[nodiscard]] std::size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::unordered_map<const LiveStream*, std::weak_ptr<LiveStream>> sessions_;
};

// Who a stream belongs to, decided before the upgrade.
struct StreamIdentity {
  std::string user_id;      // empty for an anonymous stream
  std::string session_id;   // the stored session, empty when anonymous
  bool record = false;      // keep the audio (the session was created with record: true)
  // The type of a session created before the stream: it governs the stream,
  // and a stream naming another mode is refused (SESSION_MISMATCH).
  std::optional<dsp::Mode> session_mode;
  std::optional<bool> session_transcript;  // the session's settings.transcript, when it has one
  // The session's settings.target_text / sentence_id: its stream's target when the stream names none.
  std::string session_target_text, session_sentence_id;
  // The pronunciation practice session this stream's attempt belongs to
  // (?practice_session_id=, checked before the upgrade); else the stream's own.
  std::string practice_session_id;
  std::shared_ptr<const void> stream_slot; // the user's place among their concurrent streams
  AdmissionControl::Ticket admission;      // the stream's place within this instance's capacity
  bool persistent() const { return !session_id.empty(); }
};

struct ServerContext {
  ServerConfig config;
  std::shared_ptr<const dsp::AnalysisContext> analysis;
  // Null when the server runs without storage (unit tests of handle_request).
  storage::Store* store = nullptr;
  storage::WorkerPool* workers = nullptr;
  // Requests of RouteOptions::long_running routes; null: they run on `workers`.
  storage::WorkerPool* long_requests = nullptr;
  api::Api* api = nullptr;
  // Null when recognition is off (--asr-threads 0, or no models).
  transcription::DecoderPool* decoders = nullptr;
  // Owns every session's lifecycle; null without storage (unit tests of
  // handle_request, anonymous-only streams).
  sessions::SessionService* sessions = nullptr;
  // Items, attempts, speech synthesis, translation; null without storage.
  dictation::DictationServices* dictation = nullptr;
  // Set when the server speaks TLS (--tls-cert/--tls-key): every connection is https/wss.
  boost::asio::ssl::context* tls = nullptr;
  SessionRegistry streams;
  ConnectionLimits connections;  // configured at start from config
  AdmissionControl admission;    // configured at start from config, fed once a second
  std::atomic<std::uint64_t> streams_started{0};
  ServerMetrics metrics;
  std::atomic<bool> stopping{false};
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

// Random identifier in UUID v4 form (session and request ids).
[[nodiscard]] std::string random_id();

}  // namespace orator::server
