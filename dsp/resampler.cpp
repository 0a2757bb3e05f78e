#include "dsp/resampler.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <numeric>
#include <stdexcept>

#include "dsp/constants.hpp"

namespace orator::dsp {
namespace {

constexpr int kZeroCrossings = 24;     // half-length of the sinc, in zero crossings
constexpr double kCutoff = 0.92;       // of the lower Nyquist; stopband starts near Nyquist
constexpr double kKaiserBeta = 5.65;   // ~60 dB stopband attenuation
constexpr int kMaxPhases = 4096;       // odd rates quantise the phase to this grid

double bessel_i0(double x) {
  double sum = 1.0, term = 1.0;
  for (int k = 1; k < 50; ++k) {
    term *= (x / (2.0 * k)) * (x / (2.0 * k));
    sum += term;
    if (term < 1e-12 * sum) break;
  }
  return sum;
}

}  // namespace

ResamplerTable::ResamplerTable(int input_rate, int up, int down)
    : input_rate_(input_rate), up_(up), down_(down) {
  // Cutoff in cycles per input sample: the lower of the two Nyquist rates.
  const double fc = kCutoff * 0.5 * std::min(1.0, static_cast<double>(up) / down);
  const double half_width = kZeroCrossings / (2.0 * fc);  // in input samples
  taps_ = 2 * static_cast<int>(std::ceil(half_width));
  phases_ = std::min(up, kMaxPhases);
  coeffs_.resize(static_cast<std::size_t>(phases_) * taps_);
  const double i0_beta = bessel_i0(kKaiserBeta);
  const int half = taps_ / 2;
  for (int p = 0; p < phases_; ++p) {
    const double frac = static_cast<double>(p) / phases_;
    double sum = 0.0;
    float* row = coeffs_.data() + static_cast<std::size_t>(p) * taps_;
    for (int j = 0; j < taps_; ++j) {
      // Tap j multiplies input i0 - half + 1 + j; its distance from the output instant:
      const double t = frac + (half - 1 - j);
      const double x = 2.0 * fc * t;
      const double sinc = std::abs(x) < 1e-12 ? 1.0 : std::sin(M_PI * x) / (M_PI * x);
      const double r = t / half;
      const double w = std::abs(r) >= 1.0 ? 0.0 : bessel_i0(kKaiserBeta * std::sqrt(1.0 - r * r)) / i0_beta;
      const double h = 2.0 * fc * sinc * w;
      row[j] = static_cast<float>(h);
      sum += h;
    }
    // Normalise each phase to unit DC gain so a constant stays constant.
    for (int j = 0; j < taps_; ++j) row[j] = static_cast<float>(row[j] / sum);
  }
}

std::shared_ptr<const ResamplerTable> ResamplerTable::get(int input_rate) {
  if (input_rate < 8000 || input_rate > 48000) throw std::invalid_argument("input rate out of range");
  static std::mutex mutex;
  static std::map<int, std::shared_ptr<const ResamplerTable>> cache;
  std::lock_guard lock(mutex);
  auto& slot = cache[input_rate];
  if (!slot) {
    const int g = std::gcd(input_rate, kAnalysisRate);
    slot = std::make_shared<const ResamplerTable>(input_rate, kAnalysisRate / g, input_rate / g);
  }
  return slot;
}

Resampler::Resampler(int input_rate) {
  if (input_rate != kAnalysisRate) {
    table_ = ResamplerTable::get(input_rate);
    history_.reserve(static_cast<std::size_t>(table_->taps()) + kMaxBlock + 8);
    // Zeros before the first sample, so output 0 is centred on input 0.
    const int half = table_->taps() / 2;
    history_.assign(static_cast<std::size_t>(half - 1), 0.0f);
    history_start_ = -(half - 1);
  }
}

std::size_t Resampler::max_output(std::size_t n) const {
  if (!table_) return n;
  return (n + table_->taps()) * static_cast<std::size_t>(table_->up()) / table_->down() + 2;
}

std::size_t Resampler::process(std::span<const float> in, std::span<float> out) {
  if (!table_) {
    std::copy(in.begin(), in.end(), out.begin());
    return in.size();
  }
  if (in.size() > kMaxBlock) throw std::length_error("resampler block too large");
  history_.insert(history_.end(), in.begin(), in.end());
  consumed_ += static_cast<std::int64_t>(in.size());

  const std::int64_t L = table_->up(), M = table_->down();
  const int taps = table_->taps(), half = taps / 2, P = table_->phases();
  std::size_t written = 0;
  for (;;) {
    const std::int64_t pos = next_out_ * M;  // output instant, in units of 1/L input samples
    const std::int64_t i0 = pos / L;
    if (i0 + half > consumed_ - 1) break;  // needs input up to i0 + half
    const int phase = static_cast<int>((pos % L) * P / L);
    const float* h = table_->phase(phase);
    const float* x = history_.data() + (i0 - half + 1 - history_start_);
    float acc = 0.0f;
    // Reassociating this sum is fine (and lets it vectorise): -fopenmp-simd.
#pragma omp simd reduction(+ : acc)
    for (int j = 0; j < taps; ++j) acc += x[j] * h[j];
    out[written++] = acc;
    ++next_out_;
  }
  // Drop input no future output can reach.
  const std::int64_t next_i0 = next_out_ * M / L;
  const std::int64_t keep_from = next_i0 - half + 1;
  if (keep_from > history_start_) {
    const auto drop = static_cast<std::size_t>(keep_from - history_start_);
    history_.erase(history_.begin(), history_.begin() + static_cast<std::ptrdiff_t>(drop));
    history_start_ = keep_from;
  }
  return written;
}

std::size_t Resampler::flush(std::span<float> out) {
  if (!table_) return 0;
  // Zero-pad the tail so the last received input sample is fully represented.
  const std::int64_t last_out = consumed_ * table_->up() / table_->down();
  std::size_t written = 0;
  std::vector<float> zeros(static_cast<std::size_t>(table_->taps()), 0.0f);
  const std::int64_t before = consumed_;
  while (next_out_ < last_out && written < out.size()) {
    const std::size_t n = process(zeros, out.subspan(written));
    written += n;
    if (n == 0 && consumed_ - before > 4 * table_->taps()) break;
  }
  // Padding is not audio: outputs past the real input are trimmed.
  const std::int64_t excess = next_out_ - last_out;
  if (excess > 0) written -= std::min<std::size_t>(written, static_cast<std::size_t>(excess));
  return written;
}

}  // namespace orator::dsp
