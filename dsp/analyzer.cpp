#include "dsp/analyzer.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "dsp/constants.hpp"

namespace orator::dsp {
namespace {

constexpr std::int64_t kMinPaceFrames = 300;     // 3 s of speech before a pace is reported
constexpr std::int64_t kMinPitchFrames = 300;    // 3 s of voiced speech before monotone is judged
constexpr std::int64_t kMinLevelFrames = 100;    // 1 s of speech before a level is judged
constexpr float kClipLevel = 0.999f;

double to_db(double ms) { return ms > 0 ? 10.0 * std::log10(ms) : kSilenceDb; }
double semitones(double hz) { return 12.0 * std::log2(hz / 27.5); }

}  // namespace

std::shared_ptr<const AnalysisContext> AnalysisContext::create() {
  auto ctx = std::make_shared<AnalysisContext>();
  ctx->pitch = PitchContext::create();
  return ctx;
}

StreamAnalyzer::StreamAnalyzer(std::shared_ptr<const AnalysisContext> context, const AnalyzerConfig& config,
                               AnalysisSink& sink)
    : ctx_(std::move(context)),
      config_(config),
      sink_(sink),
      resampler_(config.input_rate),
      webrtc_(ctx_->webrtc_aggressiveness),
      pitch_(ctx_->pitch),
      speech_(ctx_->speech),
      syllable_band_(ctx_->syllables.band_low_hz, ctx_->syllables.band_high_hz, kAnalysisRate),
      syllables_(ctx_->syllables),
      nudges_(thresholds_for(config.mode)) {
  if (config.interval_ms < 100 || config.interval_ms > 2000) throw std::invalid_argument("interval_ms out of range");
  resampled_.resize(resampler_.max_output(Resampler::kMaxBlock));
  pitch_out_.reserve(64);
}

void StreamAnalyzer::push(std::span<const float> samples) {
  if (finished_) return;
  const std::int64_t rate = config_.input_rate;
  std::size_t offset = 0;
  while (offset < samples.size()) {
    // Interval boundaries in input samples, exact for any rate.
    const std::int64_t boundary = ((intervals_emitted_ + 1) * config_.interval_ms * rate + 999) / 1000;
    const auto take = static_cast<std::size_t>(std::min<std::int64_t>(
        {static_cast<std::int64_t>(samples.size() - offset), boundary - received_,
         static_cast<std::int64_t>(Resampler::kMaxBlock)}));
    const auto block = samples.subspan(offset, take);
    for (float s : block) pending_clipped_ += std::abs(s) >= kClipLevel ? 1 : 0;
    pending_input_ += static_cast<std::int64_t>(take);
    const std::size_t n = resampler_.process(block, resampled_);
    process_block(std::span<const float>(resampled_.data(), n));
    offset += take;
    received_ += static_cast<std::int64_t>(take);
    if (received_ == boundary) emit_metrics();
  }
}

void StreamAnalyzer::process_block(std::span<const float> samples16k) {
  if (!samples16k.empty()) sink_.on_analysis_audio(samples16k);
  // 10 ms framing for the VAD and frame energies.
  for (std::size_t i = 0; i < samples16k.size();) {
    const std::size_t n = std::min(kHop - frame_fill_, samples16k.size() - i);
    std::copy_n(samples16k.begin() + static_cast<std::ptrdiff_t>(i), n, frame_buf_.begin() + static_cast<std::ptrdiff_t>(frame_fill_));
    frame_fill_ += n;
    i += n;
    if (frame_fill_ == kHop) close_raw_frame();
  }
  pitch_out_.clear();
  pitch_.push(samples16k, pitch_out_, this);
  for (const auto& p : pitch_out_) on_pitch_frame(p);
}

bool StreamAnalyzer::known_silent(std::int64_t frame) const {
  // The pitch window of frame k spans the VAD's frames k-2 to k+1; k+1 is not
  // in yet when k is analysed. Two more before keep the voicing of a
  // segment's edges (the speech detector looks for voicing near speech).
  constexpr std::int64_t kBefore = 4;
  if (frame >= raw_frames_ || frame - kBefore + static_cast<std::int64_t>(kRing) <= raw_frames_) return false;
  for (std::int64_t f = std::max<std::int64_t>(0, frame - kBefore); f <= frame; ++f)
    if (raw(f).vad) return false;
  return true;
}

void StreamAnalyzer::close_raw_frame() {
  RawFrame& r = raw(raw_frames_);
  double ms = 0;
  float peak = 0;
  for (std::size_t i = 0; i < frame_fill_; ++i) {
    ms += static_cast<double>(frame_buf_[i]) * frame_buf_[i];
    peak = std::max(peak, std::abs(frame_buf_[i]));
  }
  std::fill(frame_buf_.begin() + static_cast<std::ptrdiff_t>(frame_fill_), frame_buf_.end(), 0.0f);
  r.mean_square = frame_fill_ > 0 ? ms / static_cast<double>(frame_fill_) : 0.0;
  r.band_mean_square = syllable_band_.enabled() ? syllable_band_.mean_square(frame_buf_) : r.mean_square;
  r.peak = peak;
  r.vad = webrtc_.is_speech(frame_buf_);
  r.clip_fraction = pending_input_ > 0 ? static_cast<double>(pending_clipped_) / static_cast<double>(pending_input_) : 0.0;
  report_.add_clipping(pending_clipped_, pending_input_);
  pending_clipped_ = pending_input_ = 0;
  r.f0 = 0;
  ++raw_frames_;
  frame_fill_ = 0;
}

void StreamAnalyzer::on_pitch_frame(const PitchFrame& p) {
  // Pitch decisions trail the raw frames; a frame past the raw ones is padding.
  if (p.index >= raw_frames_) return;
  RawFrame& r = raw(p.index);
  r.f0 = p.f0;
  std::optional<SegmentEvent> event;
  const FrameEvidence ev{p.index, r.vad, p.f0 > 0, static_cast<float>(to_db(r.mean_square))};
  // An event only ever comes with a decision (see SpeechDetector::push).
  if (auto d = speech_.push(ev, event)) on_decision(*d, event);
}

void StreamAnalyzer::on_segment_event(const SegmentEvent& e) {
  if (e.kind == SegmentEvent::Kind::start) {
    if (!first_speech_) first_speech_ = e.t;
    if (e.pause_start) {
      const PauseRecord pause{*e.pause_start, e.t, e.t - *e.pause_start};
      report_.add_pause(pause);
      if (iv_pause_count_ < kMaxIntervalPauses) iv_pauses_[iv_pause_count_++] = pause;
    }
  } else {
    last_speech_ = e.t;
  }
  sink_.on_vad(e.kind == SegmentEvent::Kind::start, e.t);
}

void StreamAnalyzer::on_decision(const SpeechDecision& d, const std::optional<SegmentEvent>& event) {
  if (event) on_segment_event(*event);
  const RawFrame& r = raw(d.index);
  const double db = to_db(r.mean_square);
  decided_ = d.index + 1;

  // Speech time counts from a segment's first to its latest speech frame,
  // so gaps inside a segment count and the hangover tail does not.
  if (d.candidate) {
    const std::int64_t from = d.in_segment && confirmed_speech_upto_ >= speech_.segment_start()
                                  ? confirmed_speech_upto_ + 1 : d.index;
    for (std::int64_t f = from; f <= d.index; ++f) speaking_window_.add(d.index, 1.0);
    confirmed_speech_upto_ = d.index;
    speech_db_window_.add(d.index, db);
    if (r.f0 > 0) pitch_window_.add(d.index, semitones(r.f0));
  }
  clip_window_.add(d.index, r.clip_fraction);

  if (auto nucleus = syllables_.push(SyllableFrame{d.index, r.band_mean_square, r.mean_square, r.f0 > 0, d.candidate}))
    count_nucleus(*nucleus, d.index);
  report_.add_frame(DecidedFrame{d.index, r.mean_square, r.f0, d.candidate});

  iv_ms_sum_ += r.mean_square;
  ++iv_frames_;
  iv_peak_ = std::max(iv_peak_, r.peak);
  iv_speaking_ = iv_speaking_ || d.in_segment;
  if (r.f0 > 0 && d.in_segment && iv_f0_count_ < kMaxIntervalF0) iv_f0_[iv_f0_count_++] = r.f0;

  if ((d.index + 1) % 10 == 0) tick_nudges(d.index);
}

// A syllable nucleus at `frame`, counted in the trailing window as of `window_frame`.
void StreamAnalyzer::count_nucleus(std::int64_t frame, std::int64_t window_frame) {
  pace_.add_nucleus(frame);
  report_.add_syllable();
  syllable_window_.add(window_frame, 1.0);
  sink_.on_syllable(static_cast<double>(frame) * kFrameSeconds);
}

std::optional<double> StreamAnalyzer::trailing_syllables_per_sec() const {
  const std::int64_t frames = speaking_window_.count();
  if (frames < kMinPaceFrames) return std::nullopt;
  return static_cast<double>(syllable_window_.count()) / (static_cast<double>(frames) * kFrameSeconds);
}

std::optional<double> StreamAnalyzer::trailing_wpm() const {
  const auto sps = trailing_syllables_per_sec();
  if (!sps) return std::nullopt;
  return words_per_minute(*sps, pace_.words_per_syllable());
}

std::optional<double> StreamAnalyzer::session_wpm() const {
  const double speaking = speech_.speaking_time();
  if (speaking < static_cast<double>(kMinPaceFrames) * kFrameSeconds) return std::nullopt;
  return words_per_minute(report_.syllables() / speaking, pace_.words_per_syllable());
}

void StreamAnalyzer::note_word(double start, double end, bool hesitation) {
  words_[words_next_] = {start, end, hesitation};
  words_next_ = (words_next_ + 1) % kWordRing;
  words_seen_ = true;
  pace_.add_word(end, !hesitation);
}

std::optional<double> StreamAnalyzer::trailing_fillers_per_min(double t) const {
  if (!words_seen_) return std::nullopt;
  constexpr double kWindow = 45.0, kMinSpeech = 15.0;
  double speech = 0;
  int fillers = 0;
  for (const auto& w : words_) {
    if (w.end < 0 || w.end < t - kWindow || w.start > t) continue;
    speech += w.end - w.start;
    fillers += w.hesitation ? 1 : 0;
  }
  if (speech < kMinSpeech) return std::nullopt;
  return fillers * 60.0 / speech;
}

void StreamAnalyzer::tick_nudges(std::int64_t frame) {
  for (auto* w : {&speaking_window_, &syllable_window_, &pitch_window_}) w->advance_to(frame);
  speech_db_window_.advance_to(frame);
  NudgeInputs in;
  in.t = static_cast<double>(frame + 1) * kFrameSeconds;
  in.speaking = speech_.in_segment() && frame - speech_.last_active() < 30;
  if (speech_db_window_.count() >= kMinLevelFrames) {
    // The mean of dB values understates loud frames; the level is close enough for a cue.
    in.speech_db = speech_db_window_.mean();
  }
  in.clip_ratio = clip_window_.mean().value_or(0.0);
  in.wpm = trailing_wpm();
  if (pitch_window_.count() >= kMinPitchFrames) in.pitch_std_st = pitch_window_.stddev();
  in.silence_s = speech_.silence_since_speech(frame);
  in.fillers_per_min = trailing_fillers_per_min(in.t);
  report_.set_pace_at_second_end(in.wpm);
  if (auto n = nudges_.update(in)) {
    report_.add_nudge(static_cast<int>(n->code));
    if (!iv_nudge_) iv_nudge_ = n->code;
    sink_.on_nudge(*n, in);
  }
}

void StreamAnalyzer::emit_metrics() {
  IntervalMetrics m;
  m.t = received_seconds();
  m.analysed_t = static_cast<double>(decided_) * kFrameSeconds;
  if (iv_frames_ > 0) {
    const double ms = iv_ms_sum_ / iv_frames_;
    m.volume = std::sqrt(ms);
    m.volume_db = to_db(ms);
  }
  m.peak = iv_peak_;
  m.is_speaking = iv_speaking_;
  if (iv_f0_count_ > 0) {
    auto mid = iv_f0_.begin() + static_cast<std::ptrdiff_t>(iv_f0_count_ / 2);
    std::nth_element(iv_f0_.begin(), mid, iv_f0_.begin() + static_cast<std::ptrdiff_t>(iv_f0_count_));
    m.pitch = *mid;
    m.pitch_semitones = semitones(*mid);
  }
  m.syllables_per_sec = trailing_syllables_per_sec();
  if (m.syllables_per_sec) m.wpm = words_per_minute(*m.syllables_per_sec, pace_.words_per_syllable());
  m.session_wpm = session_wpm();
  m.speaking_time = speech_.speaking_time();
  m.pause_count = speech_.pause_count();
  m.pauses = std::span<const PauseRecord>(iv_pauses_.data(), iv_pause_count_);
  m.nudge = iv_nudge_;
  ++intervals_emitted_;
  sink_.on_metrics(m);

  iv_ms_sum_ = 0;
  iv_frames_ = 0;
  iv_peak_ = 0;
  iv_speaking_ = speech_.in_segment();
  iv_f0_count_ = 0;
  iv_pause_count_ = 0;
  iv_nudge_.reset();
}

Assessment StreamAnalyzer::snapshot() const {
  ReportAccumulator copy = report_;
  return copy.finish(config_.mode, false, received_seconds(), speech_.speaking_time(), first_speech_, last_speech_,
                    pace_.words_per_syllable());
}

Assessment StreamAnalyzer::finish(bool completed) {
  if (finished_) throw std::logic_error("finish called twice");
  finished_ = true;
  const std::size_t tail = resampler_.flush(resampled_);
  process_block(std::span<const float>(resampled_.data(), tail));
  if (frame_fill_ > 0) close_raw_frame();
  pitch_out_.clear();
  pitch_.flush(pitch_out_);
  for (const auto& p : pitch_out_) on_pitch_frame(p);
  std::optional<SegmentEvent> event;
  while (auto d = speech_.drain(event)) {
    on_decision(*d, event);
    event.reset();
  }
  if (event) on_segment_event(*event);
  event.reset();
  speech_.close(event);
  if (event) on_segment_event(*event);
  if (auto nucleus = syllables_.flush()) count_nucleus(*nucleus, decided_);
  const std::int64_t last_boundary = (intervals_emitted_ * config_.interval_ms * config_.input_rate + 999) / 1000;
  // A partial last interval gets its metrics; the look-ahead tail of a full
  // one is only in the report (a second message with the same t would confuse).
  if (received_ > last_boundary) emit_metrics();
  return report_.finish(config_.mode, completed, received_seconds(), speech_.speaking_time(), first_speech_,
                        last_speech_, pace_.words_per_syllable());
}

}  // namespace orator::dsp
