// Pitch accuracy on the FDA corpus (laryngograph reference every 15 ms).
// Gross pitch error (GPE), voicing decision error (VDE) and mean fine error
// (cents) are computed the way the issue defines them and printed.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <vector>

#include "dsp/pitch_tracker.hpp"
#include "dsp/resampler.hpp"
#include "support/corpus.hpp"
#include "support/wav.hpp"

namespace {
using namespace orator;

struct Tally {
  double frames = 0, voicing_errors = 0, false_voiced = 0, both_voiced = 0, gross = 0;
  double cents_sum = 0, cents_n = 0;
};

std::vector<float> track(const std::vector<float>& audio, int rate, const std::shared_ptr<const dsp::PitchContext>& ctx) {
  dsp::Resampler rs(rate);
  dsp::PitchTracker tracker(ctx);
  std::vector<dsp::PitchFrame> frames;
  std::vector<float> out16(rs.max_output(dsp::Resampler::kMaxBlock));
  for (std::size_t i = 0; i < audio.size(); i += dsp::Resampler::kMaxBlock) {
    const std::size_t n = std::min(dsp::Resampler::kMaxBlock, audio.size() - i);
    const std::size_t m = rs.process(std::span<const float>(audio.data() + i, n), out16);
    tracker.push(std::span<const float>(out16.data(), m), frames);
  }
  std::vector<float> tail(rs.max_output(dsp::Resampler::kMaxBlock) * 2);
  const std::size_t t = rs.flush(tail);
  tracker.push(std::span<const float>(tail.data(), t), frames);
  tracker.flush(frames);
  std::vector<float> f0(frames.size());
  for (const auto& f : frames) f0[static_cast<std::size_t>(f.index)] = f.f0;
  return f0;
}

TEST(CorpusPitch, FdaAccuracy) {
  const auto corpus = test_support::corpus_dir();
  if (!corpus || !std::filesystem::exists(*corpus / "fda_ue_pitch")) GTEST_SKIP() << "shared corpus not found (../shared/corpus or $ORATOR_CORPUS): FDA pitch accuracy not measured";
  const auto dir = *corpus / "fda_ue_pitch";
  const auto ctx = dsp::PitchContext::create();
  Tally total;
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".wav") continue;
    auto wav = test_support::read_wav(entry.path().string());
    ASSERT_TRUE(wav) << entry.path();
    auto ref_path = entry.path();
    ref_path.replace_extension(".f0ref");
    std::ifstream ref(ref_path);
    std::vector<double> reference;
    for (double v; ref >> v;) reference.push_back(v);
    const auto est = track(test_support::mono(*wav), wav->sample_rate, ctx);
    Tally file;
    for (std::size_t k = 0; k < reference.size(); ++k) {
      const auto idx = static_cast<std::size_t>(std::max(0L, std::lround(static_cast<double>(k) * 1.5)));  // 15 ms -> 10 ms grid
      const double e = idx < est.size() ? est[idx] : 0.0;
      const double r = reference[k];
      ++file.frames;
      if ((e > 0) != (r > 0)) ++file.voicing_errors;
      if (e > 0 && r <= 0) ++file.false_voiced;
      if (e > 0 && r > 0) {
        ++file.both_voiced;
        if (std::abs(e / r - 1.0) > 0.2) ++file.gross;
        else { file.cents_sum += std::abs(1200.0 * std::log2(e / r)); ++file.cents_n; }
      }
    }
    if (std::getenv("ORATOR_VERBOSE"))
      std::printf("  %s VDE %.1f%% GPE %.1f%%\n", entry.path().filename().c_str(),
                  100.0 * file.voicing_errors / file.frames, 100.0 * file.gross / std::max(1.0, file.both_voiced));
    total.frames += file.frames; total.false_voiced += file.false_voiced; total.voicing_errors += file.voicing_errors; total.both_voiced += file.both_voiced;
    total.gross += file.gross; total.cents_sum += file.cents_sum; total.cents_n += file.cents_n;
    ++files;
  }
  ASSERT_GT(files, 0);
  const double gpe = 100.0 * total.gross / total.both_voiced;
  const double vde = 100.0 * total.voicing_errors / total.frames;
  const double cents = total.cents_sum / total.cents_n;
  if (std::getenv("ORATOR_VERBOSE")) std::printf("false voiced %.0f of %.0f voicing errors\n", total.false_voiced, total.voicing_errors);
  std::printf("FDA pitch accuracy over %d files, %.0f frames: GPE %.2f%% (target <= 1.5%%), VDE %.2f%% (target <= 6%%), "
              "fine error %.1f cents (target <= 25). Praat 75-600 Hz scores GPE 0.99%%, VDE 4.6%%, 26.5 cents.\n",
              files, total.frames, gpe, vde, cents);
  EXPECT_LE(gpe, 1.5);
  EXPECT_LE(vde, 6.0);
  EXPECT_LE(cents, 25.0);
}

}  // namespace
