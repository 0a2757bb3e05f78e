#include "server/transcription/transcription_jobs.hpp"

#include <spdlog/spdlog.h>

#include <future>

#include "protocol/audio_file.hpp"
#include "protocol/stored_report.hpp"
#include "server/api/api.hpp"
#include "server/api/recordings.hpp"
#include "server/server_context.hpp"
#include "server/transcription/transcript_result.hpp"

namespace orator::server::transcription {
namespace {
constexpr auto kPoll = std::chrono::seconds(1);
constexpr std::int64_t kRecoverEveryMs = 30'000;
constexpr auto kHeartbeat = std::chrono::seconds(20);
}  // namespace

TranscriptionJobs::TranscriptionJobs(storage::Store& store, DecoderPool* decoders, std::optional<ProviderConfig> provider,
                                     const sessions::SessionEvents& events, const ServerConfig& config)
    : store_(store), decoders_(decoders), provider_(std::move(provider)), events_(events), config_(config),
      worker_id_("instance-" + random_id()), alive_at_ms_(api::Api::now_ms()) {
  thread_ = std::thread([this] { run(); });
}

TranscriptionJobs::~TranscriptionJobs() {
  stopping_ = true;
  wake();
  thread_.join();
}

void TranscriptionJobs::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  wake_.notify_all();
}

std::optional<std::string> TranscriptionJobs::stalled() const {
  const auto quiet_s = (api::Api::now_ms() - alive_at_ms_.load()) / 1000;
  if (quiet_s < 60) return std::nullopt;
  return "the transcription worker has not polled or beaten for " + std::to_string(quiet_s) + " s";
}

void TranscriptionJobs::run() {
  std::int64_t next_recovery = 0;
  while (!stopping_) {
    alive_at_ms_ = api::Api::now_ms();
    try {
      const std::int64_t now = api::Api::now_ms();
      if (now >= next_recovery) {
        const auto stale_before = now - static_cast<std::int64_t>(config_.asr_job_stale_seconds * 1000);
        if (const int n = store_.recover_stale_jobs(stale_before, config_.asr_job_attempts, now); n > 0)
          spdlog::warn("{} transcription jobs lost their worker: queued again or failed", n);
        next_recovery = now + kRecoverEveryMs;
      }
      // A local decoder is leased before a job is claimed, so a claimed job
      // never waits for one; a provider needs none.
      std::unique_ptr<DecoderLease> lease;
      if (!provider_) lease = decoders_->acquire_for(std::chrono::duration_cast<std::chrono::milliseconds>(kPoll));
      if (provider_ || lease) {
        if (auto job = store_.claim_job(worker_id_, api::Api::now_ms())) {
          process(*job, lease.get());
          continue;
        }
      }
    } catch (const std::exception& e) {
      spdlog::error("transcription jobs: {}", e.what());
    }
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, kPoll, [this] { return woken_ || stopping_.load(); });
    woken_ = false;
  }
}

std::optional<std::vector<speech::Word>> TranscriptionJobs::recognise(const storage::Job& job, const std::string& wav,
                                                                      DecoderLease* lease, std::string& error) {
  if (provider_) {
    // The provider may take minutes: beat meanwhile so no instance takes the job over.
    auto result = std::async(std::launch::async, [&] { return transcribe_with_provider(*provider_, wav, "en-US"); });
    while (result.wait_for(kHeartbeat) != std::future_status::ready) {
      alive_at_ms_ = api::Api::now_ms();
      store_.heartbeat_job(job.id, alive_at_ms_);
    }
    auto r = result.get();
    if (!r.words) error = r.error;
    return r.words;
  }
  const auto audio = protocol::decode_audio_file(
      std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(wav.data()), wav.size()), 24 * 3600.0);
  if (!audio.ok()) {
    error = "the kept audio could not be read: " + audio.error;
    return std::nullopt;
  }
  auto result = recognise_recording(*lease, audio.samples);
  if (!result.valid()) {
    error = "the server is stopping";
    return std::nullopt;
  }
  while (result.wait_for(kHeartbeat) != std::future_status::ready) {
      alive_at_ms_ = api::Api::now_ms();
      store_.heartbeat_job(job.id, alive_at_ms_);
    }
  auto got = result.get();
  if (!got) error = "the speech decoder could not be loaded";
  return got;
}

void TranscriptionJobs::process(const storage::Job& job, DecoderLease* lease) {
  const auto session = store_.find_session_for_job(job.session_id);
  auto fail = [&](const std::string& why) {
    spdlog::warn("transcription of session {} failed: {}", job.session_id, why);
    store_.complete_job(job.id, "failed", why, api::Api::now_ms());
    if (session) events_.publish({sessions::SessionEventKind::failed, session->id, session->user_id, "transcript: " + why});
  };
  if (!session) return fail("the session was deleted");
  const auto chunks = store_.recording_chunks(session->user_id, session->id);
  if (chunks.empty()) return fail("no audio was kept for this session");
  const auto wav = api::wav_from_chunks(chunks);
  if (!wav) return fail("the kept audio is corrupt");
  std::string error;
  auto got = recognise(job, *wav, lease, error);
  if (!got) return fail(error);

  auto t = make_transcript(*got, session->id, session->user_id, "en-US", provider_ ? "provider" : job.kind, api::Api::now_ms());
  store_.save_transcript(t.record);
  if (const auto& report = session->report ? session->report : session->checkpoint) {
    if (auto merged = protocol::report_with_fluency(*report, t.fluency)) store_.update_report(session->id, *merged);
  }
  store_.complete_job(job.id, "done", std::nullopt, api::Api::now_ms());
  spdlog::info("session {} transcribed ({}): {} words, {} fillers", session->id, job.kind, t.fluency.words, t.fluency.filler_count);
  events_.publish({sessions::SessionEventKind::transcript_ready, session->id, session->user_id, job.kind});
}

}  // namespace orator::server::transcription
