// Scores and feedback from measurements. docs/scoring.md is the prose version
// of this file: change both together.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "dsp/assessment.hpp"
#include "dsp/nudge_engine.hpp"

namespace orator::dsp {
namespace {

struct ModeRules {
  double wpm_low, wpm_high;      // comfortable pace, words per minute of speaking time
  double pitch_std_st;           // pitch variation that scores 100
  double long_pause_s;           // a pause this long counts as long
  double w_clarity, w_pace, w_engagement, w_confidence;
  double filler_ratio_max;       // hesitations per word before confidence suffers
};

ModeRules targets_for(Mode mode) {
  switch (mode) {
    case Mode::presentation: return {150, 200, 3.5, 4.0, 0.25, 0.25, 0.30, 0.20, 0.03};
    case Mode::speech: return {140, 190, 4.0, 5.0, 0.20, 0.25, 0.35, 0.20, 0.02};
    case Mode::interview: return {160, 205, 3.0, 5.0, 0.25, 0.25, 0.20, 0.30, 0.03};
    case Mode::conversation: return {150, 225, 3.0, 6.0, 0.25, 0.25, 0.25, 0.25, 0.06};
    case Mode::pronunciation: return {100, 175, 2.5, 6.0, 0.50, 0.20, 0.10, 0.20, 0.05};
    case Mode::dictation: return {90, 150, 2.0, 8.0, 0.50, 0.30, 0.05, 0.15, 0.05};
  }
  return {150, 200, 3.5, 4.0, 0.25, 0.25, 0.30, 0.20, 0.03};
}

double clamp100(double v) { return std::clamp(v, 0.0, 100.0); }
// Linear ramp: 0 at `zero`, 100 at `full` (either direction).
double ramp(double x, double zero, double full) { return clamp100(100.0 * (x - zero) / (full - zero)); }
// 100 inside [lo, hi], minus `per_unit` points per unit outside.
double band(double x, double lo, double hi, double per_unit) {
  if (x < lo) return clamp100(100.0 - per_unit * (lo - x));
  if (x > hi) return clamp100(100.0 - per_unit * (x - hi));
  return 100.0;
}

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}
std::string range(double lo, double hi, const char* unit) {
  return fmt("%.0f", lo) + "-" + fmt("%.0f", hi) + " " + unit;
}

constexpr double kLevelLowDb = -32, kLevelHighDb = -10;  // comfortable speech level, dBFS
constexpr double kTrendMinSpeechSeconds = 30;             // speech before a volume trend is judged

}  // namespace

ModeTargets mode_targets(Mode mode) {
  const auto t = targets_for(mode);
  return {t.wpm_low, t.wpm_high, kLevelLowDb, kLevelHighDb, t.pitch_std_st, t.long_pause_s};
}

void score_assessment(Assessment& a) {
  const ModeRules t = targets_for(a.mode);
  const std::string mode(mode_name(a.mode));
  auto add = [&](std::string code, std::string category, std::string severity, std::string message,
                 std::string metric, double value, std::string target) {
    a.feedback.push_back({std::move(code), std::move(category), std::move(severity), std::move(message),
                          std::move(metric), value, std::move(target)});
  };

  if (a.speaking_time < kMinScoredSpeechSeconds) {
    a.scores = {};
    add("not_enough_speech", "general", "warning",
        "Less than a second of speech was detected, so there is nothing to score. Check the microphone and speak for longer.",
        "speaking_time", a.speaking_time, ">= 1 s");
    return;
  }

  // Pace: words per minute against the mode's range, and the share of time spent in pauses.
  const double wpm = a.wpm.value_or(0.0);
  const double rate_score = band(wpm, t.wpm_low, t.wpm_high, 1.5);
  const double pause_score = a.pause_ratio <= 0.25 ? 100.0 : clamp100(100.0 - (a.pause_ratio - 0.25) * 250.0);
  int long_pauses = 0;
  for (const auto& p : a.pauses) long_pauses += p.duration >= t.long_pause_s ? 1 : 0;
  // Pausing well cannot rescue a pace far outside the range: the pause share scales the rate score.
  const double pace = clamp100(rate_score * (0.7 + 0.3 * pause_score / 100.0) - 5.0 * long_pauses);

  // Engagement: pitch variation in semitones, with some credit for dynamic volume.
  const double st = a.pitch_std_semitones.value_or(0.0);
  const double pitch_var = ramp(st, 0.5, t.pitch_std_st);
  const double vol_dyn = a.volume_std_db ? band(*a.volume_std_db, 2.0, 8.0, 12.0) : 50.0;
  const double engagement = clamp100(0.8 * pitch_var + 0.2 * vol_dyn);

  // Clarity: audible level, signal-to-noise, articulation not rushed, no clipping.
  const double level_db = a.volume_mean_db.value_or(-120.0);
  const double level = band(level_db, kLevelLowDb, kLevelHighDb, 4.0);
  const double snr = a.snr_db ? ramp(*a.snr_db, 5.0, 25.0) : 80.0;
  const double sps = a.syllables_per_sec.value_or(0.0);
  const double articulation = sps > 6.5 ? clamp100(100.0 - (sps - 6.5) * 40.0) : 100.0;
  const double clip_penalty = std::min(40.0, a.clipping_ratio * 2000.0);
  const double clarity = clamp100(0.4 * level + 0.35 * snr + 0.25 * articulation - clip_penalty);

  // Confidence: steady, sufficient volume, no trailing off, few hesitations.
  const double steadiness = a.volume_std_db ? band(*a.volume_std_db, 0.0, 4.0, 7.5) : 70.0;
  // A per-minute slope over a few seconds is noise (a 3 dB dip in 6 s reads as
  // 30 dB/min): the trend counts only after kTrendMinSpeechSeconds of speech.
  const bool falling = a.volume && a.speaking_time >= kTrendMinSpeechSeconds && a.volume->slope_per_min < -3.0;
  const double trailing_off = falling ? std::min(20.0, -a.volume->slope_per_min * 2.0) : 0.0;
  // Hesitation fillers beyond the mode's allowance cost confidence (up to 30).
  const double filler_excess = a.words ? std::max(0.0, a.words->filler_ratio - t.filler_ratio_max) : 0.0;
  const double filler_penalty = std::min(30.0, filler_excess * 300.0);
  const double hesitation =
      clamp100(100.0 - 10.0 * long_pauses - std::max(0.0, a.pause_ratio - 0.3) * 150.0 - filler_penalty);
  const double confidence = clamp100(0.4 * level + 0.3 * steadiness + 0.3 * hesitation - trailing_off);

  const double overall = t.w_clarity * clarity + t.w_pace * pace + t.w_engagement * engagement + t.w_confidence * confidence;
  a.scores = {static_cast<int>(std::lround(overall)), static_cast<int>(std::lround(clarity)),
              static_cast<int>(std::lround(pace)), static_cast<int>(std::lround(engagement)),
              static_cast<int>(std::lround(confidence))};

  // Feedback: each item names the measurement and the target behind it, and
  // judges the figure as it is shown (whole wpm), so "200 wpm" is never told
  // to slow down to 150-200 while its pace scores 100.
  const std::string wpm_target = range(t.wpm_low, t.wpm_high, "wpm");
  const double shown_wpm = std::round(wpm);
  if (a.wpm && shown_wpm > t.wpm_high)
    add("pace_fast", "pace", "suggestion",
        "You averaged " + fmt("%.0f", wpm) + " words per minute; for " + mode + " practice aim for " + wpm_target +
            ". Pause briefly after each key point.", "wpm", wpm, wpm_target);
  else if (a.wpm && shown_wpm < t.wpm_low)
    add("pace_slow", "pace", "suggestion",
        "You averaged " + fmt("%.0f", wpm) + " words per minute; for " + mode + " practice aim for " + wpm_target +
            ". Rehearse the passage until it flows.", "wpm", wpm, wpm_target);
  else if (a.wpm)
    add("pace_good", "pace", "positive", "Your pace of " + fmt("%.0f", wpm) + " words per minute is in the " + wpm_target + " range.",
        "wpm", wpm, wpm_target);

  if (a.pitch_std_semitones) {
    const std::string target = ">= " + fmt("%.1f", t.pitch_std_st) + " semitones";
    if (st < t.pitch_std_st * 0.6)
      add("pitch_monotone", "engagement", "suggestion",
          "Your pitch varied by " + fmt("%.1f", st) + " semitones (standard deviation). Lift your voice on key words and let it fall at the end of statements.",
          "pitch_std_semitones", st, target);
    else if (st >= t.pitch_std_st * 0.85)
      add("pitch_varied", "engagement", "positive",
          "Good intonation: your pitch varied by " + fmt("%.1f", st) + " semitones.", "pitch_std_semitones", st, target);
  }

  const std::string level_target = range(kLevelLowDb, kLevelHighDb, "dBFS");
  if (a.volume_mean_db && level_db < kLevelLowDb)
    add("volume_low", "clarity", "suggestion",
        "Your speech averaged " + fmt("%.0f", level_db) + " dBFS, which is quiet. Move closer to the microphone or project more.",
        "volume_db", level_db, level_target);
  else if (a.volume_mean_db && level_db > kLevelHighDb)
    add("volume_high", "clarity", "suggestion",
        "Your speech averaged " + fmt("%.0f", level_db) + " dBFS, which is very loud for the microphone. Lower the input gain or step back.",
        "volume_db", level_db, level_target);
  if (a.clipping_ratio > 0.0005)
    add("clipping", "clarity", "warning",
        fmt("%.2f", a.clipping_ratio * 100.0) + "% of samples clipped. Lower the microphone gain.",
        "clipping_ratio", a.clipping_ratio, "< 0.05%");
  if (a.snr_db && *a.snr_db < 15.0)
    add("noisy", "clarity", "suggestion",
        "Your voice was only " + fmt("%.0f", *a.snr_db) + " dB above the background noise. Find a quieter room or use a closer microphone.",
        "snr_db", *a.snr_db, ">= 15 dB");

  if (long_pauses > 0)
    add("long_pauses", "confidence", "suggestion",
        std::to_string(long_pauses) + " pause(s) lasted " + fmt("%.0f", t.long_pause_s) + " s or more (longest " +
            fmt("%.1f", a.longest_pause) + " s). Keep notes at hand to bridge gaps.",
        "long_pause_count", long_pauses, "0");
  else if (a.pauses.empty() && a.speaking_time > 30.0)
    add("no_pauses", "pace", "suggestion",
        "You spoke for " + fmt("%.0f", a.speaking_time) + " s without a pause of 250 ms or more. Short pauses give listeners time to follow.",
        "pause_count", 0, ">= 1 per 30 s");
  if (a.words && a.words->words >= 10) {
    const auto& w = *a.words;
    const std::string target = "<= " + fmt("%.0f", t.filler_ratio_max * 100.0) + "% of words";
    if (w.filler_ratio > t.filler_ratio_max)
      add("filler_words", "confidence", "suggestion",
          std::to_string(w.filler_count) + " of your " + std::to_string(w.words) + " words were fillers such as um or uh (" +
              fmt("%.1f", w.filler_ratio * 100.0) + "%). Replace them with a short silent pause.",
          "filler_ratio", w.filler_ratio, target);
    else if (w.words >= 30)
      add("few_fillers", "confidence", "positive",
          "Only " + fmt("%.1f", w.filler_ratio * 100.0) + "% of your words were fillers.", "filler_ratio", w.filler_ratio, target);
    if (w.repetitions >= 3 && w.repetitions * 100 > 2 * w.words)
      add("repetitions", "confidence", "suggestion",
          "You repeated words " + std::to_string(w.repetitions) + " times (such as \"I I think\"). Finish the thought before you start the next phrase.",
          "repetitions", w.repetitions, "<= 2 per 100 words");
  }
  if (a.volume_std_db && *a.volume_std_db > 6.0)
    add("volume_unsteady", "confidence", "suggestion",
        "Your loudness varied by " + fmt("%.1f", *a.volume_std_db) + " dB from second to second. Aim for a steady, supported voice.",
        "volume_std_db", *a.volume_std_db, "<= 4 dB");
  if (falling)
    add("trailing_off", "confidence", "suggestion",
        "Your volume fell by " + fmt("%.1f", -a.volume->slope_per_min) + " dB per minute. Keep energy up to the end.",
        "volume_slope_db_per_min", a.volume->slope_per_min, ">= -3 dB/min");
}

void rescore_with_words(Assessment& a, const WordEvidence& words) {
  a.words = words;
  if (words.wpm) a.wpm = words.wpm;
  a.feedback.clear();
  score_assessment(a);
}

}  // namespace orator::dsp
