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
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <optional>
#include <string>
#include <vector>

#include "dsp/analyzer.hpp"
#include "protocol/recording.hpp"
#include "server/config.hpp"
#include "server/sessions/disk_reserve.hpp"
#include "server/sessions/session_events.hpp"
#include "storage/pronunciation_store.hpp"
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
  // The pronunciation attempt against the stream's target, with its phones.
  std::optional<storage::PronunciationAssessmentRecord> pronunciation;
  std::vector<storage::PhoneScoreRecord> pronunciation_phones;
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
  // were processing belonged to a process that died. Live streams become
  // interrupted with their last checkpoint; an upload whose bytes are still
  // on disk is queued again (resume_uploads, after attach), one whose bytes
  // are gone becomes failed with the reason. Each is announced. Blocking.
  // False when the database refused (a full disk): the server starts anyway
  // and keep_lease() tries again each beat, resuming uploads once it works.
  bool recover();
  void resume_uploads();
  // Beats this instance's lease and, each beat, recovers the live streams of
  // instances whose lease lapsed, adopts their uploads, queues the uploads a
  // full queue turned away and drops dead stream claims (on a thread of its
  // own until destruction).
  void keep_lease();
  ~SessionService();

  // Blocking. The stored session.
  storage::SessionRecord create(const NewSession& session);
  // A stream was authorised into `id`: live from now (blocking, before the upgrade).
  // False when the session is no longer created (another stream took it).
  // `practice_session_id`: the practice session the stream reads into.
  [[nodiscard]] bool begin_stream(const std::string& id, const std::string& practice_session_id = {});
  // The upgrade completed: announced.
  void stream_opened(const std::string& id, const std::string& user_id);
  // The stream's report so far; dropped (harmlessly) when the database is behind.
  void checkpoint(const std::string& id, std::string report_json);
  [[nodiscard]] std::unique_ptr<RecordingWriter> recording_writer(const std::string& id);
  // Stores the ending (after `recording`'s chunks), queues its transcription
  // job, then announces finished or interrupted.
  void finish_stream(StreamEnding ending, std::unique_ptr<RecordingWriter> recording);
  // Closes a created pronunciation practice session with `outcome_of(its
  // summary)`, in one transaction no attempt slips into, and announces it
  // finished. The status found (created: ended now); none when not the
  // user's. Blocking.
  [[nodiscard]] std::optional<storage::SessionStatus> end_practice(
      const std::string& id, const std::string& user_id, double weak_below, int min_phone_attempts, std::size_t weak_limit,
      const std::function<storage::SessionOutcome(const storage::PracticeSummary&)>& outcome_of);
  // The newest transcription job's status for a session ("queued" until its row exists), delivered to `done`
  // on a worker thread.
  void job_status(const std::string& user_id, const std::string& id, std::function<void(std::string)> done);

  // Uploads. A body is received into a file under incoming_dir() (never
  // held whole in memory while it arrives). submit_upload refuses (with the
  // status and message to answer) unless the session may take a recording;
  // otherwise the file becomes the session's (durable before the answer:
  // a restart resumes it) and is analysed in the background: completed with
  // its report, or failed with the reason. The file goes once analysed.
  struct Refusal {
    int status;
    std::string code, message;
    int retry_after = 0;  // seconds, for 429
  };
  using UploadRefusal = Refusal;
  [[nodiscard]] std::optional<UploadRefusal> upload_refusal(const storage::SessionRecord& session) const;
  [[nodiscard]] std::optional<UploadRefusal> submit_upload(const storage::SessionRecord& session, const std::string& file);
  [[nodiscard]] std::string incoming_dir() const { return config_.data_dir + "/uploads"; }
  // A fresh, unused file name in incoming_dir() for a body on its way in.
  [[nodiscard]] std::string incoming_path() const;
  // Per-user quotas (blocking): nullopt when `user_id` may create another
  // session now (sessions per hour; when `keeps_audio`, the recordings they
  // keep), else why not (429 or 413).
  [[nodiscard]] std::optional<Refusal> quota_refusal(const std::string& user_id, bool creates_session, bool keeps_audio);
  // A place among the user's concurrent streams on this instance, held until
  // the last copy goes; null when they are all taken. Thread-safe.
  [[nodiscard]] std::shared_ptr<const void> claim_stream(const std::string& user_id);

  // Why the data directory's disk cannot take more (free space below
  // --min-free-disk-bytes), or nullopt. Thread-safe.
  [[nodiscard]] std::optional<std::string> disk_problem() const;
  // Gives up the space held back for a full disk (see DiskReserve), so that
  // a delete refused for want of space can run; false if none was held.
  // The lease beat makes it again once there is room. Thread-safe.
  [[nodiscard]] bool release_disk_reserve() { return disk_reserve_.release(); }
  // For /health: why background work is not getting done (the recording
  // queue is full, the transcription worker stalled), or nullopt. Thread-safe.
  [[nodiscard]] std::optional<std::string> background_problem() const;
  // This instance's uploads waiting for and in analysis, and how many it finished.
  struct UploadCounts {
    std::size_t queued = 0, analysing = 0;
    std::uint64_t completed = 0, failed = 0;
  };
  [[nodiscard]] UploadCounts upload_counts() const;

  // Whether background recognition exists (uploads and deferred streams get transcripts).
  [[nodiscard]] bool transcribes() const { return jobs_ != nullptr; }
  // Queues (re)transcription of a session's kept audio. Blocking.
  storage::Job queue_transcription(const std::string& id, const std::string& kind);

 private:
  friend class RecordingWriter;
  [[nodiscard]] bool queue_upload(const storage::SessionRecord& session);
  // True when it completed (false: failed, with the reason stored).
  [[nodiscard]] bool analyse_upload(const storage::SessionRecord& session);
  [[nodiscard]] std::string upload_path(const std::string& session_id) const { return incoming_dir() + "/" + session_id + ".upload"; }
  std::vector<storage::SessionRef> resumable_uploads_;  // to queue: at start, then on the lease thread only
  std::atomic<std::size_t> uploads_analysing_{0};
  std::atomic<std::uint64_t> uploads_completed_{0}, uploads_failed_{0};
  [[nodiscard]] std::int64_t lease_ms() const { return static_cast<std::int64_t>(config_.instance_lease_seconds * 1000); }
  void announce_interrupted(const std::vector<storage::SessionRef>& sessions, const char* how);
  void summarise_recovered(const storage::SessionRef& ref);
  std::thread lease_thread_;
  // recover() succeeded: set at start on the caller's thread, then only on the lease thread.
  std::atomic<bool> recovered_{false};
  std::mutex lease_mutex_;
  std::condition_variable lease_wake_;
  bool lease_stopping_ = false;
  std::mutex streams_mutex_;
  std::unordered_map<std::string, std::size_t> streams_per_user_;  // not shared: this instance's streams per user
  std::vector<std::string> unreleased_claims_;  // shared: ended streams' claims the database has yet to drop
  void release_claim(const std::string& claim);
  void release_unreleased_claims();  // on the lease beat; throws what the database throws
  void fail(const std::string& id, const std::string& user_id, const std::string& reason);
  void recover_once();  // recover()'s work; throws what the database throws
  // Uploads still processing that this instance should analyse: at start its
  // own earlier run's, and each beat those of instances whose lease lapsed
  // (adopted); those whose bytes are nowhere become failed.
  std::vector<storage::SessionRef> uploads_to_take(std::int64_t now, bool own_earlier_run);
  void adopt_uploads(const std::vector<storage::SessionRef>& uploads);  // queued for analysis
  // A streamed attempt, into its practice session or, if that has ended, the stream's own.
  void store_attempt(storage::PronunciationAssessmentRecord& attempt, const std::vector<storage::PhoneScoreRecord>& phones,
                     const std::string& stream_session_id);
  void publish(SessionEventKind kind, const std::string& id, const std::string& user_id, std::string detail = {}) const;

  storage::Store& store_;
  SessionEvents& events_;
  const ServerConfig& config_;
  DiskReserve disk_reserve_;
  storage::WorkerPool* workers_ = nullptr;
  storage::WorkerPool* processing_ = nullptr;
  std::shared_ptr<const dsp::AnalysisContext> analysis_;
  transcription::TranscriptionJobs* jobs_ = nullptr;
};

}  // namespace orator::server::sessions
