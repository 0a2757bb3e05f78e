#include "server/dictation/speech_synthesis.hpp"

#include <flite/flite.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <sstream>

#include "dsp/resampler.hpp"
#include "server/dictation/subprocess.hpp"
#include "server/dictation/translation.hpp"

extern "C" cst_voice* register_cmu_us_slt(const char* voxdir);

namespace orator::server::dictation {
namespace {

constexpr auto kEspeakTimeout = std::chrono::seconds(120);
constexpr std::size_t kMaxEspeakOutput = 256u << 20;  // ~100 min at 22 kHz: far beyond 10,000 characters
constexpr float kSlowStretch = 1.35f;                  // flite: durations 35% longer
constexpr int kEspeakWordsPerMinute = 165, kEspeakSlowWordsPerMinute = 120;

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// 16-bit samples at `rate` to 16 kHz.
std::vector<std::int16_t> to_16k(std::span<const std::int16_t> in, int rate) {
  if (rate == SynthesisResult::kSampleRate) return {in.begin(), in.end()};
  dsp::Resampler resampler(rate);
  std::vector<std::int16_t> out;
  out.reserve(in.size() * SynthesisResult::kSampleRate / static_cast<std::size_t>(rate) + 64);
  std::vector<float> block, resampled(resampler.max_output(dsp::Resampler::kMaxBlock));
  const auto emit = [&](std::size_t n) {
    for (std::size_t i = 0; i < n; ++i)
      out.push_back(static_cast<std::int16_t>(std::clamp(resampled[i] * 32768.0f, -32768.0f, 32767.0f)));
  };
  for (std::size_t at = 0; at < in.size(); at += dsp::Resampler::kMaxBlock) {
    const std::size_t n = std::min(dsp::Resampler::kMaxBlock, in.size() - at);
    block.resize(n);
    for (std::size_t i = 0; i < n; ++i) block[i] = static_cast<float>(in[at + i]) / 32768.0f;
    emit(resampler.process(block, resampled));
  }
  resampled.resize(std::max(resampled.size(), resampler.max_output(dsp::Resampler::kMaxBlock)));
  emit(resampler.flush(resampled));
  return out;
}

// espeak-ng's --stdout WAV: its sizes are placeholders (it streams), so
// take the rate from "fmt " and everything after "data" as samples.
std::optional<std::pair<int, std::span<const std::int16_t>>> parse_streamed_wav(const std::string& wav) {
  if (wav.size() < 44 || wav.compare(0, 4, "RIFF") != 0 || wav.compare(8, 4, "WAVE") != 0) return std::nullopt;
  int rate = 0;
  for (std::size_t at = 12; at + 8 <= wav.size();) {
    const std::string id = wav.substr(at, 4);
    std::uint32_t size = 0;
    std::memcpy(&size, wav.data() + at + 4, 4);
    if (id == "fmt " && at + 16 <= wav.size()) {
      std::uint16_t channels = 0, bits = 0;
      std::uint32_t r = 0;
      std::memcpy(&channels, wav.data() + at + 10, 2);
      std::memcpy(&r, wav.data() + at + 12, 4);
      std::memcpy(&bits, wav.data() + at + 22, 2);
      if (channels != 1 || bits != 16) return std::nullopt;
      rate = static_cast<int>(r);
    }
    if (id == "data") {
      if (rate <= 0) return std::nullopt;
      const std::size_t start = at + 8, bytes = (wav.size() - start) & ~std::size_t{1};
      return std::make_pair(rate, std::span(reinterpret_cast<const std::int16_t*>(wav.data() + start), bytes / 2));
    }
    at += 8 + size + (size & 1);
  }
  return std::nullopt;
}

// The text in pieces of at most kMaxPiece bytes, cut after sentence ends
// (or, in a run-on sentence, at spaces): flite speaks each as an utterance.
// A stop ends a sentence only before a space or the end ("3.30" is one number).
std::vector<std::string> sentences(const std::string& text) {
  constexpr std::size_t kMaxPiece = 400;
  std::vector<std::string> out;
  std::string piece;
  for (std::size_t i = 0; i < text.size(); ++i) {
    piece += text[i];
    const bool before_space = i + 1 == text.size() || std::isspace(static_cast<unsigned char>(text[i + 1]));
    const bool end = ((text[i] == '.' || text[i] == '!' || text[i] == '?' || text[i] == ';') && before_space) || text[i] == '\n';
    if ((end && piece.size() > 1) || (piece.size() >= kMaxPiece && text[i] == ' ') || piece.size() >= 2 * kMaxPiece) {
      out.push_back(std::move(piece));
      piece.clear();
    }
  }
  if (piece.find_first_not_of(" \t\r\n") != std::string::npos) out.push_back(std::move(piece));
  return out;
}

}  // namespace

std::string_view rate_name(SpeakingRate r) { return r == SpeakingRate::slow ? "slow" : "normal"; }

std::optional<SpeakingRate> parse_rate(std::string_view name) {
  if (name == "normal") return SpeakingRate::normal;
  if (name == "slow") return SpeakingRate::slow;
  return std::nullopt;
}

SpeechSynthesis::SpeechSynthesis() {
  flite_init();
  flite_voice_ = register_cmu_us_slt(nullptr);
  // "espeak-ng --voices": a header line, then "Pty Language Age/Gender VoiceName File ...".
  const auto listed = run_program({"espeak-ng", "--voices"}, std::chrono::seconds(10), 1u << 20);
  if (listed.ok()) {
    std::istringstream lines(listed.out);
    std::string line, priority, language;
    std::getline(lines, line);
    while (std::getline(lines, line)) {
      std::istringstream fields(line);
      if (fields >> priority >> language) espeak_languages_.push_back(lower(language));
    }
    std::sort(espeak_languages_.begin(), espeak_languages_.end());
    espeak_languages_.erase(std::unique(espeak_languages_.begin(), espeak_languages_.end()), espeak_languages_.end());
  }
}

std::optional<std::string> SpeechSynthesis::voice_for(const std::string& locale) const {
  const std::string tag = lower(locale);
  const std::string language = language_of(tag);
  if (language == "en" && flite_voice_) return "flite:cmu_us_slt";
  const auto has = [&](const std::string& l) { return std::binary_search(espeak_languages_.begin(), espeak_languages_.end(), l); };
  if (has(tag)) return "espeak-ng:" + tag;
  if (has(language)) return "espeak-ng:" + language;
  // Another variant of the language: its home one (fr-CA is spoken by fr-fr), else the first listed.
  if (has(language + "-" + language)) return "espeak-ng:" + language + "-" + language;
  const auto variant = std::lower_bound(espeak_languages_.begin(), espeak_languages_.end(), language + "-");
  if (variant != espeak_languages_.end() && variant->rfind(language + "-", 0) == 0) return "espeak-ng:" + *variant;
  return std::nullopt;
}

SynthesisResult SpeechSynthesis::synthesise(const std::string& text, const std::string& voice, SpeakingRate rate,
                                            const std::atomic<bool>* stop) {
  if (voice == "flite:cmu_us_slt") return flite(text, rate, stop);
  if (voice.rfind("espeak-ng:", 0) == 0) return espeak(text, voice.substr(10), rate);
  SynthesisResult r;
  r.error = "no speech engine has the voice '" + voice + "'";
  return r;
}

SynthesisResult SpeechSynthesis::flite(const std::string& text, SpeakingRate rate, const std::atomic<bool>* stop) {
  SynthesisResult r;
  auto* voice = static_cast<cst_voice*>(flite_voice_);
  if (!voice) return r.error = "flite's voice could not be loaded", r;
  for (const auto& sentence : sentences(text)) {
    if (stop && stop->load()) return SynthesisResult{{}, "stopped"};
    std::lock_guard lock(flite_mutex_);
    feat_set_float(voice->features, "duration_stretch", rate == SpeakingRate::slow ? kSlowStretch : 1.0f);
    cst_wave* wave = flite_text_to_wave(sentence.c_str(), voice);
    if (!wave) continue;
    if (wave->num_samples > 0) {
      const auto part = to_16k(std::span<const std::int16_t>(wave->samples, static_cast<std::size_t>(wave->num_samples)),
                               wave->sample_rate);
      r.samples.insert(r.samples.end(), part.begin(), part.end());
    }
    delete_wave(wave);
  }
  if (r.samples.empty()) r.error = "flite produced no audio for this text";
  return r;
}

SynthesisResult SpeechSynthesis::espeak(const std::string& text, const std::string& language, SpeakingRate rate) {
  SynthesisResult r;
  TempFile input(text);
  if (!input.ok()) return r.error = "the text could not be written for espeak-ng", r;
  const int wpm = rate == SpeakingRate::slow ? kEspeakSlowWordsPerMinute : kEspeakWordsPerMinute;
  const auto run = run_program({"espeak-ng", "-b", "1", "-v", language, "-s", std::to_string(wpm), "-f", input.path(), "--stdout"},
                               kEspeakTimeout, kMaxEspeakOutput);
  if (!run.ok()) return r.error = "espeak-ng failed: " + run.explain(), r;
  const auto wav = parse_streamed_wav(run.out);
  if (!wav || wav->second.empty()) return r.error = "espeak-ng produced no audio for this text", r;
  r.samples = to_16k(wav->second, wav->first);
  return r;
}

}  // namespace orator::server::dictation
