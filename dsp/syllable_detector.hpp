#pragma once
// Syllable nuclei (after de Jong & Wempe, 2009): peaks of a smoothed intensity
// contour that rise at least `prominence_db` above the dips on both sides, lie
// within `range_db` of the loudest recent speech, fall in speech, and are
// voiced. Streaming, with one frame of smoothing delay plus however long the
// falling side of a peak takes to confirm it.
//
// Per-stream state; not thread-safe; allocation-free.
#include <array>
#include <cstdint>
#include <optional>

namespace orator::dsp {

struct SyllableConfig {
  float prominence_db = 2.0f;
  float range_db = 25.0f;        // below the (slowly decaying) loudest speech
  float floor_db = -50.0f;       // absolute floor, dBFS
  float reference_decay_db_per_s = 1.0f;
};

struct SyllableFrame {
  std::int64_t index = 0;
  double mean_square = 0.0;  // energy of the 10 ms frame
  bool voiced = false;
  bool speech = false;       // speech candidate frame
};

class SyllableDetector {
 public:
  explicit SyllableDetector(const SyllableConfig& config = {});
  // Returns the frame index of a syllable nucleus confirmed by this frame.
  [[nodiscard]] std::optional<std::int64_t> push(const SyllableFrame& frame);
  // End of stream: a peak still waiting for its falling side is confirmed if
  // the stream ended on it (the audio stops, so intensity falls).
  [[nodiscard]] std::optional<std::int64_t> flush();

 private:
  std::optional<std::int64_t> on_contour(std::int64_t index, float db, bool voiced, bool speech);
  bool accept_peak() const;

  SyllableConfig cfg_;
  std::array<SyllableFrame, 3> window_{};  // 30 ms smoothing, centred
  int seen_ = 0;
  enum class Phase { seek_peak, seek_dip } phase_ = Phase::seek_peak;
  float extreme_db_ = -200.0f;       // running max (seek_peak) or min (seek_dip)
  std::int64_t peak_index_ = -1;
  bool peak_voiced_ = false, peak_speech_ = false;
  float reference_db_ = -200.0f;     // loudest recent speech intensity
};

}  // namespace orator::dsp
