#pragma once
// Live coaching cues. Each code fires only when its condition has held for
// `sustain_s`, its own cooldown has passed, no other nudge fired within
// `global_gap_s`, and (hysteresis) the measurement went back past its
// release threshold since the code last fired. Thresholds are per mode;
// docs/scoring.md lists them. Not thread-safe; allocation-free.
#include <array>
#include <optional>
#include <string_view>

#include "dsp/mode.hpp"

namespace orator::dsp {

enum class NudgeCode { too_quiet, too_loud, too_fast, too_slow, monotone, long_pause, filler_words };
inline constexpr std::size_t kNudgeCodes = 7;

[[nodiscard]] std::string_view nudge_code_name(NudgeCode code);
[[nodiscard]] std::string_view nudge_message(NudgeCode code);

struct NudgeThresholds {
  float quiet_db = -40.0f, quiet_release_db = -36.0f;     // speech level, dBFS, trailing 3 s
  float clip_ratio = 0.002f, clip_release_ratio = 0.0f;   // clipped samples / samples, trailing 2 s
  float fast_wpm = 205.0f, fast_release_wpm = 190.0f;     // trailing ~10 s, words per minute of speaking time
  float slow_wpm = 125.0f, slow_release_wpm = 140.0f;
  float monotone_st = 1.5f, monotone_release_st = 2.2f;   // F0 std in semitones, trailing 10 s
  float long_pause_s = 4.0f;                              // a pause in progress
  float filler_per_min = 6.0f, filler_release_per_min = 3.0f;  // hesitations per minute of speech, trailing ~45 s
  bool fast_enabled = true, slow_enabled = true, monotone_enabled = true, long_pause_enabled = true;
  bool filler_enabled = true;
  float sustain_s = 2.0f;      // a condition must hold this long
  float cooldown_s = 30.0f;    // per code
  float global_gap_s = 10.0f;  // between any two nudges
  float warmup_s = 5.0f;       // no nudge before this much audio
};

[[nodiscard]] NudgeThresholds thresholds_for(Mode mode);

// What the engine looks at, sampled every 100 ms of analysed audio.
struct NudgeInputs {
  double t = 0;                          // seconds of analysed audio
  bool speaking = false;
  std::optional<double> speech_db;       // trailing speech level
  double clip_ratio = 0;
  std::optional<double> wpm;             // only once enough speech is in the window
  std::optional<double> pitch_std_st;    // only once enough voiced frames are in the window
  std::optional<double> silence_s;       // current pause length, after some speech
  std::optional<double> fillers_per_min; // only while words are recognised, after enough speech
};

struct Nudge {
  NudgeCode code;
  double t;
  double value;  // the measurement that triggered it
};

class NudgeEngine {
 public:
  explicit NudgeEngine(const NudgeThresholds& thresholds) : th_(thresholds) {}
  [[nodiscard]] std::optional<Nudge> update(const NudgeInputs& in);
  int fired_count(NudgeCode code) const { return state_[static_cast<std::size_t>(code)].fired; }

 private:
  struct CodeState {
    double since = -1;       // when the condition started holding, -1 if not
    double last_fired = -1e9;
    bool armed = true;
    int fired = 0;
  };
  // Tracks one code; returns true when it should fire now.
  bool track(NudgeCode code, double t, bool condition, bool released, double sustain);

  NudgeThresholds th_;
  std::array<CodeState, kNudgeCodes> state_{};
  double last_any_ = -1e9;
};

}  // namespace orator::dsp
