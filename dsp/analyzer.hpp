#pragma once
// The live analysis pipeline for one stream, as a ticked chain of stages:
//   input-rate mono PCM -> resampler -> 10 ms frames -> {WebRTC VAD, pitch}
//   -> speech detector -> {syllables, report, trailing stats -> nudges}
//   -> metrics every interval of received audio -> sink.
// Metrics are emitted the moment the audio completing an interval arrives;
// they describe the frames decided by then, which trail the received audio
// by the look-ahead (pitch + speech decision, about 150 ms); `analysed_t`
// says where the decided frames end.
//
// AnalysisContext is shared and immutable (thread-safe). StreamAnalyzer is
// per-stream, not thread-safe, and allocation-free per frame once
// constructed (the report's per-second timeline grows once a second).
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "dsp/assessment.hpp"
#include "dsp/mode.hpp"
#include "dsp/nudge_engine.hpp"
#include "dsp/pace_calibration.hpp"
#include "dsp/pitch_tracker.hpp"
#include "dsp/report_accumulator.hpp"
#include "dsp/resampler.hpp"
#include "dsp/speech_detector.hpp"
#include "dsp/syllable_detector.hpp"
#include "dsp/trailing_stats.hpp"
#include "dsp/webrtc_vad.hpp"

namespace orator::dsp {

struct AnalysisContext {
  std::shared_ptr<const PitchContext> pitch;
  SpeechDetectorConfig speech;
  SyllableConfig syllables;
  int webrtc_aggressiveness = 2;

  [[nodiscard]] static std::shared_ptr<const AnalysisContext> create();
};

struct AnalyzerConfig {
  Mode mode = Mode::presentation;
  int input_rate = 16000;   // Hz of the mono samples given to push()
  int interval_ms = 250;    // metrics cadence in audio time
};

struct IntervalMetrics {
  double t = 0;            // seconds of audio received
  double analysed_t = 0;   // seconds of audio decided
  double volume = 0;       // RMS, linear
  double volume_db = -120;
  double peak = 0;
  bool is_speaking = false;
  std::optional<double> pitch;            // Hz, median of voiced speech frames
  std::optional<double> pitch_semitones;  // above 27.5 Hz
  std::optional<double> wpm;                // trailing ~10 s of speech: responsive, what the nudges use
  std::optional<double> syllables_per_sec;
  // The whole stream's pace so far, as the assessment will compute it: it
  // settles where the final figure will be.
  std::optional<double> session_wpm;
  double speaking_time = 0;
  int pause_count = 0;
  std::span<const PauseRecord> pauses;    // closed since the previous metrics
  std::optional<NudgeCode> nudge;
};

class AnalysisSink {
 public:
  virtual ~AnalysisSink() = default;
  virtual void on_vad(bool speech_start, double t) = 0;
  virtual void on_nudge(const Nudge& nudge, const NudgeInputs& inputs) = 0;
  virtual void on_metrics(const IntervalMetrics& metrics) = 0;
  // The mono audio at the analysis rate (16 kHz), as it is analysed: what a
  // recording keeps. Most sinks ignore it.
  virtual void on_analysis_audio(std::span<const float> /*samples16k*/) {}
  // A syllable nucleus, in stream seconds (it trails the audio by its look-ahead).
  virtual void on_syllable(double /*t*/) {}
};

class StreamAnalyzer : private SilenceHint {
 public:
  StreamAnalyzer(std::shared_ptr<const AnalysisContext> context, const AnalyzerConfig& config, AnalysisSink& sink);

  // Mono samples at config.input_rate, floats in [-1, 1], any block size.
  void push(std::span<const float> samples);
  // Ends the stream: analyses what is left, emits the last (partial) metrics,
  // and returns the report. Call once.
  [[nodiscard]] Assessment finish(bool completed);

  // The report as it stands, without ending the stream (status interrupted):
  // what a checkpoint stores. Copies the report state; not for every frame.
  [[nodiscard]] Assessment snapshot() const;

  // Where the report's older timeline seconds and pauses go (ReportAccumulator::set_spill):
  // a long stream then holds the same memory at any length. Outlives this.
  void set_report_spill(ReportSpill* spill) { report_.set_spill(spill); }

  // A word the recogniser finalised (stream seconds): hesitations feed the
  // filler_words nudge; the others calibrate the pace (PaceCalibration). Words arrive after their audio; any order is fine.
  void note_word(double start, double end, bool hesitation);

  double received_seconds() const { return static_cast<double>(received_) / config_.input_rate; }
  // 10 ms frames whose pitch analysis the VAD's silence spared.
  std::int64_t pitch_frames_skipped() const { return pitch_.frames_skipped(); }
  const AnalyzerConfig& config() const { return config_; }

 private:
  struct RawFrame {
    bool vad = false;
    double mean_square = 0;
    double band_mean_square = 0;  // the syllable contour's band
    float peak = 0;
    double clip_fraction = 0;
    float f0 = 0;
  };
  struct WordMark { double start = 0, end = -1; bool hesitation = false; };
  static constexpr std::size_t kWordRing = 256;  // more than a 45 s window holds at any pace
  static constexpr std::size_t kRing = 64;
  static constexpr std::size_t kMaxIntervalF0 = 256;
  static constexpr std::size_t kMaxIntervalPauses = 16;

  // The pitch tracker skips a frame the VAD called silence, with its
  // neighbours (PitchTracker::SilenceHint).
  [[nodiscard]] bool known_silent(std::int64_t frame) const override;
  void process_block(std::span<const float> samples16k);
  void close_raw_frame();
  void on_pitch_frame(const PitchFrame& p);
  void on_decision(const SpeechDecision& d, const std::optional<SegmentEvent>& event);
  void on_segment_event(const SegmentEvent& e);
  void tick_nudges(std::int64_t frame);
  void count_nucleus(std::int64_t frame, std::int64_t window_frame);
  std::optional<double> trailing_syllables_per_sec() const;
  std::optional<double> trailing_wpm() const;
  std::optional<double> session_wpm() const;
  std::optional<double> trailing_fillers_per_min(double t) const;
  void emit_metrics();
  RawFrame& raw(std::int64_t frame) { return raw_[static_cast<std::size_t>(frame) % kRing]; }
  const RawFrame& raw(std::int64_t frame) const { return raw_[static_cast<std::size_t>(frame) % kRing]; }

  std::shared_ptr<const AnalysisContext> ctx_;
  AnalyzerConfig config_;
  AnalysisSink& sink_;
  Resampler resampler_;
  WebRtcVad webrtc_;
  PitchTracker pitch_;
  SpeechDetector speech_;
  BandEnergy syllable_band_;
  SyllableDetector syllables_;
  PaceCalibration pace_;
  NudgeEngine nudges_;
  ReportAccumulator report_;

  // Input bookkeeping.
  std::int64_t received_ = 0;        // input samples
  std::int64_t intervals_emitted_ = 0;
  std::int64_t pending_clipped_ = 0, pending_input_ = 0;
  std::vector<float> resampled_;     // scratch, sized once
  std::vector<PitchFrame> pitch_out_;

  // 10 ms framing at the analysis rate.
  std::array<float, 160> frame_buf_{};
  std::size_t frame_fill_ = 0;
  std::int64_t raw_frames_ = 0;
  std::array<RawFrame, kRing> raw_{};

  // Decided-frame state.
  std::int64_t decided_ = 0;         // frames decided by the speech detector
  std::int64_t confirmed_speech_upto_ = -1;
  std::optional<double> first_speech_, last_speech_;
  TrailingStats<100> pitch_window_{10};     // semitones, 10 s
  TrailingStats<30> speech_db_window_{10};  // dBFS of speech frames, 3 s
  TrailingStats<20> clip_window_{10};       // clipped fraction, 2 s
  TrailingStats<100> speaking_window_{10};  // confirmed speech frames, 10 s
  TrailingStats<100> syllable_window_{10};  // syllable nuclei, 10 s

  // Recognised words (only when a recogniser runs), newest overwrite oldest.
  std::array<WordMark, kWordRing> words_{};
  std::size_t words_next_ = 0;
  bool words_seen_ = false;

  // Interval accumulators.
  double iv_ms_sum_ = 0;
  int iv_frames_ = 0;
  float iv_peak_ = 0;
  bool iv_speaking_ = false;
  std::array<float, kMaxIntervalF0> iv_f0_{};
  std::size_t iv_f0_count_ = 0;
  std::array<PauseRecord, kMaxIntervalPauses> iv_pauses_{};
  std::size_t iv_pause_count_ = 0;
  std::optional<NudgeCode> iv_nudge_;
  bool finished_ = false;
};

}  // namespace orator::dsp
