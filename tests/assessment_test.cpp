// The end-of-stream report: statistics, timeline, scores that move the right
// way with their measurements, and feedback that cites them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "dsp/pace_calibration.hpp"
#include "support/analysis.hpp"
#include "support/signals.hpp"

namespace {
using namespace orator;

TEST(Assessment, StatisticsOfTheScenario) {
  const auto sc = test_support::scenario(16000);
  const auto a = test_support::analyse(sc.audio, 16000).assessment;
  EXPECT_TRUE(a.completed);
  EXPECT_NEAR(a.duration, 9.0, 1e-6);
  EXPECT_NEAR(a.speaking_time, 6.0, 0.3);
  ASSERT_TRUE(a.pitch);
  EXPECT_NEAR(a.pitch->min, 125, 15);   // 2nd percentile of 140 +- 20 Hz
  EXPECT_NEAR(a.pitch->max, 245, 15);   // 98th percentile of 220 +- 30 Hz
  EXPECT_EQ(a.pitch->trend, "rising");  // the second half is higher
  ASSERT_TRUE(a.volume_mean_db);
  EXPECT_NEAR(*a.volume_mean_db, -20.0, 4.0);
  ASSERT_TRUE(a.snr_db);
  EXPECT_GT(*a.snr_db, 30.0);
  ASSERT_EQ(a.timeline.size(), 9u);
  EXPECT_LT(a.timeline[0].speech_ratio, 0.1);
  EXPECT_GT(a.timeline[2].speech_ratio, 0.9);
  ASSERT_TRUE(a.timeline[2].pitch);
  EXPECT_NEAR(*a.timeline[2].pitch, 140, 25);
  ASSERT_TRUE(a.timeline[6].pitch);
  EXPECT_NEAR(*a.timeline[6].pitch, 220, 35);
  EXPECT_FALSE(a.timeline[0].pitch);
  EXPECT_NEAR(a.pause_ratio, 1.0 / 7.0, 0.03);
}

TEST(Assessment, EngagementFollowsPitchVariation) {
  const auto flat = test_support::analyse(test_support::syllable_train(16000, 15.0, 4.0, 150, 0.1), 16000).assessment;
  const auto lively = test_support::analyse(test_support::intoned_syllables(16000, 15.0, 160, 50, 0.1), 16000).assessment;
  ASSERT_TRUE(flat.pitch_std_semitones && lively.pitch_std_semitones);
  EXPECT_LT(*flat.pitch_std_semitones, 1.0);
  EXPECT_GT(*lively.pitch_std_semitones, 3.0);
  EXPECT_LT(flat.scores.engagement + 30, lively.scores.engagement);
  bool cited = false;
  for (const auto& f : flat.feedback)
    if (f.code == "pitch_monotone") {
      cited = true;
      EXPECT_EQ(f.metric, "pitch_std_semitones");
      EXPECT_NEAR(f.value, *flat.pitch_std_semitones, 1e-9);
    }
  EXPECT_TRUE(cited);
}

TEST(Assessment, PaceScoreAndFeedbackFollowWordsPerMinute) {
  const auto good = test_support::analyse(test_support::syllable_train(16000, 15.0, 4.0, 150, 0.1), 16000).assessment;
  const auto fast = test_support::analyse(test_support::syllable_train(16000, 15.0, 7.0, 150, 0.1), 16000).assessment;
  ASSERT_TRUE(good.wpm && fast.wpm);
  EXPECT_NEAR(*good.wpm, 4.0 * 60 * dsp::kDefaultWordsPerSyllable, 10);  // 176 wpm
  EXPECT_GT(*fast.wpm, 280);
  EXPECT_EQ(good.scores.pace, 100);
  EXPECT_LT(fast.scores.pace, 20);
  bool cited = false;
  for (const auto& f : fast.feedback)
    if (f.code == "pace_fast") {
      cited = true;
      EXPECT_EQ(f.metric, "wpm");
      EXPECT_EQ(f.target, "150-200 wpm");
      EXPECT_NE(f.message.find(std::to_string(static_cast<int>(std::lround(*fast.wpm)))), std::string::npos);
    }
  EXPECT_TRUE(cited);
}

TEST(Assessment, ClarityFallsWithLevelAndClipping) {
  const auto normal = test_support::analyse(test_support::intoned_syllables(16000, 10.0, 160, 50, 0.1), 16000).assessment;
  const auto quiet = test_support::analyse(test_support::intoned_syllables(16000, 10.0, 160, 50, 0.004), 16000).assessment;
  auto loud_audio = test_support::intoned_syllables(16000, 10.0, 160, 50, 0.9);
  for (float& v : loud_audio) v = std::clamp(v, -1.0f, 1.0f);
  const auto clipped = test_support::analyse(loud_audio, 16000).assessment;
  EXPECT_GT(normal.scores.clarity, quiet.scores.clarity + 20);
  EXPECT_GT(normal.scores.clarity, clipped.scores.clarity + 20);
  for (const auto& s : {normal.scores, quiet.scores, clipped.scores})
    for (int v : {s.overall, s.clarity, s.pace, s.engagement, s.confidence}) {
      EXPECT_GE(v, 0);
      EXPECT_LE(v, 100);
    }
}

// Speech whose level falls by 12 dB from start to end.
std::vector<float> fading(double seconds) {
  auto x = test_support::intoned_syllables(16000, seconds, 160, 50, 0.2);
  for (std::size_t i = 0; i < x.size(); ++i)
    x[i] *= static_cast<float>(std::pow(10.0, -12.0 / 20.0 * static_cast<double>(i) / static_cast<double>(x.size())));
  return x;
}
bool has_feedback(const dsp::Assessment& a, const std::string& code) {
  return std::any_of(a.feedback.begin(), a.feedback.end(), [&](const auto& f) { return f.code == code; });
}

TEST(Assessment, TrailingOffIsJudgedOnlyOverEnoughSpeech) {
  const auto short_take = test_support::analyse(fading(8.0), 16000).assessment;   // reads as about -90 dB/min
  const auto long_take = test_support::analyse(fading(60.0), 16000).assessment;   // about -12 dB/min
  ASSERT_TRUE(short_take.volume && long_take.volume);
  std::printf("  volume slope: %.1f dB/min over %.1f s of speech, %.1f dB/min over %.1f s\n",
              short_take.volume->slope_per_min, short_take.speaking_time, long_take.volume->slope_per_min, long_take.speaking_time);
  EXPECT_LT(short_take.volume->slope_per_min, -30);
  EXPECT_FALSE(has_feedback(short_take, "trailing_off")) << "a few seconds are too few for a per-minute trend";
  EXPECT_LT(long_take.volume->slope_per_min, -3.0);  // (reads -7.5 for a true -12 dB/min: see the issue note)
  EXPECT_TRUE(has_feedback(long_take, "trailing_off"));
}

TEST(Analyzer, MetricsDoNotDependOnBlockSizeAndFollowOddRates) {
  const auto x = test_support::intoned_syllables(11025, 5.0, 160, 40, 0.1);
  const auto a = test_support::analyse(x, 11025, dsp::Mode::presentation, 100, 4096);
  const auto b = test_support::analyse(x, 11025, dsp::Mode::presentation, 100, 33);
  ASSERT_EQ(a.metrics.size(), 50u);
  ASSERT_EQ(a.metrics.size(), b.metrics.size());
  for (std::size_t i = 0; i < a.metrics.size(); ++i) {
    EXPECT_NEAR(a.metrics[i].t, 0.1 * static_cast<double>(i + 1), 1e-3);
    EXPECT_DOUBLE_EQ(a.metrics[i].volume, b.metrics[i].volume);
    EXPECT_EQ(a.metrics[i].pitch, b.metrics[i].pitch);
  }
  EXPECT_EQ(a.assessment.syllable_count, b.assessment.syllable_count);
}

}  // namespace

TEST(Assessment, PaceFeedbackJudgesTheFigureAsShown) {
  // 200.4 wpm shows as "200", inside presentation's 150-200: no advice to slow down.
  dsp::Assessment a;
  a.mode = dsp::Mode::presentation;
  a.duration = 60;
  a.speaking_time = 50;
  a.wpm = 200.4;
  dsp::score_assessment(a);
  bool good = false;
  for (const auto& f : a.feedback) {
    EXPECT_NE(f.code, "pace_fast") << f.message;
    good = good || f.code == "pace_good";
  }
  EXPECT_TRUE(good);
  a.wpm = 200.6;  // shows as 201
  a.feedback.clear();
  dsp::score_assessment(a);
  EXPECT_TRUE(std::any_of(a.feedback.begin(), a.feedback.end(), [](const auto& f) { return f.code == "pace_fast"; }));
}
