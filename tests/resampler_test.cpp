// Resampler: frequency and level preserved in the passband, aliases rejected,
// output independent of how the input is chunked.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "dsp/resampler.hpp"
#include "support/signals.hpp"

namespace {
using namespace orator;

std::vector<float> resample(const std::vector<float>& in, int rate, std::size_t block = 480) {
  dsp::Resampler rs(rate);
  std::vector<float> out, buf(rs.max_output(dsp::Resampler::kMaxBlock));
  const std::size_t step = std::min(block, dsp::Resampler::kMaxBlock);
  for (std::size_t i = 0; i < in.size(); i += step) {
    const std::size_t n = std::min(step, in.size() - i);
    const std::size_t m = rs.process(std::span<const float>(in.data() + i, n), buf);
    out.insert(out.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(m));
  }
  std::vector<float> tail(rs.max_output(dsp::Resampler::kMaxBlock) * 2);
  const std::size_t t = rs.flush(tail);
  out.insert(out.end(), tail.begin(), tail.begin() + static_cast<std::ptrdiff_t>(t));
  return out;
}

// Error of `y` against the ideal 16 kHz sine, in dB relative to the sine, away from the edges.
double error_db(const std::vector<float>& y, double hz, double amplitude) {
  double err = 0, ref = 0;
  for (std::size_t i = 800; i + 800 < y.size(); ++i) {
    const double ideal = amplitude * std::sin(2 * M_PI * hz * static_cast<double>(i) / 16000.0);
    err += (y[i] - ideal) * (y[i] - ideal);
    ref += ideal * ideal;
  }
  return 10 * std::log10(err / ref);
}

class ResamplerRates : public ::testing::TestWithParam<int> {};

TEST_P(ResamplerRates, PassbandSineIsPreservedInTimeAndLevel) {
  const int rate = GetParam();
  for (double hz : {200.0, 1000.0, std::min(3400.0, rate * 0.4)}) {
    const auto in = test_support::sine(rate, 1.0, hz, 0.5);
    const auto out = resample(in, rate);
    EXPECT_NEAR(static_cast<double>(out.size()), 16000.0, 1.0) << rate;
    const double e = error_db(out, hz, 0.5);
    std::printf("  %5d Hz -> 16 kHz, %.0f Hz sine: error %.1f dB\n", rate, hz, e);
    EXPECT_LT(e, -40.0) << rate << " Hz input, " << hz << " Hz sine";
  }
}

INSTANTIATE_TEST_SUITE_P(Rates, ResamplerRates, ::testing::Values(8000, 11025, 16000, 22050, 24000, 32000, 44100, 47999, 48000));

TEST(Resampler, AliasesAboveTheOutputNyquistAreRejected) {
  for (int rate : {44100, 48000}) {
    for (double hz : {9000.0, 12000.0, 20000.0}) {
      const auto out = resample(test_support::sine(rate, 1.0, hz, 0.5), rate);
      const double level = test_support::rms_db(std::vector<float>(out.begin() + 800, out.end() - 800)) -
                           20 * std::log10(0.5 / std::sqrt(2.0));
      std::printf("  %d Hz input, %.0f Hz tone: %.1f dB after resampling\n", rate, hz, level);
      EXPECT_LT(level, -55.0);
    }
  }
}

TEST(Resampler, OutputDoesNotDependOnChunking) {
  const auto in = test_support::white_noise(44100, 0.5, 0.1);
  const auto a = resample(in, 44100, 512);
  const auto b = resample(in, 44100, 7);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) ASSERT_FLOAT_EQ(a[i], b[i]) << i;
}

TEST(Resampler, RejectsRatesOutsideTheContract) {
  EXPECT_THROW(dsp::ResamplerTable::get(7999), std::invalid_argument);
  EXPECT_THROW(dsp::ResamplerTable::get(48001), std::invalid_argument);
}

}  // namespace
