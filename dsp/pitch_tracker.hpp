#pragma once
// Streaming F0 tracker: YIN's cumulative mean normalised difference computed
// with FFTs (FFTW3), a few candidates per 10 ms frame, and a fixed-lag Viterbi
// path over candidates + an unvoiced state (pYIN-style smoothing without the
// probabilistic thresholds). Look-ahead: half a window + the longest period +
// the Viterbi lag, under 100 ms with the defaults.
//
// PitchContext is shared and immutable after create() (FFTW plans are made
// under a process-wide lock because FFTW's planner is not thread-safe).
// PitchTracker is per-stream state; it is not thread-safe, and it uses
// per-thread scratch buffers, so it never allocates per frame.
#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace orator::dsp {

struct PitchConfig {
  float min_f0 = 65.0f;          // Hz (with the window below, fits a 512-point FFT)
  float max_f0 = 600.0f;         // Hz
  int window = 256;              // YIN integration window, samples (16 ms)
  // YIN compares x[j] with x[j + period], so its evidence is centred half a
  // period after the window's centre; starting the window this many samples
  // earlier centres it for a typical adult voice (~100-250 Hz).
  int centre_compensation = 80;
  int viterbi_lag = 6;           // frames of fixed-lag smoothing (60 ms)
  float unvoiced_cost = 0.40f;   // cost of calling a frame unvoiced (tuned on FDA)
  float octave_cost = 1.0f;      // transition cost per octave of F0 change
  float voicing_switch_cost = 0.15f;
  float long_period_cost = 0.08f;  // mild preference for shorter periods (anti sub-harmonic)
  float silence_db = -60.0f;     // frames quieter than this are unvoiced
  // Loud frames (relative to the loudest recent frame) are more likely voiced:
  // the unvoiced cost moves by up to +-energy_weight with relative level.
  float energy_weight = 0.15f;
  float energy_span_db = 20.0f;
  float reference_decay_db_per_s = 3.0f;
};

class PitchContext {
 public:
  [[nodiscard]] static std::shared_ptr<const PitchContext> create(const PitchConfig& config = {});
  ~PitchContext();
  PitchContext(const PitchContext&) = delete;
  PitchContext& operator=(const PitchContext&) = delete;

  const PitchConfig& config() const { return config_; }
  int tau_min() const { return tau_min_; }
  int tau_max() const { return tau_max_; }
  int fft_size() const { return fft_size_; }
  int segment() const { return config_.window + tau_max_ + 1; }  // samples analysed per frame
  // Samples of look-ahead past a frame's centre before it can be analysed.
  int lookahead_samples() const { return segment() - window_lead(); }
  // Samples a frame's segment starts before the frame's centre.
  int window_lead() const { return config_.window / 2 + config_.centre_compensation; }

  struct Plans;
  const Plans& plans() const { return *plans_; }
  explicit PitchContext(const PitchConfig& config);  // use create()

 private:
  PitchConfig config_;
  int tau_min_, tau_max_, fft_size_;
  std::unique_ptr<Plans> plans_;
};

struct PitchFrame {
  std::int64_t index = 0;   // frame k is centred at k * 10 ms
  float f0 = 0.0f;          // Hz, 0 when unvoiced
  float aperiodicity = 1.0f;  // best CMNDF value (0 = perfectly periodic)
  float rms_db = -120.0f;   // energy of the integration window
};

// What the caller already knows of a frame before it is analysed: a frame
// it calls silence (the VAD and its neighbours say no speech) is decided
// unvoiced without its FFTs. Frames are numbered as PitchFrame::index.
class SilenceHint {
 public:
  [[nodiscard]] virtual bool known_silent(std::int64_t frame) const = 0;

 protected:
  ~SilenceHint() = default;
};

class PitchTracker {
 public:
  explicit PitchTracker(std::shared_ptr<const PitchContext> context);

  // Feed samples at the analysis rate (any block size). Final decisions are
  // appended to `out` (capacity is the caller's; see max_output()).
  // `hint`, when given, is asked about each frame just before its analysis.
  void push(std::span<const float> samples, std::vector<PitchFrame>& out, const SilenceHint* hint = nullptr);
  // End of stream: analyse the remaining frames (zero-padded) and emit all.
  void flush(std::vector<PitchFrame>& out);
  // Frames whose decision is still pending (look-ahead), for latency bookkeeping.
  [[nodiscard]] std::int64_t frames_decided() const { return decided_; }
  // Frames a SilenceHint spared the analysis of.
  [[nodiscard]] std::int64_t frames_skipped() const { return skipped_; }

 private:
  static constexpr int kCandidates = 4;
  static constexpr int kStates = kCandidates + 1;  // last state = unvoiced
  static constexpr int kMaxLag = 16;

  struct Step {
    std::array<float, kStates> f0{};
    std::array<float, kStates> cost{};
    std::array<std::uint8_t, kStates> back{};
    float aperiodicity = 1.0f;
    float rms_db = -120.0f;
  };

  void analyse_frame(const float* segment, Step& step) const;
  void decide_unvoiced(const float* segment, Step& step) const;
  void weigh_voicing_by_energy(Step& step);
  void advance(std::vector<PitchFrame>& out);
  void emit_path(std::int64_t from, std::int64_t to, int state_at_to, std::vector<PitchFrame>& out);
  Step& step_at(std::int64_t frame) { return steps_[static_cast<std::size_t>(frame % kMaxLag)]; }

  std::shared_ptr<const PitchContext> ctx_;
  std::vector<float> buffer_;        // samples from absolute index buffer_start_
  std::int64_t buffer_start_ = 0;
  std::int64_t received_ = 0;        // absolute samples received
  std::int64_t next_frame_ = 0;      // next frame to analyse
  std::int64_t decided_ = 0;         // frames emitted
  std::int64_t skipped_ = 0;         // frames decided unvoiced on a SilenceHint
  std::array<Step, kMaxLag> steps_{};
  std::array<float, kStates> acc_{};  // accumulated path cost at next_frame_ - 1
  float loudest_db_ = -120.0f;        // decaying maximum of frame energy
};

}  // namespace orator::dsp
