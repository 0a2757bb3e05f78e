#include "dsp/syllable_detector.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "dsp/constants.hpp"

namespace orator::dsp {

double BandEnergy::Section::run(double x) {
  const double y = b0 * x + z1;
  z1 = b1 * x - a1 * y + z2;
  z2 = b2 * x - a2 * y;
  return y;
}

BandEnergy::BandEnergy(float low_hz, float high_hz, int sample_rate) {
  const double nyquist = sample_rate / 2.0;
  if (low_hz <= 0 && high_hz <= 0) return;
  enabled_ = true;
  // RBJ cookbook biquads, Q = 1/sqrt(2) (Butterworth).
  const auto design = [&](double hz, bool high) {
    Section s;
    const double w0 = 2.0 * std::numbers::pi * hz / sample_rate;
    const double alpha = std::sin(w0) / std::numbers::sqrt2;
    const double c = std::cos(w0);
    const double a0 = 1.0 + alpha;
    s.b0 = (high ? (1.0 + c) : (1.0 - c)) / 2.0 / a0;
    s.b1 = (high ? -(1.0 + c) : (1.0 - c)) / a0;
    s.b2 = s.b0;
    s.a1 = -2.0 * c / a0;
    s.a2 = (1.0 - alpha) / a0;
    return s;
  };
  if (low_hz > 0 && low_hz < nyquist) high_ = design(low_hz, true);
  if (high_hz > 0 && high_hz < nyquist) low_ = design(high_hz, false);
}

double BandEnergy::mean_square(std::span<const float> samples) {
  if (samples.empty()) return 0.0;
  double sum = 0;
  for (float s : samples) {
    const double y = low_.run(high_.run(s));
    sum += y * y;
  }
  return sum / static_cast<double>(samples.size());
}

SyllableDetector::SyllableDetector(const SyllableConfig& config) : cfg_(config) {
  cfg_.smoothing_frames = std::clamp(cfg_.smoothing_frames | 1, 1, SyllableConfig::kMaxSmoothing);
}

std::optional<std::int64_t> SyllableDetector::push(const SyllableFrame& frame) {
  const int n = cfg_.smoothing_frames;
  std::copy(window_.begin() + 1, window_.begin() + n, window_.begin());
  window_[static_cast<std::size_t>(n - 1)] = frame;
  if (++seen_ < n) return std::nullopt;
  const auto mid = static_cast<std::size_t>(n / 2);
  const SyllableFrame& centre = window_[mid];
  double ms = 0, full = 0;
  for (int i = 0; i < n; ++i) {
    ms += window_[static_cast<std::size_t>(i)].mean_square;
    full += window_[static_cast<std::size_t>(i)].full_mean_square;
  }
  const float db = ms > 0 ? static_cast<float>(10.0 * std::log10(ms / n)) : kSilenceDb;
  // Most of the frame's energy in the vowel band: a vowel the pitch tracker may have missed.
  const bool vowel_like =
      cfg_.vowel_share_db > -60.0f && ms > 0 && full > 0 && 10.0 * std::log10(ms / full) >= cfg_.vowel_share_db;
  // A nucleus is voiced; allow the neighbours to carry the voicing flag at a boundary.
  const bool voiced =
      centre.voiced || (mid > 0 && window_[mid - 1].voiced && window_[mid + 1].voiced) || vowel_like;
  return on_contour(centre.index, db, voiced, centre.speech);
}

bool SyllableDetector::accept_peak() const {
  return peak_index_ >= 0 && (peak_voiced_ || cfg_.voicing_reach_frames < 0) && peak_speech_ &&
         extreme_db_ >= cfg_.floor_db && extreme_db_ >= reference_db_ - cfg_.range_db;
}

std::optional<std::int64_t> SyllableDetector::confirm() {
  if (!accept_peak()) return std::nullopt;
  if (peak_index_ - last_nucleus_ < cfg_.min_gap_frames) return std::nullopt;
  last_nucleus_ = peak_index_;
  return peak_index_;
}

std::optional<std::int64_t> SyllableDetector::on_contour(std::int64_t index, float db, bool voiced, bool speech) {
  const float decay = cfg_.reference_decay_db_per_s * static_cast<float>(kFrameSeconds);
  reference_db_ = std::max(reference_db_ - decay, speech ? db : -200.0f);
  if (voiced) {
    last_voiced_ = index;
    // Voicing just after the peak (a vowel whose loudest frame is its onset).
    if (peak_index_ >= 0 && index - peak_index_ <= cfg_.voicing_reach_frames) peak_voiced_ = true;
  }

  std::optional<std::int64_t> nucleus;
  if (phase_ == Phase::seek_peak) {
    if (db > extreme_db_) {
      extreme_db_ = db;
      peak_index_ = index;
      peak_voiced_ = index - last_voiced_ <= std::max(cfg_.voicing_reach_frames, 0);
      peak_speech_ = speech;
    } else if (db < extreme_db_ - cfg_.prominence_db) {
      nucleus = confirm();
      phase_ = Phase::seek_dip;
      extreme_db_ = db;
    }
  } else {
    if (db < extreme_db_) {
      extreme_db_ = db;
    } else if (db > extreme_db_ + cfg_.prominence_db) {
      phase_ = Phase::seek_peak;
      extreme_db_ = db;
      peak_index_ = index;
      peak_voiced_ = index - last_voiced_ <= std::max(cfg_.voicing_reach_frames, 0);
      peak_speech_ = speech;
    }
  }
  return nucleus;
}

std::optional<std::int64_t> SyllableDetector::flush() {
  std::optional<std::int64_t> nucleus;
  if (phase_ == Phase::seek_peak) nucleus = confirm();
  phase_ = Phase::seek_dip;
  return nucleus;
}

}  // namespace orator::dsp
