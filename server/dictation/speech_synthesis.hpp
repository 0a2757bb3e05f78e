#pragma once
// Text to speech for dictation items. English is spoken by flite (linked:
// libflite, BSD-style licence; the cmu_us_slt voice); every other language
// espeak-ng has a voice for is spoken by espeak-ng, run as a separate program
// (GPL-3: not linked, so Orator's licence is unaffected). Output is 16 kHz
// mono 16-bit, whatever the engine's own rate. Two speaking rates: normal,
// and slow for learners (about 30% longer).
// Thread-safe: flite calls are serialised (its voice is shared), espeak-ng
// runs are independent processes.
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace orator::server::dictation {

enum class SpeakingRate { normal, slow };
[[nodiscard]] std::string_view rate_name(SpeakingRate r);
[[nodiscard]] std::optional<SpeakingRate> parse_rate(std::string_view name);

struct SynthesisResult {
  std::vector<std::int16_t> samples;  // 16 kHz mono
  std::string error;                  // why not, when samples is empty
  static constexpr int kSampleRate = 16000;
};

class SpeechSynthesis {
 public:
  SpeechSynthesis();  // loads flite's voice, asks espeak-ng which languages it speaks
  SpeechSynthesis(const SpeechSynthesis&) = delete;
  SpeechSynthesis& operator=(const SpeechSynthesis&) = delete;

  // "flite:cmu_us_slt", "espeak-ng:fi", or nullopt when no engine speaks
  // the locale (BCP-47, e.g. en-US, fi-FI, pt-BR).
  [[nodiscard]] std::optional<std::string> voice_for(const std::string& locale) const;
  // Long texts are spoken a sentence at a time; `stop` (when set) is looked
  // at between sentences, and a stopped synthesis returns no audio.
  [[nodiscard]] SynthesisResult synthesise(const std::string& text, const std::string& voice, SpeakingRate rate,
                                           const std::atomic<bool>* stop = nullptr);
  // Language tags espeak-ng speaks (for /metadata), and whether it was found at all.
  [[nodiscard]] const std::vector<std::string>& espeak_languages() const { return espeak_languages_; }
  [[nodiscard]] bool espeak_available() const { return !espeak_languages_.empty(); }

 private:
  SynthesisResult flite(const std::string& text, SpeakingRate rate, const std::atomic<bool>* stop);
  static SynthesisResult espeak(const std::string& text, const std::string& language, SpeakingRate rate);

  std::vector<std::string> espeak_languages_;  // lower-case, sorted
  std::mutex flite_mutex_;
  void* flite_voice_ = nullptr;  // cst_voice*, owned by flite for the process's life
};

}  // namespace orator::server::dictation
