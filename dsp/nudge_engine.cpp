#include "dsp/nudge_engine.hpp"

namespace orator::dsp {

std::string_view nudge_code_name(NudgeCode code) {
  switch (code) {
    case NudgeCode::too_quiet: return "too_quiet";
    case NudgeCode::too_loud: return "too_loud";
    case NudgeCode::too_fast: return "too_fast";
    case NudgeCode::too_slow: return "too_slow";
    case NudgeCode::monotone: return "monotone";
    case NudgeCode::long_pause: return "long_pause";
    case NudgeCode::filler_words: return "filler_words";
  }
  return "unknown";
}

std::string_view nudge_message(NudgeCode code) {
  switch (code) {
    case NudgeCode::too_quiet: return "Speak up a bit?";
    case NudgeCode::too_loud: return "A little softer: your audio is clipping.";
    case NudgeCode::too_fast: return "Slow down a little?";
    case NudgeCode::too_slow: return "Pick up the pace a little?";
    case NudgeCode::monotone: return "Vary your pitch to stress key points.";
    case NudgeCode::long_pause: return "Long pause: carry on when you are ready.";
    case NudgeCode::filler_words: return "Try a silent pause instead of um or uh.";
  }
  return "";
}

// Paces are words per minute of speaking time (pauses of 250 ms or more left
// out), checked on real speech at known rates (tests/corpus_pace_test.cpp):
// calm reading runs 150-200 by that measure, a fast talker 230-250.
NudgeThresholds thresholds_for(Mode mode) {
  NudgeThresholds t;
  switch (mode) {
    case Mode::presentation:
      t.fast_wpm = 205; t.fast_release_wpm = 190; t.slow_wpm = 125; t.slow_release_wpm = 140;
      t.monotone_st = 1.6f; t.monotone_release_st = 2.3f; t.long_pause_s = 4.0f;
      break;
    case Mode::speech:
      t.fast_wpm = 205; t.fast_release_wpm = 190; t.slow_wpm = 120; t.slow_release_wpm = 135;
      t.monotone_st = 1.8f; t.monotone_release_st = 2.5f; t.long_pause_s = 5.0f;
      break;
    case Mode::interview:
      t.fast_wpm = 220; t.fast_release_wpm = 205; t.slow_wpm = 125; t.slow_release_wpm = 140;
      t.monotone_st = 1.4f; t.monotone_release_st = 2.0f; t.long_pause_s = 5.0f;
      break;
    case Mode::conversation:
      t.fast_wpm = 240; t.fast_release_wpm = 225; t.slow_wpm = 115; t.slow_release_wpm = 130;
      t.monotone_st = 1.2f; t.monotone_release_st = 1.8f; t.long_pause_s = 6.0f;
      t.cooldown_s = 45; t.global_gap_s = 15;
      t.filler_per_min = 9.0f; t.filler_release_per_min = 5.0f;  // conversation tolerates more
      break;
    case Mode::pronunciation:
      // Careful, slow reading of single sentences: pace and intonation cues would nag.
      t.fast_wpm = 200; t.fast_release_wpm = 185; t.slow_enabled = false;
      t.monotone_enabled = false; t.long_pause_enabled = false;
      break;
    case Mode::dictation:
      t.fast_wpm = 190; t.fast_release_wpm = 175; t.slow_enabled = false;
      t.monotone_enabled = false; t.long_pause_enabled = false;
      break;
  }
  return t;
}

bool NudgeEngine::track(NudgeCode code, double t, bool condition, bool released, double sustain) {
  CodeState& s = state_[static_cast<std::size_t>(code)];
  if (released) s.armed = true;
  if (!condition) {
    s.since = -1;
    return false;
  }
  if (s.since < 0) s.since = t;
  return s.armed && t - s.since >= sustain && t - s.last_fired >= th_.cooldown_s &&
         t - last_any_ >= th_.global_gap_s && t >= th_.warmup_s;
}

std::optional<Nudge> NudgeEngine::update(const NudgeInputs& in) {
  struct Check { NudgeCode code; bool condition; bool released; double value; double sustain; };
  const double hold = th_.sustain_s;
  const double speech_db = in.speech_db.value_or(0.0);
  const double wpm = in.wpm.value_or(0.0);
  const double pitch_st = in.pitch_std_st.value_or(0.0);
  const double silence = in.silence_s.value_or(0.0);
  const double fillers = in.fillers_per_min.value_or(0.0);
  // Order is priority when several are due at once: clipping and audibility first.
  const Check checks[] = {
      {NudgeCode::too_loud, in.clip_ratio > th_.clip_ratio, in.clip_ratio <= th_.clip_release_ratio, in.clip_ratio, hold},
      {NudgeCode::too_quiet, in.speaking && in.speech_db && speech_db < th_.quiet_db,
       in.speech_db && speech_db > th_.quiet_release_db, speech_db, hold},
      {NudgeCode::long_pause, th_.long_pause_enabled && in.silence_s && silence >= th_.long_pause_s,
       in.speaking, silence, 0.0},  // the pause length is its own sustain
      {NudgeCode::too_fast, th_.fast_enabled && in.wpm && wpm > th_.fast_wpm, in.wpm && wpm < th_.fast_release_wpm, wpm, hold},
      {NudgeCode::too_slow, th_.slow_enabled && in.speaking && in.wpm && wpm < th_.slow_wpm,
       in.wpm && wpm > th_.slow_release_wpm, wpm, hold},
      {NudgeCode::monotone, th_.monotone_enabled && in.pitch_std_st && pitch_st < th_.monotone_st,
       in.pitch_std_st && pitch_st > th_.monotone_release_st, pitch_st, hold},
      // The rate already spans ~45 s: no further sustain.
      {NudgeCode::filler_words, th_.filler_enabled && in.fillers_per_min && fillers > th_.filler_per_min,
       in.fillers_per_min && fillers < th_.filler_release_per_min, fillers, 0.0},
  };
  std::optional<Nudge> fired;
  for (const auto& c : checks) {
    // Every code's state is tracked each tick, even when another fires.
    const bool due = track(c.code, in.t, c.condition, c.released, c.sustain);
    if (!fired && due) fired = Nudge{c.code, in.t, c.value};
  }
  if (fired) {
    CodeState& s = state_[static_cast<std::size_t>(fired->code)];
    s.last_fired = in.t;
    s.armed = false;
    s.since = -1;
    ++s.fired;
    last_any_ = in.t;
  }
  return fired;
}

}  // namespace orator::dsp
