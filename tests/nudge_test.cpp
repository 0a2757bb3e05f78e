// Nudge rules (sustain, hysteresis, cooldown, global gap, warm-up, per-mode
// thresholds) and nudges raised by real analysis.
#include <gtest/gtest.h>

#include <cmath>

#include "dsp/nudge_engine.hpp"
#include "support/analysis.hpp"
#include "support/signals.hpp"

namespace {
using namespace orator;
using dsp::NudgeCode;

dsp::NudgeInputs quiet_at(double t, double db) {
  dsp::NudgeInputs in;
  in.t = t;
  in.speaking = true;
  in.speech_db = db;
  return in;
}

std::vector<double> run_quiet(dsp::NudgeEngine& engine, double from, double to, double db) {
  std::vector<double> fired;
  for (double t = from; t < to; t += 0.1)
    if (auto n = engine.update(quiet_at(t, db))) fired.push_back(n->t);
  return fired;
}

TEST(NudgeEngine, NeedsSustainAndWarmup) {
  dsp::NudgeEngine engine(dsp::thresholds_for(dsp::Mode::presentation));
  const auto fired = run_quiet(engine, 0.0, 8.0, -50);
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_NEAR(fired[0], 5.0, 0.11);  // sustained since 0 s, held back by the 5 s warm-up
  dsp::NudgeEngine late(dsp::thresholds_for(dsp::Mode::presentation));
  run_quiet(late, 0.0, 6.0, -30);                     // fine until 6 s
  const auto f2 = run_quiet(late, 6.0, 9.0, -50);     // then quiet
  ASSERT_EQ(f2.size(), 1u);
  EXPECT_NEAR(f2[0], 8.0, 0.11);                       // after 2 s of sustain
}

TEST(NudgeEngine, HysteresisAndCooldown) {
  dsp::NudgeEngine engine(dsp::thresholds_for(dsp::Mode::presentation));
  ASSERT_EQ(run_quiet(engine, 0.0, 6.0, -50).size(), 1u);
  // Still quiet for a minute: no repeat without recovery.
  EXPECT_TRUE(run_quiet(engine, 6.0, 60.0, -50).empty());
  // Hovering just above the trigger but below the release level does not re-arm.
  EXPECT_TRUE(run_quiet(engine, 60.0, 61.0, -38).empty());
  EXPECT_TRUE(run_quiet(engine, 61.0, 70.0, -50).empty());
  // Recovering past the release level re-arms; the next quiet spell fires after sustain.
  EXPECT_TRUE(run_quiet(engine, 70.0, 71.0, -30).empty());
  const auto again = run_quiet(engine, 71.0, 80.0, -50);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_NEAR(again[0], 73.0, 0.11);
}

TEST(NudgeEngine, CooldownHoldsEvenAfterRecovery) {
  dsp::NudgeEngine engine(dsp::thresholds_for(dsp::Mode::presentation));
  ASSERT_EQ(run_quiet(engine, 0.0, 6.0, -50).size(), 1u);  // fires at 5 s
  run_quiet(engine, 6.0, 7.0, -30);                          // recovers
  const auto next = run_quiet(engine, 7.0, 40.0, -50);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_NEAR(next[0], 35.0, 0.11);  // 30 s cooldown after 5 s
}

TEST(NudgeEngine, GlobalGapSpacesDifferentCodes) {
  dsp::NudgeEngine engine(dsp::thresholds_for(dsp::Mode::presentation));
  std::vector<std::pair<NudgeCode, double>> fired;
  for (double t = 0; t < 30; t += 0.1) {
    auto in = quiet_at(t, -50);
    in.wpm = 230;  // too fast as well
    if (auto n = engine.update(in)) fired.emplace_back(n->code, n->t);
  }
  ASSERT_EQ(fired.size(), 2u);
  EXPECT_EQ(fired[0].first, NudgeCode::too_quiet);  // priority
  EXPECT_EQ(fired[1].first, NudgeCode::too_fast);
  EXPECT_GE(fired[1].second - fired[0].second, 10.0 - 1e-9);
}

TEST(NudgeEngine, ModesChangeThresholds) {
  EXPECT_GT(dsp::thresholds_for(dsp::Mode::conversation).fast_wpm, dsp::thresholds_for(dsp::Mode::speech).fast_wpm);
  EXPECT_FALSE(dsp::thresholds_for(dsp::Mode::dictation).long_pause_enabled);
  dsp::NudgeEngine dictation(dsp::thresholds_for(dsp::Mode::dictation));
  for (double t = 0; t < 30; t += 0.1) {
    dsp::NudgeInputs in;
    in.t = t;
    in.silence_s = t;
    EXPECT_FALSE(dictation.update(in)) << "dictation never nags about pauses";
  }
}

TEST(NudgesFromAnalysis, LongPauseMonotoneFastAndSlow) {
  // Long pause: 8 s of lively speech, then 8 s of silence.
  auto audio = test_support::intoned_syllables(16000, 8.0, 160, 50, 0.1);
  test_support::append(audio, test_support::silence(16000, 8.0));
  auto r = test_support::analyse(audio, 16000);
  ASSERT_EQ(r.nudge_count(NudgeCode::long_pause), 1);
  EXPECT_NEAR(r.nudges[0].nudge.t, 8.0 + 4.0, 0.3);
  EXPECT_EQ(r.nudges.size(), 1u);

  // Monotone: a flat voice for 20 s.
  r = test_support::analyse(test_support::syllable_train(16000, 20.0, 4.0, 150, 0.1), 16000);
  EXPECT_EQ(r.nudge_count(NudgeCode::monotone), 1);
  // Lively intonation at the same pace: no nudge at all.
  r = test_support::analyse(test_support::intoned_syllables(16000, 20.0, 160, 50, 0.1), 16000);
  EXPECT_TRUE(r.nudges.empty());

  // Too fast (7 syllables/s is about 310 wpm) and too slow (2 syllables/s is about 90 wpm).
  r = test_support::analyse(test_support::intoned_syllables(16000, 20.0, 160, 50, 0.1, 7.0), 16000, dsp::Mode::conversation);
  EXPECT_EQ(r.nudge_count(NudgeCode::too_fast), 1);
  EXPECT_EQ(r.nudges.size(), 1u);
  r = test_support::analyse(test_support::intoned_syllables(16000, 20.0, 160, 50, 0.1, 2.0), 16000, dsp::Mode::conversation);
  EXPECT_EQ(r.nudge_count(NudgeCode::too_slow), 1);
  EXPECT_EQ(r.nudges.size(), 1u);
}

TEST(NudgesFromAnalysis, ClippingRaisesTooLoud) {
  auto audio = test_support::intoned_syllables(16000, 12.0, 160, 50, 0.8);
  for (float& v : audio) v = std::clamp(v, -1.0f, 1.0f);
  const auto r = test_support::analyse(audio, 16000);
  EXPECT_EQ(r.nudge_count(NudgeCode::too_loud), 1);
}

}  // namespace
