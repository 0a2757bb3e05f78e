#include "server/sessions/session_service.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "dsp/constants.hpp"
#include "protocol/audio_file.hpp"
#include "protocol/messages.hpp"
#include "server/api/api.hpp"
#include "server/api/recordings.hpp"
#include "server/server_context.hpp"
#include "server/transcription/transcription_jobs.hpp"
#include "storage/worker_pool.hpp"

namespace orator::server::sessions {
namespace {


// Live messages have no reader for an upload; the audio is kept when asked.
struct UploadSink final : dsp::AnalysisSink {
  std::optional<protocol::RecordingBuffer> recording;
  void on_vad(bool, double) override {}
  void on_nudge(const dsp::Nudge&, const dsp::NudgeInputs&) override {}
  void on_metrics(const dsp::IntervalMetrics&) override {}
  void on_analysis_audio(std::span<const float> samples16k) override {
    if (recording) recording->append(samples16k);
  }
};

}  // namespace

// Chunk writes in flight for one recording.
struct RecordingWriter::Pending {
  std::mutex mutex;
  std::condition_variable idle;
  int count = 0;

  void started() {
    std::lock_guard lock(mutex);
    ++count;
  }
  void finished() {
    std::lock_guard lock(mutex);
    if (--count == 0) idle.notify_all();
  }
  // Tasks start in submission order, so the chunks this waits for are
  // already running on other workers: bounded, and cannot deadlock.
  void wait_idle() {
    std::unique_lock lock(mutex);
    idle.wait_for(lock, std::chrono::seconds(30), [this] { return count == 0; });
  }
};

RecordingWriter::RecordingWriter(SessionService& service, std::string session_id)
    : service_(service), session_id_(std::move(session_id)), pending_(std::make_shared<Pending>()) {}

void RecordingWriter::append(protocol::PcmChunk&& chunk) {
  storage::Store* store = &service_.store_;
  auto shared_chunk = std::make_shared<protocol::PcmChunk>(std::move(chunk));
  pending_->started();
  const bool queued = service_.workers_->submit([store, id = session_id_, shared_chunk, pending = pending_] {
    try {
      store->append_recording_chunk(id, api::to_stored_chunk(*shared_chunk, dsp::kAnalysisRate));
    } catch (const std::exception& e) {
      spdlog::error("session {}: recording chunk {} not stored: {}", id, shared_chunk->seq, e.what());
    }
    pending->finished();
  });
  if (!queued) {
    pending_->finished();
    // The recording keeps its timeline: the missing stretch plays as silence.
    spdlog::warn("session {}: database queue full; recording chunk {} dropped", session_id_, shared_chunk->seq);
  }
}

SessionService::SessionService(storage::Store& store, SessionEvents& events, const ServerConfig& config)
    : store_(store), events_(events), config_(config) {}

void SessionService::attach(storage::WorkerPool& workers, storage::WorkerPool& processing,
                            std::shared_ptr<const dsp::AnalysisContext> analysis, transcription::TranscriptionJobs* jobs) {
  workers_ = &workers;
  processing_ = &processing;
  analysis_ = std::move(analysis);
  jobs_ = jobs;
}

void SessionService::publish(SessionEventKind kind, const std::string& id, const std::string& user_id, std::string detail) const {
  events_.publish({kind, id, user_id, std::move(detail)});
}

void SessionService::recover() {
  const auto interrupted = store_.recover_interrupted_sessions(api::Api::now_ms());
  if (!interrupted.empty())
    spdlog::warn("{} sessions were cut off by an unclean stop; marked interrupted with their last checkpoint", interrupted.size());
  for (const auto& s : interrupted) publish(SessionEventKind::interrupted, s.id, s.user_id, "the server stopped during the stream");
  // The upload body is not kept past its analysis: it cannot be resumed.
  const std::string reason = "the server stopped while this recording was being analysed; upload it again";
  const auto failed = store_.fail_orphaned_uploads(reason);
  if (!failed.empty()) spdlog::warn("{} uploads were cut off by an unclean stop; marked failed", failed.size());
  for (const auto& s : failed) publish(SessionEventKind::failed, s.id, s.user_id, reason);
}

storage::SessionRecord SessionService::create(const NewSession& n) {
  storage::SessionRecord s;
  s.id = random_id();
  s.user_id = n.user_id;
  s.title = n.title;
  s.description = n.description;
  s.mode = n.mode;
  s.status = storage::SessionStatus::created;
  s.settings = n.settings;
  s.record = n.record;
  s.created_at = api::Api::now_ms();
  return store_.create_session(s);
}

void SessionService::begin_stream(const std::string& id) { store_.mark_session_live(id, api::Api::now_ms()); }

void SessionService::stream_opened(const std::string& id, const std::string& user_id) {
  publish(SessionEventKind::started, id, user_id);
}

void SessionService::checkpoint(const std::string& id, std::string report_json) {
  if (!workers_) return;
  auto report = std::make_shared<std::string>(std::move(report_json));
  // A dropped checkpoint is harmless (the next one or the final report follows).
  if (!workers_->submit([store = &store_, id, report] { store->save_checkpoint(id, *report, api::Api::now_ms()); }))
    spdlog::warn("session {}: database queue full; checkpoint skipped", id);
}

std::unique_ptr<RecordingWriter> SessionService::recording_writer(const std::string& id) {
  if (!workers_) return nullptr;
  return std::unique_ptr<RecordingWriter>(new RecordingWriter(*this, id));
}

void SessionService::finish_stream(StreamEnding ending, std::unique_ptr<RecordingWriter> recording) {
  if (!workers_) return;
  std::shared_ptr<RecordingWriter::Pending> pending = recording ? recording->pending_ : nullptr;
  auto shared = std::make_shared<StreamEnding>(std::move(ending));
  const bool queued = workers_->submit([this, shared, pending] {
    auto& e = *shared;
    try {
      if (pending) pending->wait_idle();
      // Words first: once the session reads as ended, its transcript (or its
      // job) is there. A job is claimed only once its session has ended.
      if (e.transcript) store_.save_transcript(*e.transcript);
      if (e.queue_transcription) store_.enqueue_job(e.session_id, "deferred", api::Api::now_ms());
      e.outcome.ended_at = api::Api::now_ms();
      store_.finish_session(e.session_id, e.outcome);
    } catch (const std::exception& ex) {
      spdlog::error("session {}: the report was not stored: {}", e.session_id, ex.what());
      return;
    }
    if (e.queue_transcription && jobs_) jobs_->wake();
    publish(e.outcome.status == storage::SessionStatus::completed ? SessionEventKind::finished : SessionEventKind::interrupted,
            e.session_id, e.user_id);
  });
  if (!queued) spdlog::error("session {}: database queue full; the report was not stored (its last checkpoint stays)", shared->session_id);
}

void SessionService::job_status(const std::string& user_id, const std::string& id, std::function<void(std::string)> done) {
  auto task = [store = &store_, user_id, id, done] {
    std::string status = "queued";  // the job row may not be written yet
    try {
      if (auto job = store->latest_job(user_id, id, "")) status = job->status;
    } catch (const std::exception&) {
    }
    done(status);
  };
  if (!workers_ || !workers_->submit(task)) done("queued");
}

std::optional<SessionService::UploadRefusal> SessionService::submit_upload(const storage::SessionRecord& s, std::string body) {
  using storage::SessionStatus;
  if (s.status != SessionStatus::created && s.status != SessionStatus::failed)
    return UploadRefusal{409, "CONFLICT",
                         "session already " + std::string(storage::status_name(s.status)) +
                             "; create a new session for another recording"};
  if (!processing_) return UploadRefusal{503, "INTERNAL_ERROR", "recording analysis is not available"};
  store_.set_session_status(s.id, SessionStatus::processing, std::nullopt);
  auto shared_body = std::make_shared<std::string>(std::move(body));
  const bool queued = processing_->submit([this, s, shared_body] {
    try {
      analyse_upload(s, *shared_body);
    } catch (const std::exception& e) {
      spdlog::error("upload {}: {}", s.id, e.what());
      fail(s.id, s.user_id, "internal error while analysing the recording");
    }
  });
  if (!queued) {
    store_.set_session_status(s.id, s.status, s.error);
    return UploadRefusal{503, "INTERNAL_ERROR", "too many recordings are waiting for analysis; retry later"};
  }
  return std::nullopt;
}

void SessionService::fail(const std::string& id, const std::string& user_id, const std::string& reason) {
  store_.set_session_status(id, storage::SessionStatus::failed, reason);
  publish(SessionEventKind::failed, id, user_id, reason);
}

void SessionService::analyse_upload(const storage::SessionRecord& s, const std::string& body) {
  const auto audio = protocol::decode_audio_file(
      std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(body.data()), body.size()), config_.max_stream_seconds);
  if (!audio.ok()) return fail(s.id, s.user_id, audio.error);
  UploadSink sink;
  // The audio is kept when asked, and for transcription when recognition is on.
  if (s.record || jobs_)
    sink.recording.emplace(dsp::kAnalysisRate, config_.max_record_seconds, api::kRecordingChunkSeconds, [&](protocol::PcmChunk&& chunk) {
      store_.append_recording_chunk(s.id, api::to_stored_chunk(chunk, dsp::kAnalysisRate));
    });
  dsp::StreamAnalyzer analyzer(analysis_, {s.mode, audio.sample_rate, 1000}, sink);
  analyzer.push(audio.samples);
  const auto a = analyzer.finish(true);
  if (sink.recording) sink.recording->flush();
  const bool transcribe = jobs_ && sink.recording;  // words come from the durable queue, like a deferred stream's
  if (transcribe) store_.enqueue_job(s.id, "upload", api::Api::now_ms());
  store_.finish_session(s.id, {storage::SessionStatus::completed, a.duration, a.speaking_time, a.scores.overall, a.scores.clarity,
                               a.scores.pace, a.scores.engagement, a.scores.confidence, protocol::assessment_json(s.id, a),
                               api::Api::now_ms(), std::nullopt});
  spdlog::info("upload {} analysed: {:.1f} s audio, overall score {}", s.id, a.duration, a.scores.overall);
  if (transcribe) jobs_->wake();
  publish(SessionEventKind::finished, s.id, s.user_id);
}

storage::Job SessionService::queue_transcription(const std::string& id, const std::string& kind) {
  auto job = store_.enqueue_job(id, kind, api::Api::now_ms());
  if (jobs_) jobs_->wake();
  return job;
}

}  // namespace orator::server::sessions
