#include "dsp/syllable_detector.hpp"

#include <algorithm>
#include <cmath>

#include "dsp/constants.hpp"

namespace orator::dsp {

SyllableDetector::SyllableDetector(const SyllableConfig& config) : cfg_(config) {}

std::optional<std::int64_t> SyllableDetector::push(const SyllableFrame& frame) {
  window_[0] = window_[1];
  window_[1] = window_[2];
  window_[2] = frame;
  if (++seen_ < 3) return std::nullopt;
  const SyllableFrame& centre = window_[1];
  const double ms = (window_[0].mean_square + centre.mean_square + window_[2].mean_square) / 3.0;
  const float db = ms > 0 ? static_cast<float>(10.0 * std::log10(ms)) : kSilenceDb;
  // A nucleus is voiced; allow the neighbours to carry the voicing flag at a boundary.
  const bool voiced = centre.voiced || (window_[0].voiced && window_[2].voiced);
  return on_contour(centre.index, db, voiced, centre.speech);
}

bool SyllableDetector::accept_peak() const {
  return peak_index_ >= 0 && peak_voiced_ && peak_speech_ && extreme_db_ >= cfg_.floor_db &&
         extreme_db_ >= reference_db_ - cfg_.range_db;
}

std::optional<std::int64_t> SyllableDetector::on_contour(std::int64_t index, float db, bool voiced, bool speech) {
  const float decay = cfg_.reference_decay_db_per_s * static_cast<float>(kFrameSeconds);
  reference_db_ = std::max(reference_db_ - decay, speech ? db : -200.0f);

  std::optional<std::int64_t> nucleus;
  if (phase_ == Phase::seek_peak) {
    if (db > extreme_db_) {
      extreme_db_ = db;
      peak_index_ = index;
      peak_voiced_ = voiced;
      peak_speech_ = speech;
    } else if (db < extreme_db_ - cfg_.prominence_db) {
      if (accept_peak()) nucleus = peak_index_;
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
      peak_voiced_ = voiced;
      peak_speech_ = speech;
    }
  }
  return nucleus;
}

std::optional<std::int64_t> SyllableDetector::flush() {
  std::optional<std::int64_t> nucleus;
  if (phase_ == Phase::seek_peak && accept_peak()) nucleus = peak_index_;
  phase_ = Phase::seek_dip;
  return nucleus;
}

}  // namespace orator::dsp
