#pragma once
// Fluency from a timed word sequence: hesitation fillers, discourse markers
// used as fillers, repetitions, and word-based pace (docs/scoring.md states
// every rule). Pure functions over plain data; thread-safe.
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "speech/words.hpp"

namespace orator::speech {

// A gap between words at least this long is a pause: it splits speaking time
// and sets discourse markers off from their neighbours.
inline constexpr double kPauseSeconds = 0.25;
// A discourse marker counts as a filler when a gap this long (or a
// hesitation, or the start or end of the speech) stands on both sides of it.
inline constexpr double kMarkerGapSeconds = 0.15;
// Repeated words further apart than this are not a repetition.
inline constexpr double kRepetitionGapSeconds = 1.0;

struct FillerTally {
  std::string word;
  int count = 0;
  std::vector<double> times;  // start of each occurrence, seconds
};

struct Repetition {
  std::string text;  // the repeated words ("the", "i think")
  double t = 0;      // start of the repeat
};

struct FluencyReport {
  int words = 0;                     // every recognised word, fillers included
  int lexical_words = 0;             // words that are neither hesitations nor markers used as fillers
  int filler_count = 0;              // hesitations
  double filler_ratio = 0;           // filler_count / words
  std::vector<FillerTally> filler_words;
  int marker_count = 0;
  std::vector<FillerTally> discourse_markers;
  std::vector<Repetition> repetitions;
  double speaking_time = 0;          // first to last word, pauses >= kPauseSeconds removed
  double articulation_time = 0;      // inside lexical words only
  std::optional<double> wpm;         // lexical words per minute of speaking time
  std::optional<double> articulation_rate;  // syllables per second of articulation time
};

// Marks `marker` on discourse markers that stand as fillers (rule above).
// Words must be in time order; hesitations should already carry `filler`.
void mark_discourse_markers(std::span<Word> words);

// The report over words in time order (with filler and marker flags set).
[[nodiscard]] FluencyReport analyse_fluency(std::span<const Word> words);

}  // namespace orator::speech
