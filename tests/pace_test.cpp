// Syllable nuclei and pace: synthetic syllable trains of known rate, speech
// synthesised by espeak-ng from text with a known syllable count, and the
// per-speaker words-per-syllable calibration.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "dsp/pace_calibration.hpp"
#include "support/analysis.hpp"
#include "support/signals.hpp"
#include "support/temp_dir.hpp"
#include "support/wav.hpp"

namespace {
using namespace orator;

TEST(Pace, SyllableTrainsFrom2To8PerSecond) {
  for (double rate : {2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0}) {
    const double seconds = 12.0;
    const auto train = test_support::syllable_train(16000, seconds, rate, 140, 0.1);
    const auto r = test_support::analyse(train, 16000);
    const double truth = rate * seconds;
    const double counted = r.assessment.syllable_count;
    std::printf("  %.0f syllables/s: counted %.0f of %.0f (%.1f%% off), %.2f syllables/s reported\n", rate, counted, truth,
                100 * std::abs(counted - truth) / truth, r.assessment.syllables_per_sec.value_or(0));
    EXPECT_NEAR(counted, truth, 0.1 * truth) << rate;
    ASSERT_TRUE(r.assessment.syllables_per_sec);
    EXPECT_NEAR(*r.assessment.syllables_per_sec, rate, 0.1 * rate);
    // The live trailing pace agrees once warmed up.
    ASSERT_TRUE(r.metrics.back().syllables_per_sec);
    EXPECT_NEAR(*r.metrics.back().syllables_per_sec, rate, 0.12 * rate);
    // The session pace is null until 3 s of speech, then ends on the
    // assessment's figure (up to the syllable the look-ahead still held).
    EXPECT_FALSE(r.metrics.front().session_wpm);
    ASSERT_TRUE(r.metrics.back().session_wpm && r.assessment.wpm);
    const double one_syllable = *r.assessment.wpm / r.assessment.syllable_count;
    EXPECT_NEAR(*r.metrics.back().session_wpm, *r.assessment.wpm, 1.5 * one_syllable);
  }
}

struct Sentence { const char* text; int syllables; };

TEST(Pace, EspeakSpeechWithKnownSyllableCounts) {
  if (std::system("command -v espeak-ng > /dev/null 2>&1") != 0) GTEST_SKIP() << "espeak-ng is not installed (scripts/setup.sh installs it)";
  const Sentence sentences[] = {
      {"The quick brown fox jumps over the lazy dog.", 11},
      {"Please call Stella and ask her to bring these things with her from the store.", 16},
      {"Today we will practise speaking clearly and slowly.", 13},
      {"Good morning everyone, thank you for coming to my presentation.", 17},
      {"Remember to breathe, relax your shoulders, and smile at the audience.", 17},
      {"My name is Alex and I have worked as a nurse for seven years.", 16},
  };
  const test_support::TempDir temp("orator-espeak");
  const auto& dir = temp.path();
  int truth = 0, counted = 0;
  for (int speed : {140, 175}) {
    for (const auto& s : sentences) {
      const auto wav_path = dir / "s.wav";
      const std::string cmd = "espeak-ng -v en-us -s " + std::to_string(speed) + " -w '" + wav_path.string() + "' \"" + s.text + "\"";
      ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
      const auto wav = test_support::read_wav(wav_path.string());
      ASSERT_TRUE(wav);
      const auto r = test_support::analyse(test_support::mono(*wav), wav->sample_rate);
      std::printf("  [%d wpm] %2d syllables, counted %2d: %s\n", speed, s.syllables, r.assessment.syllable_count, s.text);
      truth += s.syllables;
      counted += r.assessment.syllable_count;
    }
  }
  const double error = std::abs(counted - truth) / static_cast<double>(truth);
  std::printf("  espeak-ng total: counted %d of %d syllables (%.1f%% off, target 10%%)\n", counted, truth, 100 * error);
  EXPECT_LE(error, 0.10);
}

TEST(Volume, LevelsPeaksAndClipping) {
  const auto tone = test_support::sine(16000, 2.0, 440, 0.5);
  const auto r = test_support::analyse(tone, 16000);
  const auto& m = r.metrics[4];
  EXPECT_NEAR(m.volume, 0.5 / std::sqrt(2.0), 0.005);
  EXPECT_NEAR(m.volume_db, 20 * std::log10(0.5 / std::sqrt(2.0)), 0.1);
  EXPECT_NEAR(m.peak, 0.5, 0.01);
  EXPECT_EQ(r.assessment.clipping_ratio, 0.0);

  std::vector<float> clipped = test_support::sine(16000, 2.0, 440, 2.0);
  for (float& v : clipped) v = std::clamp(v, -1.0f, 1.0f);
  const auto c = test_support::analyse(clipped, 16000);
  std::printf("  clipped sine: clipping ratio %.3f\n", c.assessment.clipping_ratio);
  EXPECT_GT(c.assessment.clipping_ratio, 0.5);
}

}  // namespace

TEST(PaceCalibration, LearnsTheSpeakersWordsPerSyllableWithAPrior) {
  dsp::PaceCalibration pace;
  EXPECT_DOUBLE_EQ(pace.words_per_syllable(), dsp::kDefaultWordsPerSyllable);
  // 200 nuclei, one a second; 100 words over the same time: 2 syllables a word.
  for (int i = 0; i < 200; ++i) pace.add_nucleus(i * 100);
  for (int i = 0; i < 100; ++i) pace.add_word(2.0 * i + 1.9, true);
  const double learnt = pace.words_per_syllable();
  const double expected = (100 + dsp::PaceCalibration::kPriorSyllables * dsp::kDefaultWordsPerSyllable) /
                          (200 + dsp::PaceCalibration::kPriorSyllables);
  EXPECT_NEAR(learnt, expected, 1e-9);
  EXPECT_LT(std::abs(learnt - 0.5), std::abs(dsp::kDefaultWordsPerSyllable - 0.5));
  // Nuclei past the latest word are not yet matched by words; hesitations are not words.
  for (int i = 200; i < 260; ++i) pace.add_nucleus(i * 100);
  pace.add_word(199.95, false);
  EXPECT_NEAR(pace.words_per_syllable(), expected, 1e-9);
  EXPECT_EQ(pace.words(), 100);
}

TEST(PaceCalibration, StaysInsidePlausibleRatios) {
  dsp::PaceCalibration sparse;  // a recogniser that missed most words
  for (int i = 0; i < 500; ++i) sparse.add_nucleus(i * 20);
  sparse.add_word(99.0, true);
  EXPECT_DOUBLE_EQ(sparse.words_per_syllable(), dsp::PaceCalibration::kMinRatio);
  dsp::PaceCalibration dense;  // more words than nuclei
  for (int i = 0; i < 50; ++i) dense.add_nucleus(i * 100);
  for (int i = 0; i < 200; ++i) dense.add_word(0.025 * i * 10, true);
  EXPECT_DOUBLE_EQ(dense.words_per_syllable(), dsp::PaceCalibration::kMaxRatio);
}

TEST(Pace, RecognisedWordsCalibrateTheLivePace) {
  // 4 syllables a second for 90 s; the "recogniser" hears a word every two
  // syllables. The prior (400 syllables) still holds half the weight by then.
  const auto audio = test_support::syllable_train(16000, 90.0, 4.0, 140, 0.1);
  test_support::RecordedAnalysis plain, calibrated;
  auto context = dsp::AnalysisContext::create();
  dsp::StreamAnalyzer a(context, {dsp::Mode::presentation, 16000, 250}, plain);
  dsp::StreamAnalyzer b(context, {dsp::Mode::presentation, 16000, 250}, calibrated);
  double next_word = 0.5;
  int words = 0;
  for (std::size_t i = 0; i < audio.size(); i += 320) {
    const auto block = std::span(audio).subspan(i, std::min<std::size_t>(320, audio.size() - i));
    a.push(block);
    b.push(block);
    // Words arrive a second after their audio.
    while (next_word + 1.0 <= b.received_seconds()) {
      b.note_word(next_word - 0.4, next_word, false);
      next_word += 0.5;
      ++words;
    }
  }
  plain.assessment = a.finish(true);
  calibrated.assessment = b.finish(true);
  ASSERT_TRUE(plain.assessment.wpm && calibrated.assessment.wpm && calibrated.metrics.back().wpm);
  const double truth = 120;  // a word every half second of speech
  // Nuclei up to the last word: 4 a second of its time.
  const double prior = dsp::PaceCalibration::kPriorSyllables;
  const double ratio = (words + prior * dsp::kDefaultWordsPerSyllable) / (4.0 * (next_word - 0.5) + prior);
  const double expected = *calibrated.assessment.syllables_per_sec * 60 * ratio;
  std::printf("  4 syllables/s, a word every 2: %.1f wpm from syllables alone, %.1f calibrated (%.1f by the formula), "
              "live %.1f; truth %.0f\n",
              *plain.assessment.wpm, *calibrated.assessment.wpm, expected, *calibrated.metrics.back().wpm, truth);
  EXPECT_NEAR(*plain.assessment.wpm, 4 * 60 * dsp::kDefaultWordsPerSyllable, 10);
  EXPECT_NEAR(*calibrated.assessment.wpm, expected, 0.03 * expected);
  EXPECT_NEAR(*calibrated.metrics.back().wpm, expected, 0.05 * expected);
  EXPECT_LT(*calibrated.assessment.wpm, *plain.assessment.wpm - 15);
}
