#pragma once
// The one owner of a session's lifecycle: create -> live -> checkpoint ->
// finished | interrupted, uploads (created -> processing -> completed |
// failed), and recovery at start. Every status change goes through here and
// is announced on SessionEvents from here (transcription jobs announce
// transcript_ready and their failures themselves, as the jobs own them).
//
// Thread-safety: create() and begin_stream() block on the database (call
// them from a worker, never from an event loop); every other call returns at
// once and does its database work on the worker pool. Safe from any thread.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "dsp/analyzer.hpp"
#include "protocol/recording.hpp"
#include "server/config.hpp"
#include "server/sessions/session_events.hpp"
#include "storage/store.hpp"

namespace orator::storage {
class WorkerPool;
}
namespace orator::server::transcription {
class TranscriptionJobs;
}

namespace orator::server::sessions {

// What a new session is: REST's POST /v1/sessions, or a stream opened without one.
struct NewSession {
  std::string user_id, title, description;
  storage::Mode mode = storage::Mode::presentation;
  std::string settings = "{}";  // JSON text
  bool record = false;
};

// How a stream ended, with what the stream made of it.
struct StreamEnding {
  std::string session_id, user_id;
  storage::SessionOutcome outcome;
  std::optional<storage::TranscriptRecord> transcript;  // made live
  bool queue_transcription = false;                     // asked for, not made live: a job makes it
};

// A stream's recording: chunks written on the worker pool (possibly out of
// order), and the final report waits for them, so a completed session has
// all its audio. One per stream; append from the stream's strand.
class RecordingWriter {
 public:
  void append(protocol::PcmChunk&& chunk);

 private:
  friend class SessionService;
  struct Pending;
  RecordingWriter(class SessionService& service, std::string session_id);
  SessionService& service_;
  std::string session_id_;
  std::shared_ptr<Pending> pending_;
};

class SessionService {
 public:
  SessionService(storage::Store& store, SessionEvents& events, const ServerConfig& config);
  SessionService(const SessionService&) = delete;
  SessionService& operator=(const SessionService&) = delete;

  // The pools and jobs are made after the service (teardown order); uploads
  // and background work wait for them. `jobs` may be null (recognition off).
  void attach(storage::WorkerPool& workers, storage::WorkerPool& processing,
              std::shared_ptr<const dsp::AnalysisContext> analysis, transcription::TranscriptionJobs* jobs);

  // At start, before listening: streams that were live and uploads that
  // were processing belonged to a process that died. Each is marked
  // (interrupted with its last checkpoint; failed with the reason) and
  // announced. Blocking.
  void recover();

  // Blocking. The stored session.
  storage::SessionRecord create(const NewSession& session);
  // A stream was authorised into `id`: live from now (blocking, before the upgrade).
  void begin_stream(const std::string& id);
  // The upgrade completed: announced.
  void stream_opened(const std::string& id, const std::string& user_id);
  // The stream's report so far; dropped (harmlessly) when the database is behind.
  void checkpoint(const std::string& id, std::string report_json);
  [[nodiscard]] std::unique_ptr<RecordingWriter> recording_writer(const std::string& id);
  // Stores the ending (after `recording`'s chunks), queues its transcription
  // job, then announces finished or interrupted.
  void finish_stream(StreamEnding ending, std::unique_ptr<RecordingWriter> recording);
  // The newest transcription job's status for a session ("queued" until its row exists), delivered to `done`
  // on a worker thread.
  void job_status(const std::string& user_id, const std::string& id, std::function<void(std::string)> done);

  // Uploads. Refuses (with the status and message to answer) unless the
  // session may take a recording; otherwise analyses `body` in the
  // background: completed with its report, or failed with the reason.
  struct UploadRefusal {
    int status;
    std::string code, message;
  };
  [[nodiscard]] std::optional<UploadRefusal> submit_upload(const storage::SessionRecord& session, std::string body);
  // Whether background recognition exists (uploads and deferred streams get transcripts).
  [[nodiscard]] bool transcribes() const { return jobs_ != nullptr; }
  // Queues (re)transcription of a session's kept audio. Blocking.
  storage::Job queue_transcription(const std::string& id, const std::string& kind);

 private:
  friend class RecordingWriter;
  void analyse_upload(const storage::SessionRecord& session, const std::string& body);
  void fail(const std::string& id, const std::string& user_id, const std::string& reason);
  void publish(SessionEventKind kind, const std::string& id, const std::string& user_id, std::string detail = {}) const;

  storage::Store& store_;
  SessionEvents& events_;
  const ServerConfig& config_;
  storage::WorkerPool* workers_ = nullptr;
  storage::WorkerPool* processing_ = nullptr;
  std::shared_ptr<const dsp::AnalysisContext> analysis_;
  transcription::TranscriptionJobs* jobs_ = nullptr;
};

}  // namespace orator::server::sessions
