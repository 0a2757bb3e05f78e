#pragma once
// A client for an OpenAI-compatible speech-to-text endpoint
// (POST .../v1/audio/transcriptions, multipart: file, model,
// response_format=verbose_json, timestamp_granularities[]=word), as
// whisper.cpp's server, faster-whisper servers and hosted services speak it.
// Used for background transcription when configured; its words and timings
// feed the same transcript and fluency as the embedded recogniser's.
// Blocking (run it off the event loop); thread-safe (no shared state).
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "speech/words.hpp"

namespace orator::server::transcription {

struct ProviderConfig {
  std::string url;      // http(s)://host[:port]/path
  std::string api_key;  // sent as a Bearer token; never logged
  std::string model = "whisper-1";
  std::chrono::seconds timeout{300};
};

struct ProviderResult {
  std::optional<std::vector<speech::Word>> words;  // nullopt on failure
  std::string language;
  std::string error;  // why it failed (no secrets)
};

[[nodiscard]] ProviderResult transcribe_with_provider(const ProviderConfig& config, const std::string& wav, const std::string& lang);

// The response body (verbose_json) to words; nullopt with `error` when it is not that shape.
[[nodiscard]] std::optional<std::vector<speech::Word>> parse_provider_words(const std::string& body, std::string& language,
                                                                          std::string& error);

}  // namespace orator::server::transcription
