#pragma once
// Words per syllable for one speaker, learnt as a stream goes.
//
// Without a recogniser, pace is syllable nuclei per minute of speaking time
// times kDefaultWordsPerSyllable, measured on the transcripts of the real-speech
// benchmark (tests/corpus_pace_test.cpp). Where a recogniser runs, its words
// arrive a second or two after the audio; the live pace stays on the
// syllable nuclei (no lag), scaled by this speaker's own ratio: lexical words
// over the nuclei counted up to the end of the latest word. The ratio starts
// at the default and moves to the speaker's as evidence grows (a prior worth
// kPriorSyllables syllables): PocketSphinx's word count is itself 5-20% off
// on real readings, so only a long, consistent difference moves it
// (docs/performance.md, "Pace on real speech").
//
// Per-stream state; not thread-safe; allocation-free.
#include <array>
#include <cstdint>

namespace orator::dsp {

// Transcripts of the benchmark's tuning set: 1.36 syllables a word other than
// hesitations (docs/performance.md, "Pace on real speech").
inline constexpr double kDefaultWordsPerSyllable = 1.0 / 1.36;

// Words per minute of speaking time from syllable nuclei: one formula for the
// live figures and the assessment, so that they agree.
[[nodiscard]] constexpr double words_per_minute(double syllables_per_sec, double words_per_syllable) {
  return syllables_per_sec * 60.0 * words_per_syllable;
}

class PaceCalibration {
 public:
  static constexpr double kPriorSyllables = 400.0;  // about two minutes of speech
  static constexpr double kMinRatio = 0.45, kMaxRatio = 1.0;  // 2.2 to 1 syllables a word

  void add_nucleus(std::int64_t frame);
  // A recognised word ending at `end` stream seconds; `lexical` is false for hesitations.
  void add_word(double end, bool lexical);
  [[nodiscard]] double words_per_syllable() const;
  [[nodiscard]] int words() const { return words_; }

 private:
  // Nuclei counted up to `frame` (inclusive); exact within the ring's reach.
  [[nodiscard]] std::int64_t nuclei_upto(std::int64_t frame) const;

  static constexpr std::size_t kRing = 1024;  // > 2 min of nuclei at any pace
  std::array<std::int64_t, kRing> recent_{};  // frame of the latest nuclei
  std::int64_t nuclei_ = 0;
  int words_ = 0;
  std::int64_t words_end_frame_ = -1;
};

}  // namespace orator::dsp
