#include "server/dictation/dictation_services.hpp"

#include <spdlog/spdlog.h>

#include <cstdlib>

#include "server/api/api.hpp"

namespace orator::server::dictation {
namespace {
constexpr std::int64_t kLongWaitMs = 10 * 60 * 1000;  // an item without audio this long: something is wrong
}

std::unique_ptr<DictationServices> make_dictation_services(storage::ConnectionPool& pool, const ServerConfig& config) {
  auto d = std::make_unique<DictationServices>(pool);
  d->synthesis = std::make_unique<SpeechSynthesis>();
  if (!d->synthesis->espeak_available()) spdlog::warn("espeak-ng not found: only English dictation items get audio");
  if (config.translation_url.empty()) {
    d->translator = make_apertium();
    spdlog::info("translation: Apertium ({} pairs)", d->translator->pairs().size());
  } else {
    const char* key = std::getenv("ORATOR_TRANSLATION_API_KEY");
    d->translator = make_libretranslate({config.translation_url, key ? key : "", std::chrono::seconds(30)});
    spdlog::info("translation: {}", config.translation_url);
  }
  d->jobs = std::make_unique<TtsJobs>(d->store, *d->synthesis, config);
  spdlog::info("speech synthesis: {} workers (flite for English, espeak-ng for {} languages)", d->jobs->workers(),
               d->synthesis->espeak_languages().size());
  return d;
}

std::optional<std::string> dictation_problem(DictationServices& d) {
  if (d.jobs) {
    if (auto stalled = d.jobs->stalled()) return stalled;
  }
  const auto queue = d.store.tts_queue();
  if (queue.oldest_pending_at && api::Api::now_ms() - *queue.oldest_pending_at > kLongWaitMs)
    return std::to_string(queue.pending) + " items are waiting for audio, the oldest for " +
           std::to_string((api::Api::now_ms() - *queue.oldest_pending_at) / 1000) + " s";
  if (!d.synthesis->espeak_available()) return "espeak-ng is not installed: only English items get audio";
  return std::nullopt;
}

}  // namespace orator::server::dictation
