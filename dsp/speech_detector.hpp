#pragma once
// Speech/non-speech segmentation from per-frame evidence.
//
// WebRTC's VAD alone calls stationary broadband noise speech, so a frame is a
// speech candidate only when the VAD agrees, the frame is above an absolute
// floor and clearly above the tracked noise floor (WebRTC's own hangover
// otherwise stretches speech into the breath and room noise after it), and a
// voiced frame (from the pitch tracker) lies within
// [-voicing_reach_back, +voicing_reach_ahead] frames: speech has voiced nuclei
// at least every few hundred ms, noise has none. Unvoiced onsets and codas are
// kept by that reach. Segments end after `hangover_frames` without a
// candidate, so gaps shorter than that never split speech, and every gap that
// does split speech is a pause of at least that length.
//
// Per-stream state; not thread-safe; allocation-free.
#include <array>
#include <cstdint>
#include <optional>

namespace orator::dsp {

struct SpeechDetectorConfig {
  int voicing_reach_back = 25;   // frames (250 ms)
  int voicing_reach_ahead = 5;   // frames (50 ms): the decision delay
  int hangover_frames = 25;      // 250 ms, also the minimum pause
  float floor_db = -55.0f;       // dBFS of a 10 ms frame
  // Frames must also stand this far above the tracked noise floor, which
  // follows quiet frames down at once and rises slowly (minimum tracking).
  float noise_margin_db = 9.0f;
  float noise_rise_db_per_s = 3.0f;
};

struct FrameEvidence {
  std::int64_t index = 0;
  bool vad = false;      // WebRTC VAD decision
  bool voiced = false;   // pitch tracker decision
  float rms_db = -120.0f;
};

struct SpeechDecision {
  std::int64_t index = 0;
  bool candidate = false;   // this frame carries speech
  bool in_segment = false;  // inside a speech segment (including its hangover)
};

struct SegmentEvent {
  enum class Kind { start, end } kind;
  double t;                      // seconds
  std::optional<double> pause_start;  // on start: the pause that just closed
};

class SpeechDetector {
 public:
  explicit SpeechDetector(const SpeechDetectorConfig& config = {});

  // Feed frames in order. Returns the decision for frame index - reach_ahead
  // once that much look-ahead exists; `event` is set when a segment starts or
  // ends on this call.
  [[nodiscard]] std::optional<SpeechDecision> push(const FrameEvidence& frame, std::optional<SegmentEvent>& event);
  // End of stream: decides one pending frame per call, nullopt when none is left.
  [[nodiscard]] std::optional<SpeechDecision> drain(std::optional<SegmentEvent>& event) {
    if (pending_count_ == 0) return std::nullopt;
    return decide_oldest(event);
  }
  // End of stream, after drain(): closes an open segment.
  void close(std::optional<SegmentEvent>& event) { close_segment(event); }

  bool in_segment() const { return in_segment_; }
  // Seconds of speech in closed segments plus the open one up to its last candidate.
  double speaking_time() const;
  int pause_count() const { return pause_count_; }
  // Seconds since the last segment ended, when silent after some speech.
  std::optional<double> silence_since_speech(std::int64_t now_frame) const;
  std::int64_t segment_start() const { return segment_start_; }
  std::int64_t last_active() const { return last_active_; }

 private:
  std::optional<SpeechDecision> decide_oldest(std::optional<SegmentEvent>& event);
  void close_segment(std::optional<SegmentEvent>& event);

  SpeechDetectorConfig cfg_;
  static constexpr int kMaxAhead = 32;
  std::array<FrameEvidence, kMaxAhead> pending_{};
  int pending_head_ = 0, pending_count_ = 0;
  std::int64_t last_voiced_ = -1'000'000;
  float noise_db_ = -90.0f;
  bool in_segment_ = false;
  std::int64_t segment_start_ = 0, last_active_ = -1;
  std::int64_t previous_end_ = -1;  // frame after the last closed segment, -1 if none
  std::int64_t closed_frames_ = 0;
  int pause_count_ = 0;
};

}  // namespace orator::dsp
