#include "server/sessions/session_service.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <utility>

#include "dsp/constants.hpp"
#include "protocol/audio_file.hpp"
#include "protocol/messages.hpp"
#include "protocol/stored_report.hpp"
#include "server/api/api.hpp"
#include "server/api/recordings.hpp"
#include "server/auth/crypto.hpp"
#include "server/sessions/mapped_file.hpp"
#include "server/sessions/shared_upload.hpp"
#include "server/server_context.hpp"
#include "server/transcription/transcription_jobs.hpp"
#include "storage/limit_store.hpp"
#include "storage/upload_store.hpp"
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
    : store_(store),
      events_(events),
      config_(config),
      disk_reserve_(std::filesystem::path(config.data_dir) / "disk-reserve", config.data_dir.empty() ? 0 : config.disk_reserve_bytes) {}

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

SessionService::~SessionService() {
  {
    std::lock_guard lock(lease_mutex_);
    lease_stopping_ = true;
  }
  lease_wake_.notify_all();
  if (lease_thread_.joinable()) lease_thread_.join();
}

void SessionService::announce_interrupted(const std::vector<storage::SessionRef>& sessions, const char* how) {
  if (sessions.empty()) return;
  spdlog::warn("{} sessions were cut off by {}; marked interrupted with their last checkpoint", sessions.size(), how);
  for (const auto& s : sessions) {
    summarise_recovered(s);
    publish(SessionEventKind::interrupted, s.id, s.user_id, "the server stopped during the stream");
  }
}

// A recovered session's report is its last checkpoint; its length and scores
// come from that report too, so lists show what was kept rather than blanks.
void SessionService::summarise_recovered(const storage::SessionRef& ref) {
  const auto session = store_.find_session(ref.user_id, ref.id);
  if (!session || !session->report) return;
  std::string error;
  const auto report = protocol::read_stored_report(*session->report, error);
  if (!report) {
    spdlog::warn("session {}: its checkpoint is not a report ({}); left without a summary", ref.id, error);
    return;
  }
  storage::SessionOutcome o;
  o.status = storage::SessionStatus::interrupted;
  o.duration = report->duration;
  o.speaking_time = report->speaking_time;
  o.overall = report->scores.overall;
  o.clarity = report->scores.clarity;
  o.pace = report->scores.pace;
  o.engagement = report->scores.engagement;
  o.confidence = report->scores.confidence;
  o.report_json = *session->report;
  o.ended_at = session->ended_at.value_or(api::Api::now_ms());
  store_.finish_session(ref.id, o);
}

bool SessionService::recover() {
  try {
    recover_once();
    recovered_ = true;
  } catch (const std::exception& e) {
    // A full disk (or a database that refuses writes) must not keep the
    // server down: it serves what it can read, and tries again each beat.
    spdlog::warn("what the last run left could not be recovered yet ({}); serving reads, retrying each lease beat", e.what());
  }
  return recovered_;
}

void SessionService::recover_once() {
  const std::int64_t now = api::Api::now_ms();
  store_.heartbeat_instance(config_.instance_id, now);
  // This instance's own earlier run (same id), and instances whose lease
  // lapsed; the live streams of instances still beating are theirs.
  announce_interrupted(store_.recover_interrupted_sessions(now, config_.instance_id, now - lease_ms()), "an unclean stop");
  // The streams of this instance's earlier run, and of instances that died, hold no place.
  if (config_.limits_shared()) storage::LimitStore(store_.pool()).forget_stream_claims(config_.instance_id, now - lease_ms());
  // Bodies that were still arriving when the process died are incomplete.
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(incoming_dir(), ec))
    if (entry.path().filename().string().rfind("incoming-", 0) == 0) std::filesystem::remove(entry.path(), ec);
  resumable_uploads_ = uploads_to_take(now, true);
}

std::vector<storage::SessionRef> SessionService::uploads_to_take(std::int64_t now, bool own_earlier_run) {
  // An upload's bytes are on disk (and, shared, in the database) from before
  // its 202 until its analysis ends.
  const std::string reason = "the server stopped while this recording was being analysed and its bytes are gone; upload it again";
  const bool shared = config_.limits_shared();
  storage::UploadStore pieces(store_.pool());
  std::vector<storage::SessionRef> take;
  std::size_t failed = 0;
  for (const auto& s : store_.processing_uploads()) {
    const bool own = s.instance_id.empty() || s.instance_id == config_.instance_id;
    if (own && !own_earlier_run) continue;  // in this run's queue
    std::error_code ec;
    if (!own) {
      // Another instance's: its own to resume while it beats (a copy here is
      // stale: adopted while this instance was down); once its lease lapsed,
      // the first instance to adopt it fetches the bytes.
      if (store_.instance_alive(s.instance_id, now - lease_ms())) {
        if (shared) std::filesystem::remove(upload_path(s.id), ec);
        continue;
      }
      if (shared && !pieces.adopt(s.id, s.instance_id, config_.instance_id)) continue;
    }
    if (std::filesystem::exists(upload_path(s.id), ec) || (shared && pieces.holds(s.id))) {
      take.push_back(s);
      continue;
    }
    ++failed;
    fail(s.id, s.user_id, reason);
  }
  if (failed > 0) spdlog::warn("{} uploads were cut off by an unclean stop without their bytes; marked failed", failed);
  return take;
}

void SessionService::keep_lease() {
  lease_thread_ = std::thread([this] {
    const auto beat = std::chrono::milliseconds(std::max<std::int64_t>(200, lease_ms() / 3));
    disk_reserve_.replenish(config_.min_free_disk_bytes);
    std::unique_lock lock(lease_mutex_);
    while (!lease_wake_.wait_for(lock, beat, [this] { return lease_stopping_; })) {
      lock.unlock();
      if (!recovered_ && recover()) resume_uploads();
      disk_reserve_.replenish(config_.min_free_disk_bytes);
      try {
        const std::int64_t now = api::Api::now_ms();
        store_.heartbeat_instance(config_.instance_id, now);
        announce_interrupted(store_.recover_interrupted_sessions(now, {}, now - lease_ms()), "an instance whose lease lapsed");
        if (recovered_) {
          adopt_uploads(std::exchange(resumable_uploads_, {}));
          adopt_uploads(uploads_to_take(now, false));
        }
        // Shared limits: keys whose bucket is full again, failures a day old.
        storage::LimitStore limits(store_.pool());
        if (config_.limits_shared()) {
          release_unreleased_claims();
          limits.forget_stream_claims({}, now - lease_ms());
        }
        limits.forget_idle(now * 1000);
        limits.forget_sign_in_failures(now - 24 * 3600 * 1000);
      } catch (const std::exception& e) {
        spdlog::warn("instance lease: {}", e.what());
      }
      lock.lock();
    }
  });
}

void SessionService::resume_uploads() {
  if (!resumable_uploads_.empty())
    spdlog::info("{} uploads cut off by an unclean stop are analysed again", resumable_uploads_.size());
  adopt_uploads(std::exchange(resumable_uploads_, {}));
}

void SessionService::adopt_uploads(const std::vector<storage::SessionRef>& uploads) {
  for (const auto& ref : uploads) {
    if (ref.instance_id != config_.instance_id && !ref.instance_id.empty())
      spdlog::info("upload {}: adopted from instance {}, whose lease lapsed", ref.id, ref.instance_id);
    const auto s = store_.find_session_for_job(ref.id);
    // A full queue leaves it processing with its bytes: a later beat tries again.
    if (s && !queue_upload(*s)) {
      spdlog::warn("upload {}: the analysis queue is full; queued again at a later lease beat", s->id);
      resumable_uploads_.push_back(ref);
    }
  }
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

bool SessionService::begin_stream(const std::string& id, const std::string& practice_session_id) {
  return store_.mark_session_live(id, api::Api::now_ms(), config_.instance_id,
                                  practice_session_id.empty() ? std::nullopt : std::optional(practice_session_id));
}

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
      if (e.pronunciation) store_attempt(*e.pronunciation, e.pronunciation_phones, e.session_id);
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

void SessionService::store_attempt(storage::PronunciationAssessmentRecord& attempt, const std::vector<storage::PhoneScoreRecord>& phones,
                                   const std::string& stream_session_id) {
  storage::PronunciationStore attempts(store_.pool());
  if (attempts.create(attempt, phones)) return;
  // The practice session it was read into ended while it streamed: the
  // attempt stays with the stream's own session rather than being lost.
  spdlog::info("session {}: practice session {} ended during the stream; the attempt is kept with the stream", stream_session_id,
               attempt.session_id.value_or(""));
  attempt.session_id = stream_session_id;
  if (!attempts.create(attempt, phones)) spdlog::error("session {}: the pronunciation attempt was not stored", stream_session_id);
}

std::optional<storage::SessionStatus> SessionService::end_practice(
    const std::string& id, const std::string& user_id, double weak_below, int min_phone_attempts, std::size_t weak_limit,
    const std::function<storage::SessionOutcome(const storage::PracticeSummary&)>& outcome_of) {
  const auto found = storage::PronunciationStore(store_.pool())
                         .end_practice(user_id, id, weak_below, min_phone_attempts, weak_limit, [&](const storage::PracticeSummary& summary) {
                           auto outcome = outcome_of(summary);
                           outcome.ended_at = api::Api::now_ms();
                           return outcome;
                         });
  if (found == storage::SessionStatus::created) publish(SessionEventKind::finished, id, user_id);
  return found;
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

std::string SessionService::incoming_path() const { return incoming_dir() + "/incoming-" + auth::random_token(16); }

std::optional<SessionService::UploadRefusal> SessionService::upload_refusal(const storage::SessionRecord& s) const {
  using storage::SessionStatus;
  if (s.status != SessionStatus::created && s.status != SessionStatus::failed)
    return UploadRefusal{409, "CONFLICT",
                         "session already " + std::string(storage::status_name(s.status)) +
                             "; create a new session for another recording"};
  if (!processing_) return UploadRefusal{503, "INTERNAL_ERROR", "recording analysis is not available"};
  return std::nullopt;
}

std::optional<SessionService::UploadRefusal> SessionService::submit_upload(const storage::SessionRecord& s, const std::string& file) {
  if (auto refused = upload_refusal(s)) return refused;
  if (auto refused = quota_refusal(s.user_id, false, true)) return refused;
  // The bytes become the session's before it reads as processing, so a
  // restart finds them (rename within one directory: atomic).
  std::error_code ec;
  std::filesystem::rename(file, upload_path(s.id), ec);
  if (ec) {
    spdlog::error("upload {}: cannot keep the recording: {}", s.id, ec.message());
    return UploadRefusal{503, "INTERNAL_ERROR", "the recording could not be stored; retry later"};
  }
  if (config_.limits_shared()) {
    try {
      storage::UploadStore pieces(store_.pool());
      keep_upload_in_database(pieces, s.id, upload_path(s.id));
    } catch (...) {
      std::filesystem::remove(upload_path(s.id), ec);
      throw;  // 503, or 507 when the database's disk is full
    }
  }
  store_.mark_session_processing(s.id, config_.instance_id);
  if (!queue_upload(s)) {
    store_.set_session_status(s.id, s.status, s.error);
    std::filesystem::remove(upload_path(s.id), ec);
    return UploadRefusal{503, "INTERNAL_ERROR", "too many recordings are waiting for analysis; retry later"};
  }
  return std::nullopt;
}

bool SessionService::queue_upload(const storage::SessionRecord& s) {
  const bool queued = processing_->submit([this, s] {
    uploads_analysing_.fetch_add(1, std::memory_order_relaxed);
    bool completed = false;
    const bool shared = config_.limits_shared();
    try {
      std::error_code missing;
      storage::UploadStore pieces(store_.pool());
      // Adopted from an instance that died: its bytes are in the database.
      if (shared && !std::filesystem::exists(upload_path(s.id), missing) &&
          !fetch_upload_from_database(pieces, s.id, incoming_path(), upload_path(s.id)))
        spdlog::warn("upload {}: its bytes could not be fetched from the database", s.id);
      completed = analyse_upload(s);
    } catch (const std::exception& e) {
      spdlog::error("upload {}: {}", s.id, e.what());
      fail(s.id, s.user_id, "internal error while analysing the recording");
    }
    uploads_analysing_.fetch_sub(1, std::memory_order_relaxed);
    (completed ? uploads_completed_ : uploads_failed_).fetch_add(1, std::memory_order_relaxed);
    std::error_code ignored;
    std::filesystem::remove(upload_path(s.id), ignored);
    try {
      if (shared) storage::UploadStore(store_.pool()).forget(s.id);
    } catch (const std::exception& e) {
      spdlog::warn("upload {}: its bytes stay in the database until the session is deleted: {}", s.id, e.what());
    }
  });
  return queued;
}

std::optional<SessionService::Refusal> SessionService::quota_refusal(const std::string& user_id, bool creates_session,
                                                                    bool keeps_audio) {
  if (creates_session) {
    const auto created = store_.count_sessions_created_since(user_id, api::Api::now_ms() - 3600 * 1000);
    if (created >= static_cast<std::int64_t>(config_.max_sessions_per_hour))
      return Refusal{429, "QUOTA_EXCEEDED",
                     "at most " + std::to_string(config_.max_sessions_per_hour) + " sessions can be created per hour; retry later",
                     300};
  }
  if (keeps_audio) {
    if (auto full = disk_problem()) return Refusal{507, "INSUFFICIENT_STORAGE", *full + "; recordings cannot be kept now"};
    const auto used = store_.recording_usage(user_id);
    if (used.seconds >= config_.max_recorded_seconds_per_user ||
        used.bytes >= static_cast<std::int64_t>(config_.max_recorded_bytes_per_user))
      return Refusal{413, "QUOTA_EXCEEDED",
                     "your kept recordings are at their limit (" + std::to_string(static_cast<long>(used.seconds)) + " s of " +
                         std::to_string(static_cast<long>(config_.max_recorded_seconds_per_user)) +
                         " s); delete sessions with recordings to record more"};
  }
  return std::nullopt;
}

std::shared_ptr<const void> SessionService::claim_stream(const std::string& user_id) {
  // Shared: one count over every instance, taken atomically in the
  // database, so a stream being opened elsewhere counts from its claim.
  if (config_.limits_shared()) {
    const std::string claim = auth::random_token(16);
    try {
      storage::LimitStore limits(store_.pool());
      if (!limits.claim_stream(claim, user_id, config_.instance_id, api::Api::now_ms() - lease_ms(), config_.max_streams_per_user))
        return nullptr;
      return std::shared_ptr<const void>(this, [this, claim](const void*) { release_claim(claim); });
    } catch (const std::exception& e) {
      spdlog::warn("shared stream cap unavailable, counting this instance's streams only: {}", e.what());
    }
  }
  std::lock_guard lock(streams_mutex_);
  auto& n = streams_per_user_[user_id];
  if (n >= config_.max_streams_per_user) {
    if (n == 0) streams_per_user_.erase(user_id);
    return nullptr;
  }
  ++n;
  return std::shared_ptr<const void>(this, [this, user_id](const void*) {
    std::lock_guard release_lock(streams_mutex_);
    if (auto it = streams_per_user_.find(user_id); it != streams_per_user_.end() && --it->second == 0) streams_per_user_.erase(it);
  });
}

namespace {
constexpr std::size_t kMaxUnreleasedClaims = 100000;
}  // namespace

void SessionService::release_claim(const std::string& claim) {
  // Not on the I/O thread that dropped the stream: a worker deletes it, or,
  // with the queue full or the database failing, the next lease beat.
  const auto release = [this, claim] {
    try {
      storage::LimitStore(store_.pool()).release_stream(claim);
    } catch (const std::exception& e) {
      spdlog::warn("stream claim not released yet: {}", e.what());
      std::lock_guard lock(streams_mutex_);
      if (unreleased_claims_.size() < kMaxUnreleasedClaims) unreleased_claims_.push_back(claim);
    }
  };
  if (workers_ && workers_->submit(release)) return;
  std::lock_guard lock(streams_mutex_);
  // Bounded: past it, a claim stays until this instance's next start drops its claims.
  if (unreleased_claims_.size() < kMaxUnreleasedClaims) unreleased_claims_.push_back(claim);
}

void SessionService::release_unreleased_claims() {
  std::vector<std::string> claims;
  {
    std::lock_guard lock(streams_mutex_);
    claims.swap(unreleased_claims_);
  }
  storage::LimitStore limits(store_.pool());
  for (std::size_t i = 0; i < claims.size(); ++i) {
    try {
      limits.release_stream(claims[i]);
    } catch (const std::exception&) {
      std::lock_guard lock(streams_mutex_);
      unreleased_claims_.insert(unreleased_claims_.end(), claims.begin() + static_cast<std::ptrdiff_t>(i), claims.end());
      throw;
    }
  }
}

void SessionService::fail(const std::string& id, const std::string& user_id, const std::string& reason) {
  store_.set_session_status(id, storage::SessionStatus::failed, reason);
  publish(SessionEventKind::failed, id, user_id, reason);
}

bool SessionService::analyse_upload(const storage::SessionRecord& s) {
  // Mapped, not read: the pages are the file's, and the decoder streams
  // through them into the analyser a second at a time, dropping the pages
  // it has passed.
  MappedFile file(upload_path(s.id));
  if (!file.ok()) {
    fail(s.id, s.user_id, "the recording's bytes were lost; upload it again");
    return false;
  }
  UploadSink sink;
  // The audio is kept when asked, and for transcription when recognition is on.
  if (s.record || jobs_)
    sink.recording.emplace(dsp::kAnalysisRate, config_.max_record_seconds, api::kRecordingChunkSeconds, [&](protocol::PcmChunk&& chunk) {
      store_.append_recording_chunk(s.id, api::to_stored_chunk(chunk, dsp::kAnalysisRate));
    });
  std::optional<dsp::StreamAnalyzer> analyzer;
  const std::string error = protocol::stream_audio_file(
      file.bytes(), config_.max_stream_seconds,
      [&](int rate) { analyzer.emplace(analysis_, dsp::AnalyzerConfig{s.mode, rate, 1000}, sink); },
      [&](std::span<const float> block) { analyzer->push(block); },
      [&](std::size_t behind) { file.drop_before(behind); });  // an hour's upload is not all resident at once
  if (!error.empty() || !analyzer) {
    if (sink.recording) store_.delete_recording(s.id);  // what was kept of a recording that turned out broken
    fail(s.id, s.user_id, error.empty() ? "the recording has no audio" : error);
    return false;
  }
  const auto a = analyzer->finish(true);
  if (sink.recording) sink.recording->flush();
  const bool transcribe = jobs_ && sink.recording;  // words come from the durable queue, like a deferred stream's
  if (transcribe) store_.enqueue_job(s.id, "upload", api::Api::now_ms());
  store_.finish_session(s.id, {storage::SessionStatus::completed, a.duration, a.speaking_time, a.scores.overall, a.scores.clarity,
                               a.scores.pace, a.scores.engagement, a.scores.confidence, protocol::assessment_json(s.id, a),
                               api::Api::now_ms(), std::nullopt});
  spdlog::info("upload {} analysed: {:.1f} s audio, overall score {}", s.id, a.duration, a.scores.overall);
  if (transcribe) jobs_->wake();
  publish(SessionEventKind::finished, s.id, s.user_id);
  return true;
}

std::optional<std::string> SessionService::disk_problem() const {
  std::error_code ec;
  const auto space = std::filesystem::space(config_.data_dir, ec);
  if (ec) return "the data directory's free space is unknown: " + ec.message();
  if (space.available >= config_.min_free_disk_bytes) return std::nullopt;
  return "the disk is nearly full (" + std::to_string(space.available >> 20) + " MB free)";
}

SessionService::UploadCounts SessionService::upload_counts() const {
  return {processing_ ? processing_->queued() : 0, uploads_analysing_.load(std::memory_order_relaxed),
          uploads_completed_.load(std::memory_order_relaxed), uploads_failed_.load(std::memory_order_relaxed)};
}

std::optional<std::string> SessionService::background_problem() const {
  if (processing_ && processing_->queued() >= config_.max_queued_uploads) return "the recording analysis queue is full";
  if (jobs_) return jobs_->stalled();
  return std::nullopt;
}

storage::Job SessionService::queue_transcription(const std::string& id, const std::string& kind) {
  auto job = store_.enqueue_job(id, kind, api::Api::now_ms());
  if (jobs_) jobs_->wake();
  return job;
}

}  // namespace orator::server::sessions
