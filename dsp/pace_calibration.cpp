#include "dsp/pace_calibration.hpp"

#include <algorithm>
#include <cmath>

#include "dsp/constants.hpp"

namespace orator::dsp {

void PaceCalibration::add_nucleus(std::int64_t frame) {
  recent_[static_cast<std::size_t>(nuclei_) % kRing] = frame;
  ++nuclei_;
}

void PaceCalibration::add_word(double end, bool lexical) {
  if (lexical) ++words_;
  words_end_frame_ = std::max(words_end_frame_, static_cast<std::int64_t>(std::floor(end / kFrameSeconds)));
}

std::int64_t PaceCalibration::nuclei_upto(std::int64_t frame) const {
  // Nuclei arrive in frame order: walk back from the newest past `frame`.
  const std::int64_t reach = std::min<std::int64_t>(nuclei_, static_cast<std::int64_t>(kRing));
  std::int64_t later = 0;
  while (later < reach && recent_[static_cast<std::size_t>(nuclei_ - 1 - later) % kRing] > frame) ++later;
  return nuclei_ - later;
}

double PaceCalibration::words_per_syllable() const {
  if (words_ == 0) return kDefaultWordsPerSyllable;
  const auto syllables = static_cast<double>(nuclei_upto(words_end_frame_));
  const double ratio = (words_ + kPriorSyllables * kDefaultWordsPerSyllable) / (syllables + kPriorSyllables);
  return std::clamp(ratio, kMinRatio, kMaxRatio);
}

}  // namespace orator::dsp
