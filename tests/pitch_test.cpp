// Pitch tracker against synthetic voices with known F0.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "dsp/constants.hpp"
#include "dsp/pitch_tracker.hpp"
#include "support/signals.hpp"

namespace {
using namespace orator;

std::vector<dsp::PitchFrame> track(const std::vector<float>& x, std::size_t block = 160) {
  static const auto ctx = dsp::PitchContext::create();
  dsp::PitchTracker t(ctx);
  std::vector<dsp::PitchFrame> out;
  for (std::size_t i = 0; i < x.size(); i += block) t.push(std::span<const float>(x.data() + i, std::min(block, x.size() - i)), out);
  t.flush(out);
  return out;
}

TEST(Pitch, LookAheadIsAtMost100Ms) {
  const auto ctx = dsp::PitchContext::create();
  const double lookahead = static_cast<double>(ctx->lookahead_samples()) / dsp::kAnalysisRate +
                           ctx->config().viterbi_lag * dsp::kFrameSeconds;
  std::printf("  pitch look-ahead: %.1f ms\n", lookahead * 1000);
  EXPECT_LE(lookahead, 0.100);
}

TEST(Pitch, SteadyVoicesAcrossTheRange) {
  for (double f0 : {70.0, 100.0, 150.0, 220.0, 330.0, 450.0, 580.0}) {
    const auto frames = track(test_support::voice(16000, 1.0, [f0](double) { return f0; }, 0.1));
    ASSERT_EQ(frames.size(), 100u);
    int voiced = 0;
    double worst_cents = 0;
    for (std::size_t i = 5; i < 95; ++i) {
      if (frames[i].f0 <= 0) continue;
      ++voiced;
      worst_cents = std::max(worst_cents, std::abs(1200 * std::log2(frames[i].f0 / f0)));
    }
    std::printf("  %.0f Hz voice: %d/90 frames voiced, worst error %.1f cents\n", f0, voiced, worst_cents);
    EXPECT_GE(voiced, 88) << f0;
    EXPECT_LT(worst_cents, 20.0) << f0;
  }
}

TEST(Pitch, FollowsAGlideWithoutOctaveJumps) {
  // 100 -> 300 Hz over 2 s (1.6 octaves), exponential glide.
  auto f = [](double t) { return 100.0 * std::pow(3.0, t / 2.0); };
  const auto frames = track(test_support::voice(16000, 2.0, f, 0.1));
  int gross = 0, voiced = 0;
  for (std::size_t i = 5; i + 5 < frames.size(); ++i) {
    if (frames[i].f0 <= 0) continue;
    ++voiced;
    if (std::abs(frames[i].f0 / f(static_cast<double>(i) * 0.01) - 1.0) > 0.05) ++gross;
  }
  EXPECT_GE(voiced, 180);
  EXPECT_EQ(gross, 0);
}

TEST(Pitch, PureSineIsTracked) {
  const auto frames = track(test_support::sine(16000, 1.0, 220, 0.3));
  EXPECT_NEAR(frames[50].f0, 220.0, 1.0);
}

TEST(Pitch, NoiseAndSilenceAreUnvoiced) {
  int voiced = 0;
  const auto noise = track(test_support::white_noise(16000, 3.0, 0.1));
  for (const auto& f : noise) voiced += f.f0 > 0 ? 1 : 0;
  std::printf("  white noise: %d/%zu frames voiced\n", voiced, noise.size());
  EXPECT_LT(voiced, static_cast<int>(noise.size() / 20));
  for (const auto& f : track(test_support::silence(16000, 1.0))) EXPECT_EQ(f.f0, 0.0f);
}

TEST(Pitch, ResultsDoNotDependOnBlockSize) {
  const auto x = test_support::voice(16000, 1.0, [](double t) { return 120 + 40 * t; }, 0.1);
  const auto a = track(x, 160), b = track(x, 37);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_FLOAT_EQ(a[i].f0, b[i].f0) << i;
}

// Frames the caller calls silence are decided unvoiced without their FFTs,
// and nothing else moves: every frame's F0 is what the full analysis gives.
class GapHint : public dsp::SilenceHint {
 public:
  GapHint(std::int64_t from, std::int64_t to) : from_(from), to_(to) {}
  bool known_silent(std::int64_t frame) const override { return frame >= from_ && frame < to_; }

 private:
  std::int64_t from_, to_;
};

TEST(Pitch, FramesHintedSilentAreSkippedAndChangeNoDecision) {
  // Voice, 1.5 s of faint noise (-50 dBFS), voice.
  auto x = test_support::voice(16000, 1.0, [](double t) { return 110 + 30 * t; }, 0.1);
  const auto gap = test_support::white_noise(16000, 1.5, 0.003);
  const auto tail = test_support::voice(16000, 1.0, [](double t) { return 200 - 40 * t; }, 0.1);
  x.insert(x.end(), gap.begin(), gap.end());
  x.insert(x.end(), tail.begin(), tail.end());
  static const auto ctx = dsp::PitchContext::create();
  const auto run = [&](const dsp::SilenceHint* hint, std::int64_t* skipped) {
    dsp::PitchTracker t(ctx);
    std::vector<dsp::PitchFrame> out;
    for (std::size_t i = 0; i < x.size(); i += 320) t.push(std::span<const float>(x.data() + i, std::min<std::size_t>(320, x.size() - i)), out, hint);
    t.flush(out);
    if (skipped) *skipped = t.frames_skipped();
    return out;
  };
  const GapHint hint(110, 240);  // inside the noise (frames 100-250), clear of the voices' edges
  std::int64_t skipped = 0;
  const auto full = run(nullptr, nullptr), hinted = run(&hint, &skipped);
  EXPECT_EQ(skipped, 130);
  ASSERT_EQ(full.size(), hinted.size());
  int voiced = 0;
  for (std::size_t i = 0; i < full.size(); ++i) {
    EXPECT_FLOAT_EQ(full[i].f0, hinted[i].f0) << "frame " << i;
    voiced += full[i].f0 > 0 ? 1 : 0;
  }
  EXPECT_GT(voiced, 150) << "the voices around the gap are tracked";
}

}  // namespace
