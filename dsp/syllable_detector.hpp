#pragma once
// Syllable nuclei (after de Jong & Wempe, 2009): peaks of a smoothed intensity
// contour that rise at least `prominence_db` above the dips on both sides, lie
// within `range_db` of the loudest recent speech, fall in speech, and are
// voiced (or have voicing close by). The contour is the energy of the vowel
// band (BandEnergy below), which follows the vowels and leaves out the
// fricatives and low hum that blur syllable boundaries in the full band.
// Streaming, with the smoothing's half-width of delay plus however long the
// falling side of a peak takes to confirm it.
//
// Per-stream state; not thread-safe; allocation-free.
#include <array>
#include <cstdint>
#include <optional>
#include <span>

namespace orator::dsp {

struct SyllableConfig {
  // Defaults tuned on real read speech (tests/corpus_pace_test.cpp; figures in
  // docs/performance.md), checked on synthetic trains and espeak-ng speech.
  float prominence_db = 1.0f;
  float range_db = 25.0f;        // below the (slowly decaying) loudest speech
  float floor_db = -50.0f;       // absolute floor, dBFS
  float reference_decay_db_per_s = 3.0f;  // after a loud burst, quieter speech counts again within seconds
  int smoothing_frames = 5;      // odd, 1..kMaxSmoothing: moving average of energy
  int voicing_reach_frames = 2;  // voicing this close to the peak counts; < 0: voicing not required
  int min_gap_frames = 6;        // a nucleus closer than this to the previous one is not counted
  float band_low_hz = 300.0f;      // vowel band of the contour; 0/0: the whole signal
  float band_high_hz = 1000.0f;
  // A frame whose vowel band holds at least this share (dB) of its energy
  // counts as voiced even when the pitch tracker found no pitch (creaky,
  // breathy or fast speech); < -60: pitch alone decides.
  float vowel_share_db = -8.0f;
  static constexpr int kMaxSmoothing = 9;
};

struct SyllableFrame {
  std::int64_t index = 0;
  double mean_square = 0.0;  // energy of the 10 ms frame in the contour's band
  double full_mean_square = 0.0;  // energy of the whole frame
  bool voiced = false;
  bool speech = false;       // speech candidate frame
};

// Second-order sections (Butterworth high-pass then low-pass) that keep the
// contour's band; per stream, allocation-free.
class BandEnergy {
 public:
  BandEnergy(float low_hz, float high_hz, int sample_rate);
  // Mean square of the band-passed samples; the filter state runs on.
  [[nodiscard]] double mean_square(std::span<const float> samples);
  [[nodiscard]] bool enabled() const { return enabled_; }

 private:
  struct Section {
    double b0 = 1, b1 = 0, b2 = 0, a1 = 0, a2 = 0, z1 = 0, z2 = 0;
    double run(double x);
  };
  Section high_, low_;
  bool enabled_ = false;
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
  std::optional<std::int64_t> confirm();
  bool accept_peak() const;

  SyllableConfig cfg_;
  std::array<SyllableFrame, SyllableConfig::kMaxSmoothing> window_{};
  int seen_ = 0;
  enum class Phase { seek_peak, seek_dip } phase_ = Phase::seek_peak;
  float extreme_db_ = -200.0f;       // running max (seek_peak) or min (seek_dip)
  std::int64_t peak_index_ = -1;
  bool peak_voiced_ = false, peak_speech_ = false;
  std::int64_t last_voiced_ = -1'000'000;
  std::int64_t last_nucleus_ = -1'000'000;
  float reference_db_ = -200.0f;     // loudest recent speech intensity
};

}  // namespace orator::dsp
