// Voice activity and pauses against signals with known answers.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "support/analysis.hpp"
#include "support/signals.hpp"

namespace {
using namespace orator;
using test_support::analyse;

double speech_fraction(const test_support::RecordedAnalysis& r) {
  // Fraction of 250 ms windows reported as speaking.
  int speaking = 0;
  for (const auto& m : r.metrics) speaking += m.is_speaking ? 1 : 0;
  return static_cast<double>(speaking) / static_cast<double>(r.metrics.size());
}

TEST(Vad, StationaryWhiteNoiseIsNotSpeech) {
  for (double dbfs : {-40.0, -30.0, -22.0, -15.0, -10.0}) {
    const auto noise = test_support::white_noise(16000, 20.0, std::pow(10.0, dbfs / 20.0), 3);
    const auto r = analyse(noise, 16000);
    const double fraction = speech_fraction(r);
    std::printf("  white noise at %.0f dBFS: speech in %.1f%% of 250 ms windows (target < 20%%)\n", dbfs, 100 * fraction);
    EXPECT_LT(fraction, 0.20) << dbfs;
  }
}

TEST(Vad, SpeechInNoiseIsStillFound) {
  // Speech at about -20 dBFS RMS in white noise at -40 (20 dB SNR) and -32 (12 dB SNR).
  for (double noise_db : {-40.0, -32.0}) {
    auto sc = test_support::scenario(16000);
    const auto noise = test_support::white_noise(16000, sc.duration, std::pow(10.0, noise_db / 20.0), 5);
    for (std::size_t i = 0; i < sc.audio.size(); ++i) sc.audio[i] += noise[i];
    const auto r = analyse(sc.audio, 16000);
    ASSERT_EQ(r.vad.size(), 4u) << noise_db;
    double worst = 0;
    const double truth[] = {1.0, 4.0, 5.0, 8.0};
    for (int i = 0; i < 4; ++i) {
      worst = std::max(worst, std::abs(r.vad[static_cast<std::size_t>(i)].t - truth[i]));
      EXPECT_NEAR(r.vad[static_cast<std::size_t>(i)].t, truth[i], 0.1) << noise_db;
    }
    std::printf("  speech in white noise at %.0f dBFS: segment boundaries within %.0f ms\n", noise_db, worst * 1000);
  }
}

TEST(Vad, PausesOfAQuarterSecondOrMoreAreFoundWithTheirBoundaries) {
  // Speech with gaps of 0.15 s (not a pause), 0.3, 0.6 and 1.5 s.
  const double gaps[] = {0.15, 0.3, 0.6, 1.5};
  std::vector<float> audio = test_support::silence(16000, 0.5);
  std::vector<std::pair<double, double>> expected;
  double t = 0.5;
  for (double gap : gaps) {
    test_support::append(audio, test_support::voice(16000, 1.2, [](double x) { return 150 + 20 * std::sin(x * 3); }, 0.1));
    t += 1.2;
    if (gap >= 0.25) expected.emplace_back(t, t + gap);
    test_support::append(audio, test_support::silence(16000, gap));
    t += gap;
  }
  test_support::append(audio, test_support::voice(16000, 1.2, [](double) { return 160.0; }, 0.1));
  test_support::append(audio, test_support::silence(16000, 0.5));
  const auto r = analyse(audio, 16000);
  const auto& pauses = r.assessment.pauses;
  ASSERT_EQ(pauses.size(), expected.size());
  double worst = 0;
  for (std::size_t i = 0; i < pauses.size(); ++i) {
    worst = std::max({worst, std::abs(pauses[i].start - expected[i].first), std::abs(pauses[i].end - expected[i].second)});
    EXPECT_NEAR(pauses[i].start, expected[i].first, 0.1);
    EXPECT_NEAR(pauses[i].end, expected[i].second, 0.1);
    EXPECT_NEAR(pauses[i].duration, expected[i].second - expected[i].first, 0.1);
  }
  std::printf("  pause boundaries: worst error %.0f ms (target 100 ms)\n", worst * 1000);
  // Each pause is reported once in the metrics stream.
  std::size_t streamed = 0;
  for (const auto& p : r.metric_pauses) streamed += p.size();
  EXPECT_EQ(streamed, expected.size());
  EXPECT_EQ(r.metrics.back().pause_count, static_cast<int>(expected.size()));
}

// Where the VAD already says silence, the pitch tracker is not run: most
// of the scenario's three seconds of silence, none of its speech.
TEST(Vad, SilenceSparesThePitchAnalysis) {
  const auto sc = test_support::scenario(16000);
  test_support::RecordedAnalysis sink;
  dsp::StreamAnalyzer analyzer(dsp::AnalysisContext::create(), {dsp::Mode::presentation, 16000, 250}, sink);
  analyzer.push(sc.audio);
  sink.assessment = analyzer.finish(true);
  const auto skipped = analyzer.pitch_frames_skipped();
  std::printf("  pitch analysis skipped on %lld of 900 frames (300 are silence)\n", static_cast<long long>(skipped));
  EXPECT_GE(skipped, 200);
  EXPECT_LE(skipped, 300);
  EXPECT_NEAR(sink.assessment.speaking_time, 6.0, 0.3) << "the speech is still found";
}

TEST(Vad, SilenceAndDigitalZeroAreNotSpeech) {
  const auto r = analyse(test_support::silence(16000, 5.0), 16000);
  EXPECT_TRUE(r.vad.empty());
  EXPECT_EQ(r.assessment.speaking_time, 0.0);
  EXPECT_EQ(r.assessment.feedback.front().code, "not_enough_speech");
}

}  // namespace
