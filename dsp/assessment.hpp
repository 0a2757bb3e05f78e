#pragma once
// The end-of-stream report as plain data (serialised by protocol/).
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "dsp/mode.hpp"

namespace orator::dsp {

struct SummaryStat {
  double mean = 0, std = 0, min = 0, max = 0;
  std::string trend;        // "rising", "falling" or "stable"
  double slope_per_min = 0; // units of the statistic per minute
};

struct PauseRecord {
  double start = 0, end = 0, duration = 0;
};

struct TimelinePoint {
  double t = 0;                  // start of the second
  double volume_db = -120;       // whole second, dBFS
  std::optional<double> pitch;   // median voiced F0, Hz
  double speech_ratio = 0;       // fraction of the second carrying speech
  std::optional<double> wpm;     // trailing pace at the end of the second
};

struct FeedbackItem {
  std::string code;       // e.g. "pace_fast"
  std::string category;   // pace | engagement | clarity | confidence | general
  std::string severity;   // positive | suggestion | warning
  std::string message;
  std::string metric;     // the measurement behind it
  double value = 0;
  std::string target;     // human-readable target range
};

// What the recogniser adds when it ran (speech/ computes it): word-based pace
// and hesitations. Plain numbers, so scoring stays here without speech/.
struct WordEvidence {
  int words = 0;                 // every recognised word, fillers included
  int lexical_words = 0;
  int filler_count = 0;
  double filler_ratio = 0;       // filler_count / words
  int repetitions = 0;
  std::optional<double> wpm;                // lexical words per minute of speaking time
  std::optional<double> articulation_rate;  // syllables per second inside words
};

struct Scores {
  int overall = 0, clarity = 0, pace = 0, engagement = 0, confidence = 0;
};

struct Assessment {
  Mode mode = Mode::presentation;
  bool completed = true;
  double duration = 0;          // seconds of audio received
  double speaking_time = 0;     // seconds inside speech segments
  int syllable_count = 0;
  std::optional<double> wpm;                 // from words when `words` is set, else from syllables
  std::optional<double> syllables_per_sec;
  std::optional<WordEvidence> words;
  std::optional<SummaryStat> pitch;          // Hz
  std::optional<double> pitch_std_semitones;
  std::optional<SummaryStat> volume;         // linear RMS of speech frames
  std::optional<double> volume_mean_db;
  std::optional<double> volume_std_db;       // of per-second speech levels
  std::optional<double> noise_floor_db;
  std::optional<double> snr_db;
  double clipping_ratio = 0;
  std::vector<PauseRecord> pauses;
  double pause_ratio = 0;       // pause time / time from first speech to last speech
  double longest_pause = 0;
  std::array<int, 7> nudges{};  // fired per NudgeCode
  Scores scores;
  std::vector<TimelinePoint> timeline;
  std::vector<FeedbackItem> feedback;
};

// Below this much speech nothing is scored (every score 0, feedback
// not_enough_speech), and the session counts in no average or progress.
inline constexpr double kMinScoredSpeechSeconds = 1.0;

// What a mode's scores reward in full (docs/scoring.md): the pace in words
// per minute of speaking time, the speech level, the pitch variation; and the
// pause that counts as long. Live meters and reports show them as targets.
struct ModeTargets {
  double low_wpm, high_wpm;
  double level_low_db, level_high_db;  // mean speech level, dBFS
  double pitch_std_st;                 // pitch variation that scores 100, semitones
  double long_pause_s;
};
[[nodiscard]] ModeTargets mode_targets(Mode mode);

// Fills scores and feedback from the measurements (docs/scoring.md).
void score_assessment(Assessment& a);
// Adds the recogniser's evidence: word-based pace replaces the syllable
// estimate, and scores and feedback are made again with fillers counted.
void rescore_with_words(Assessment& a, const WordEvidence& words);

}  // namespace orator::dsp
