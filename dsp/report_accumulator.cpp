#include "dsp/report_accumulator.hpp"

#include <algorithm>
#include <cmath>
#include <type_traits>

#include "dsp/constants.hpp"
#include "dsp/pace_calibration.hpp"

namespace orator::dsp {
namespace {

constexpr double kPitchRefHz = 27.5;  // semitone scale origin (A0)

double semitones(double hz) { return 12.0 * std::log2(hz / kPitchRefHz); }
double to_db(double ms) { return ms > 0 ? 10.0 * std::log10(ms) : kSilenceDb; }

template <std::size_t N>
double hist_percentile(const std::array<std::uint32_t, N>& hist, double q, double origin, double width) {
  std::uint64_t total = 0;
  for (auto c : hist) total += c;
  if (total == 0) return origin;
  const auto target = static_cast<std::uint64_t>(q * static_cast<double>(total - 1));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < N; ++i) {
    seen += hist[i];
    if (seen > target) return origin + (static_cast<double>(i) + 0.5) * width;
  }
  return origin + static_cast<double>(N) * width;
}

// Least-squares slope per minute from running sums.
double slope_per_min(double n, double t, double tt, double y, double ty) {
  const double denom = n * tt - t * t;
  if (n < 2 || denom <= 1e-9) return 0.0;
  return 60.0 * (n * ty - t * y) / denom;
}

std::string trend_name(double slope, double threshold) {
  if (slope > threshold) return "rising";
  if (slope < -threshold) return "falling";
  return "stable";
}

}  // namespace

ReportAccumulator::ReportAccumulator() {
  // Small starts: these grow at most once a second, never per frame.
  pauses_.reserve(8);
  timeline_.reserve(16);
}

void ReportAccumulator::set_spill(ReportSpill* spill) {
  spill_ = spill;
  if (spill_) {
    // A block is spilled as it fills, so this is all either holds while writes succeed.
    timeline_.reserve(kSpillBlock);
    pauses_.reserve(kSpillBlock);
  }
}

void ReportAccumulator::add_frame(const DecidedFrame& f) {
  const std::int64_t second = f.index / 100;
  while (second_ < second) {
    close_second();
    // Here, not in close_second: finish() closes a second too, on copies that must not write.
    if (spill_ && timeline_.size() % kSpillBlock == 0) spill_block(timeline_, timeline_blocks_);
  }

  const double db = to_db(f.mean_square);
  const double t = static_cast<double>(f.index) * kFrameSeconds;
  ++sec_frames_;
  sec_ms_ += f.mean_square;
  const auto db_bin = static_cast<std::size_t>(std::clamp(static_cast<int>(std::lround(db + 120.0)), 0, kDbBins - 1));
  if (f.speech) {
    ++sec_speech_;
    sec_speech_ms_ += f.mean_square;
    ++speech_db_hist_[db_bin];
    const double rms = std::sqrt(f.mean_square);
    vol_n_ += 1; vol_sum_ += rms; vol_sumsq_ += rms * rms; ms_sum_ += f.mean_square;
    db_t_sum_ += t; db_tt_sum_ += t * t; db_y_sum_ += db; db_ty_sum_ += t * db;
    if (f.f0 > 0) {
      const double st = semitones(f.f0);
      pitch_n_ += 1; pitch_sum_ += f.f0; pitch_sumsq_ += static_cast<double>(f.f0) * f.f0;
      st_sum_ += st; st_sumsq_ += st * st;
      st_t_sum_ += t; st_tt_sum_ += t * t; st_ty_sum_ += t * st;
      const int bin = static_cast<int>(std::floor(st * 10.0));
      ++pitch_hist_[static_cast<std::size_t>(std::clamp(bin, 0, kPitchBins - 1))];
      sec_f0_[static_cast<std::size_t>(sec_voiced_++)] = f.f0;
    }
  } else {
    ++other_db_hist_[db_bin];
  }
}

void ReportAccumulator::close_second() {
  // Rounded once, as the report rounds them (so its figures are unchanged).
  const auto in = [](double v, double lo, double hi) { return std::lround(std::clamp(v, lo, hi)); };
  CompactSecond c;
  if (sec_frames_ > 0) {
    c.volume_ddb = static_cast<std::int16_t>(in(10.0 * to_db(sec_ms_ / sec_frames_), -32768, 32767));
    c.speech_percent = static_cast<std::uint8_t>(in(100.0 * sec_speech_ / sec_frames_, 0, 100));
  }
  if (sec_voiced_ > 0) {
    auto mid = sec_f0_.begin() + sec_voiced_ / 2;
    std::nth_element(sec_f0_.begin(), mid, sec_f0_.begin() + sec_voiced_);
    c.pitch_dhz = static_cast<std::uint16_t>(in(10.0 * *mid, 0, kNoValue - 1));
  }
  if (pending_wpm_) c.wpm = static_cast<std::uint16_t>(in(*pending_wpm_, 0, kNoValue - 1));
  if (sec_speech_ >= 50) {
    const double db = to_db(sec_speech_ms_ / sec_speech_);
    speech_seconds_ += 1;
    speech_second_db_sum_ += db;
    speech_second_db_sumsq_ += db * db;
  }
  timeline_.push_back(c);
  ++second_;
  sec_frames_ = sec_speech_ = sec_voiced_ = 0;
  sec_ms_ = sec_speech_ms_ = 0;
}

template <class T>
void ReportAccumulator::spill_block(std::vector<T>& held, std::vector<SpilledBlock>& blocks) {
  static_assert(std::is_trivially_copyable_v<T>);
  const auto bytes = std::as_bytes(std::span(held));
  // A failed write (a full disk) keeps them here; the next full block (the
  // callers try at every multiple of kSpillBlock, not on every frame) tries again with them.
  if (!spill_->write_at(spill_end_, bytes)) return;
  blocks.push_back({spill_end_, static_cast<std::uint32_t>(held.size())});
  spill_end_ += bytes.size();
  held.clear();
}

std::size_t ReportAccumulator::held_in(const std::vector<SpilledBlock>& blocks) {
  std::size_t n = 0;
  for (const SpilledBlock& block : blocks) n += block.count;
  return n;
}

template <class T, class Each>
void ReportAccumulator::read_back(const std::vector<SpilledBlock>& blocks, Each&& each) const {
  std::array<T, kSpillBlock> buffer;
  for (const SpilledBlock& block : blocks) {
    // A block outgrows kSpillBlock after failed writes: read it in pieces.
    for (std::uint32_t first = 0; first < block.count; first += static_cast<std::uint32_t>(buffer.size())) {
      const std::size_t n = std::min<std::size_t>(block.count - first, buffer.size());
      const std::span<T> part(buffer.data(), n);
      const bool read = spill_->read_at(block.offset + std::uint64_t{first} * sizeof(T), std::as_writable_bytes(part));
      each(part, read);
    }
  }
}

void ReportAccumulator::add_pause(const PauseRecord& pause) {
  const auto frame = [](double t) { return static_cast<std::uint32_t>(std::lround(std::max(0.0, t) / kFrameSeconds)); };
  pauses_.push_back({frame(pause.start), frame(pause.end)});
  if (spill_ && pauses_.size() % kSpillBlock == 0) spill_block(pauses_, pause_blocks_);
}

Assessment ReportAccumulator::finish(Mode mode, bool completed, double duration, double speaking_time,
                                     std::optional<double> first_speech, std::optional<double> last_speech,
                                     double words_per_syllable) {
  if (sec_frames_ > 0) close_second();
  Assessment a;
  a.mode = mode;
  a.completed = completed;
  a.duration = duration;
  a.speaking_time = speaking_time;
  a.syllable_count = syllables_;
  if (speaking_time >= 1.0) {
    a.syllables_per_sec = syllables_ / speaking_time;
    a.wpm = words_per_minute(*a.syllables_per_sec, words_per_syllable);
  }
  if (pitch_n_ >= 10) {
    SummaryStat s;
    s.mean = pitch_sum_ / pitch_n_;
    s.std = std::sqrt(std::max(0.0, pitch_sumsq_ / pitch_n_ - s.mean * s.mean));
    // Robust extremes: 2nd and 98th percentiles, so a stray octave error does not set them.
    s.min = kPitchRefHz * std::exp2(hist_percentile(pitch_hist_, 0.02, 0, 0.1) / 12.0);
    s.max = kPitchRefHz * std::exp2(hist_percentile(pitch_hist_, 0.98, 0, 0.1) / 12.0);
    const double st_slope = slope_per_min(pitch_n_, st_t_sum_, st_tt_sum_, st_sum_, st_ty_sum_);
    s.trend = trend_name(st_slope, 0.5);  // semitones per minute
    s.slope_per_min = st_slope * s.mean * std::log(2.0) / 12.0;  // in Hz per minute, near the mean
    a.pitch = s;
    const double m = st_sum_ / pitch_n_;
    a.pitch_std_semitones = std::sqrt(std::max(0.0, st_sumsq_ / pitch_n_ - m * m));
  }
  if (vol_n_ >= 10) {
    SummaryStat s;
    s.mean = vol_sum_ / vol_n_;
    s.std = std::sqrt(std::max(0.0, vol_sumsq_ / vol_n_ - s.mean * s.mean));
    s.min = std::pow(10.0, hist_percentile(speech_db_hist_, 0.05, -120.5, 1.0) / 20.0);
    s.max = std::pow(10.0, hist_percentile(speech_db_hist_, 0.95, -120.5, 1.0) / 20.0);
    const double db_slope = slope_per_min(vol_n_, db_t_sum_, db_tt_sum_, db_y_sum_, db_ty_sum_);
    s.trend = trend_name(db_slope, 1.0);  // dB per minute
    s.slope_per_min = db_slope;
    a.volume = s;
    a.volume_mean_db = to_db(ms_sum_ / vol_n_);
    if (speech_seconds_ >= 2) {
      const double n = speech_seconds_, mean = speech_second_db_sum_ / n;
      a.volume_std_db = std::sqrt(std::max(0.0, speech_second_db_sumsq_ / n - mean * mean));
    }
    std::uint64_t other = 0;
    for (auto c : other_db_hist_) other += c;
    if (other >= 20) {
      a.noise_floor_db = hist_percentile(other_db_hist_, 0.10, -120.5, 1.0);
      a.snr_db = *a.volume_mean_db - *a.noise_floor_db;
    }
  }
  a.clipping_ratio = samples_ > 0 ? static_cast<double>(clipped_) / static_cast<double>(samples_) : 0.0;
  a.pauses.reserve(held_in(pause_blocks_) + pauses_.size());
  const auto add_pauses = [&a](std::span<const CompactPause> pauses) {
    for (const auto& c : pauses) {
      // As the analyser computed them: frame index times the frame length.
      const double start = static_cast<double>(c.start_frame) * kFrameSeconds, end = static_cast<double>(c.end_frame) * kFrameSeconds;
      a.pauses.push_back({start, end, end - start});
    }
  };
  // Pauses that cannot be read back (an I/O error) are left out: the rest
  // are still true, where made-up ones would not be.
  read_back<CompactPause>(pause_blocks_, [&](std::span<const CompactPause> part, bool read) {
    if (read) add_pauses(part);
  });
  add_pauses(pauses_);
  double pause_total = 0;
  for (const auto& p : a.pauses) {
    pause_total += p.duration;
    a.longest_pause = std::max(a.longest_pause, p.duration);
  }
  if (first_speech && last_speech && *last_speech > *first_speech)
    a.pause_ratio = pause_total / (*last_speech - *first_speech);
  a.nudges = nudges_;
  a.timeline.reserve(held_in(timeline_blocks_) + timeline_.size());
  const auto add_point = [&a](const CompactSecond& c) {
    TimelinePoint& p = a.timeline.emplace_back();
    p.t = static_cast<double>(a.timeline.size() - 1);
    p.volume_db = c.volume_ddb / 10.0;
    if (c.pitch_dhz != kNoValue) p.pitch = c.pitch_dhz / 10.0;
    p.speech_ratio = c.speech_percent / 100.0;
    if (c.wpm != kNoValue) p.wpm = c.wpm;
  };
  // Seconds that cannot be read back are left empty rather than shifting the
  // rest of the timeline.
  read_back<CompactSecond>(timeline_blocks_, [&](std::span<CompactSecond> part, bool read) {
    if (!read) std::fill(part.begin(), part.end(), CompactSecond{});
    for (const auto& c : part) add_point(c);
  });
  for (const auto& c : timeline_) add_point(c);
  score_assessment(a);
  return a;
}

}  // namespace orator::dsp
