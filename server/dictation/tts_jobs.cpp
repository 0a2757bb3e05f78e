#include "server/dictation/tts_jobs.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

#include "server/api/api.hpp"
#include "server/auth/crypto.hpp"
#include "server/server_context.hpp"

namespace orator::server::dictation {
namespace {
constexpr auto kPoll = std::chrono::seconds(1);
constexpr std::int64_t kRecoverEveryMs = 5'000;
}  // namespace

TtsJobs::TtsJobs(storage::DictationStore& store, SpeechSynthesis& synthesis, const ServerConfig& config)
    : store_(store), synthesis_(synthesis), config_(config), worker_id_("tts-" + random_id()), alive_at_ms_(api::Api::now_ms()) {
  for (int i = 0; i < std::max(1, config.tts_workers); ++i) threads_.emplace_back([this, i] { run(static_cast<std::size_t>(i)); });
}

TtsJobs::~TtsJobs() {
  stopping_ = true;
  wake_.notify_all();
  for (auto& t : threads_) t.join();
}

void TtsJobs::wake() {
  {
    std::lock_guard lock(mutex_);
    ++wakeups_;
  }
  wake_.notify_one();
}

std::optional<std::string> TtsJobs::stalled() const {
  const auto quiet_s = (api::Api::now_ms() - alive_at_ms_.load()) / 1000;
  if (quiet_s < 60) return std::nullopt;
  return "the speech synthesis workers have not polled or beaten for " + std::to_string(quiet_s) + " s";
}

void TtsJobs::run(std::size_t index) {
  std::int64_t next_recovery = 0;
  while (!stopping_) {
    alive_at_ms_ = api::Api::now_ms();
    try {
      const std::int64_t now = api::Api::now_ms();
      if (index == 0 && now >= next_recovery) {
        const auto stale_before = now - static_cast<std::int64_t>(config_.tts_job_stale_seconds * 1000);
        if (const int n = store_.recover_stale_tts(stale_before, config_.tts_job_attempts, now); n > 0)
          spdlog::warn("{} speech syntheses lost their worker: pending again or failed", n);
        next_recovery = now + kRecoverEveryMs;
      }
      if (auto item = store_.claim_tts(worker_id_, api::Api::now_ms())) {
        process(*item);
        continue;
      }
    } catch (const std::exception& e) {
      spdlog::error("speech synthesis jobs: {}", e.what());
    }
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, kPoll, [this] { return wakeups_ > 0 || stopping_.load(); });
    if (wakeups_ > 0) --wakeups_;
  }
}

void TtsJobs::process(const storage::DictationItem& item) {
  for (const auto rate : {SpeakingRate::normal, SpeakingRate::slow}) {
    const std::string rate_text(rate_name(rate));
    if (store_.audio_samples(item.user_id, item.audio_key, rate_text)) continue;
    const auto result = synthesis_.synthesise(item.text, item.voice, rate, &stopping_);
    // Stopping mid-item: it stays processing, and is taken up again after the restart.
    if (stopping_) return;
    if (result.samples.empty()) {
      spdlog::warn("speech synthesis of item {} failed: {}", item.id, result.error);
      store_.finish_tts(item.id, storage::TtsStatus::failed, result.error, api::Api::now_ms());
      return;
    }
    alive_at_ms_ = api::Api::now_ms();
    store_.heartbeat_tts(item.id, alive_at_ms_);
    storage::TtsAudio audio;
    audio.user_id = item.user_id;
    audio.audio_key = item.audio_key;
    audio.rate = rate_text;
    audio.sample_rate = SynthesisResult::kSampleRate;
    audio.samples = static_cast<std::int64_t>(result.samples.size());
    audio.pcm_base64 = auth::base64url_encode(
        std::span(reinterpret_cast<const std::uint8_t*>(result.samples.data()), result.samples.size() * sizeof(std::int16_t)));
    audio.created_at = api::Api::now_ms();
    store_.save_audio(audio);
  }
  store_.finish_tts(item.id, storage::TtsStatus::ready, std::nullopt, api::Api::now_ms());
  spdlog::info("item {} spoken ({})", item.id, item.voice);
}

}  // namespace orator::server::dictation
