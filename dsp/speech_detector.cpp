#include "dsp/speech_detector.hpp"

#include <algorithm>
#include <stdexcept>

#include "dsp/constants.hpp"

namespace orator::dsp {

SpeechDetector::SpeechDetector(const SpeechDetectorConfig& config) : cfg_(config) {
  if (cfg_.voicing_reach_ahead < 0 || cfg_.voicing_reach_ahead >= kMaxAhead || cfg_.hangover_frames < 1)
    throw std::invalid_argument("invalid speech detector configuration");
}

std::optional<SpeechDecision> SpeechDetector::push(const FrameEvidence& frame, std::optional<SegmentEvent>& event) {
  if (frame.voiced) last_voiced_ = frame.index;
  pending_[static_cast<std::size_t>((pending_head_ + pending_count_) % kMaxAhead)] = frame;
  ++pending_count_;
  if (pending_count_ <= cfg_.voicing_reach_ahead) return std::nullopt;
  return decide_oldest(event);
}

std::optional<SpeechDecision> SpeechDetector::decide_oldest(std::optional<SegmentEvent>& event) {
  const FrameEvidence f = pending_[static_cast<std::size_t>(pending_head_)];
  pending_head_ = (pending_head_ + 1) % kMaxAhead;
  --pending_count_;

  // last_voiced_ covers frames up to f.index + reach_ahead (or the stream end).
  const bool voiced_near = last_voiced_ >= f.index - cfg_.voicing_reach_back;
  noise_db_ = std::max(-90.0f, std::min(f.rms_db, noise_db_ + cfg_.noise_rise_db_per_s * static_cast<float>(kFrameSeconds)));
  const bool above_noise = f.rms_db > noise_db_ + cfg_.noise_margin_db;
  const bool candidate = f.vad && f.rms_db > cfg_.floor_db && above_noise && voiced_near;
  if (candidate) {
    if (!in_segment_) {
      in_segment_ = true;
      segment_start_ = f.index;
      SegmentEvent e{SegmentEvent::Kind::start, static_cast<double>(f.index) * kFrameSeconds, std::nullopt};
      if (previous_end_ >= 0) {
        e.pause_start = static_cast<double>(previous_end_) * kFrameSeconds;
        ++pause_count_;
      }
      event = e;
    }
    last_active_ = f.index;
  } else if (in_segment_ && f.index - last_active_ >= cfg_.hangover_frames) {
    close_segment(event);
  }
  return SpeechDecision{f.index, candidate, in_segment_};
}

void SpeechDetector::close_segment(std::optional<SegmentEvent>& event) {
  if (!in_segment_) return;
  in_segment_ = false;
  previous_end_ = last_active_ + 1;
  closed_frames_ += previous_end_ - segment_start_;
  event = SegmentEvent{SegmentEvent::Kind::end, static_cast<double>(previous_end_) * kFrameSeconds, std::nullopt};
}

double SpeechDetector::speaking_time() const {
  std::int64_t frames = closed_frames_;
  if (in_segment_) frames += last_active_ + 1 - segment_start_;
  return static_cast<double>(frames) * kFrameSeconds;
}

std::optional<double> SpeechDetector::silence_since_speech(std::int64_t now_frame) const {
  if (in_segment_) {
    // Inside the hangover the segment is still open but nobody is speaking.
    if (now_frame - last_active_ > 1) return static_cast<double>(now_frame - last_active_ - 1) * kFrameSeconds;
    return std::nullopt;
  }
  if (previous_end_ < 0) return std::nullopt;
  return static_cast<double>(now_frame - previous_end_) * kFrameSeconds;
}

}  // namespace orator::dsp
