#include "dsp/pitch_tracker.hpp"

#include <fftw3.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <limits>
#include <mutex>
#include <stdexcept>

#include "dsp/constants.hpp"

namespace orator::dsp {
namespace {

std::mutex& fftw_planner_mutex() {
  static std::mutex m;
  return m;
}

// Scratch reused by every tracker on a thread: nothing here outlives a frame.
struct Scratch {
  int n = 0;
  float* seg = nullptr;   // segment, zero-padded to n
  float* win = nullptr;   // first `window` samples, zero-padded to n
  fftwf_complex* seg_spec = nullptr;
  fftwf_complex* win_spec = nullptr;
  float* corr = nullptr;
  std::vector<double> diff, cmndf;

  void ensure(int fft_size, int tau_max) {
    if (n == fft_size) return;
    release();
    n = fft_size;
    seg = fftwf_alloc_real(static_cast<std::size_t>(n));
    win = fftwf_alloc_real(static_cast<std::size_t>(n));
    corr = fftwf_alloc_real(static_cast<std::size_t>(n));
    seg_spec = fftwf_alloc_complex(static_cast<std::size_t>(n / 2 + 1));
    win_spec = fftwf_alloc_complex(static_cast<std::size_t>(n / 2 + 1));
    diff.assign(static_cast<std::size_t>(tau_max + 2), 0.0);
    cmndf.assign(static_cast<std::size_t>(tau_max + 2), 1.0);
  }
  void release() {
    fftwf_free(seg); fftwf_free(win); fftwf_free(corr);
    fftwf_free(seg_spec); fftwf_free(win_spec);
    seg = win = corr = nullptr; seg_spec = win_spec = nullptr;
  }
  ~Scratch() { release(); }
};

Scratch& scratch() {
  thread_local Scratch s;
  return s;
}

// Energy of the integration window (the first `window` samples of a segment).
double window_energy(const float* segment, int window) {
  double energy = 0.0;
  for (int j = 0; j < window; ++j) energy += static_cast<double>(segment[j]) * segment[j];
  return energy;
}

float energy_db(double energy, int window) {
  return energy > 0 ? static_cast<float>(10.0 * std::log10(energy / window)) : kSilenceDb;
}

}  // namespace

struct PitchContext::Plans {
  fftwf_plan forward = nullptr;
  fftwf_plan inverse = nullptr;
};

PitchContext::PitchContext(const PitchConfig& config) : config_(config), plans_(std::make_unique<Plans>()) {
  if (config.min_f0 <= 0 || config.max_f0 <= config.min_f0 || config.window < 64 ||
      config.viterbi_lag < 1 || config.viterbi_lag > 15 || config.centre_compensation < 0)
    throw std::invalid_argument("invalid pitch configuration");
  tau_min_ = static_cast<int>(std::floor(kAnalysisRate / config.max_f0));
  tau_max_ = static_cast<int>(std::ceil(kAnalysisRate / config.min_f0));
  fft_size_ = 1;
  while (fft_size_ < config.window + tau_max_ + 2) fft_size_ *= 2;

  std::lock_guard lock(fftw_planner_mutex());
  float* real = fftwf_alloc_real(static_cast<std::size_t>(fft_size_));
  fftwf_complex* spec = fftwf_alloc_complex(static_cast<std::size_t>(fft_size_ / 2 + 1));
  plans_->forward = fftwf_plan_dft_r2c_1d(fft_size_, real, spec, FFTW_MEASURE);
  plans_->inverse = fftwf_plan_dft_c2r_1d(fft_size_, spec, real, FFTW_MEASURE);
  fftwf_free(real);
  fftwf_free(spec);
  if (!plans_->forward || !plans_->inverse) throw std::runtime_error("FFTW planning failed");
}

PitchContext::~PitchContext() {
  std::lock_guard lock(fftw_planner_mutex());
  fftwf_destroy_plan(plans_->forward);
  fftwf_destroy_plan(plans_->inverse);
}

std::shared_ptr<const PitchContext> PitchContext::create(const PitchConfig& config) {
  return std::make_shared<const PitchContext>(config);
}

PitchTracker::PitchTracker(std::shared_ptr<const PitchContext> context) : ctx_(std::move(context)) {
  if (ctx_->config().viterbi_lag >= kMaxLag) throw std::invalid_argument("viterbi lag too long");
  buffer_.reserve(static_cast<std::size_t>(ctx_->segment()) + 1024);
  // Frame 0 is centred on sample 0: its lead-in before the stream is silence.
  buffer_.assign(static_cast<std::size_t>(ctx_->window_lead()), 0.0f);
  buffer_start_ = -ctx_->window_lead();
}

void PitchTracker::analyse_frame(const float* segment, Step& step) const {
  const auto& cfg = ctx_->config();
  const int n = ctx_->fft_size(), W = cfg.window, tau_max = ctx_->tau_max(), tau_min = ctx_->tau_min();
  const int seg_len = ctx_->segment();
  Scratch& s = scratch();
  s.ensure(n, tau_max);

  std::fill(s.seg + seg_len, s.seg + n, 0.0f);
  std::copy(segment, segment + seg_len, s.seg);
  std::copy(segment, segment + W, s.win);
  std::fill(s.win + W, s.win + n, 0.0f);

  const double energy = window_energy(segment, W);
  step.rms_db = energy_db(energy, W);

  // Cross-correlation r(tau) = sum_{j<W} x_j x_{j+tau} by FFT.
  fftwf_execute_dft_r2c(ctx_->plans().forward, s.seg, s.seg_spec);
  fftwf_execute_dft_r2c(ctx_->plans().forward, s.win, s.win_spec);
  for (int k = 0; k <= n / 2; ++k) {
    const float ar = s.seg_spec[k][0], ai = s.seg_spec[k][1];
    const float br = s.win_spec[k][0], bi = s.win_spec[k][1];
    s.seg_spec[k][0] = ar * br + ai * bi;  // A * conj(B)
    s.seg_spec[k][1] = ai * br - ar * bi;
  }
  fftwf_execute_dft_c2r(ctx_->plans().inverse, s.seg_spec, s.corr);

  // Difference function d(tau) = e(0) + e(tau) - 2 r(tau), e(tau) = sum_{j<W} x_{j+tau}^2.
  double e_tau = energy;
  const double e0 = energy;
  const double inv_n = 1.0 / n;
  s.diff[0] = 0.0;
  s.cmndf[0] = 1.0;
  double running = 0.0;
  for (int tau = 1; tau <= tau_max; ++tau) {
    e_tau += static_cast<double>(segment[tau + W - 1]) * segment[tau + W - 1] -
             static_cast<double>(segment[tau - 1]) * segment[tau - 1];
    const double d = std::max(0.0, e0 + e_tau - 2.0 * s.corr[tau] * inv_n);
    s.diff[static_cast<std::size_t>(tau)] = d;
    running += d;
    s.cmndf[static_cast<std::size_t>(tau)] = running > 0 ? d * tau / running : 1.0;
  }

  // Candidates: the deepest local minima of the CMNDF.
  std::array<float, kCandidates> cand_f0{}, cand_cost{};
  cand_cost.fill(std::numeric_limits<float>::infinity());
  float best = 1.0f;
  for (int tau = std::max(tau_min, 2); tau < tau_max; ++tau) {
    const double c = s.cmndf[static_cast<std::size_t>(tau)];
    if (!(c < s.cmndf[static_cast<std::size_t>(tau - 1)] && c <= s.cmndf[static_cast<std::size_t>(tau + 1)])) continue;
    if (c > 0.8) continue;
    // Parabolic interpolation on the raw difference function for sub-sample period.
    const double a = s.diff[static_cast<std::size_t>(tau - 1)], b = s.diff[static_cast<std::size_t>(tau)],
                 cc = s.diff[static_cast<std::size_t>(tau + 1)];
    const double denom = a - 2 * b + cc;
    double shift = denom > 0 ? 0.5 * (a - cc) / denom : 0.0;
    shift = std::clamp(shift, -0.5, 0.5);
    const double period = tau + shift;
    const float cost = static_cast<float>(c) + cfg.long_period_cost * static_cast<float>(period / tau_max);
    best = std::min(best, static_cast<float>(c));
    // Keep the kCandidates cheapest.
    int worst = 0;
    for (int k = 1; k < kCandidates; ++k)
      if (cand_cost[static_cast<std::size_t>(k)] > cand_cost[static_cast<std::size_t>(worst)]) worst = k;
    if (cost < cand_cost[static_cast<std::size_t>(worst)]) {
      cand_cost[static_cast<std::size_t>(worst)] = cost;
      cand_f0[static_cast<std::size_t>(worst)] = static_cast<float>(kAnalysisRate / period);
    }
  }
  step.aperiodicity = best;
  const bool silent = step.rms_db < cfg.silence_db;
  for (int k = 0; k < kCandidates; ++k) {
    step.f0[static_cast<std::size_t>(k)] = cand_f0[static_cast<std::size_t>(k)];
    step.cost[static_cast<std::size_t>(k)] = cand_cost[static_cast<std::size_t>(k)] + (silent ? 1.0f : 0.0f);
  }
  step.f0[kCandidates] = 0.0f;
  step.cost[kCandidates] = silent ? 0.0f : cfg.unvoiced_cost;
}

// Only the unvoiced state is open: every path passes through it here, so its
// cost does not matter. The energy is still measured (the voicing weight's
// reference level follows every frame).
void PitchTracker::decide_unvoiced(const float* segment, Step& step) const {
  const int W = ctx_->config().window;
  step.rms_db = energy_db(window_energy(segment, W), W);
  step.aperiodicity = 1.0f;
  step.f0.fill(0.0f);
  step.cost.fill(std::numeric_limits<float>::infinity());
  step.cost[kCandidates] = 0.0f;
}

void PitchTracker::push(std::span<const float> samples, std::vector<PitchFrame>& out, const SilenceHint* hint) {
  const int seg_len = ctx_->segment();
  const int half = ctx_->window_lead();
  std::size_t offset = 0;
  while (offset < samples.size()) {
    // Bounded buffer: append at most what keeps it within capacity.
    const std::size_t room = buffer_.capacity() - buffer_.size();
    const std::size_t take = std::min(room, samples.size() - offset);
    buffer_.insert(buffer_.end(), samples.begin() + static_cast<std::ptrdiff_t>(offset),
                   samples.begin() + static_cast<std::ptrdiff_t>(offset + take));
    offset += take;
    received_ += static_cast<std::int64_t>(take);
    for (;;) {
      const std::int64_t start = next_frame_ * static_cast<std::int64_t>(kHop) - half;
      if (start + seg_len > received_) break;
      Step& step = step_at(next_frame_);
      const float* segment = buffer_.data() + (start - buffer_start_);
      if (hint && hint->known_silent(next_frame_)) {
        decide_unvoiced(segment, step);
        ++skipped_;
      } else {
        analyse_frame(segment, step);
      }
      weigh_voicing_by_energy(step);
      advance(out);
    }
    // Drop samples every future frame has passed.
    const std::int64_t keep_from = next_frame_ * static_cast<std::int64_t>(kHop) - half;
    if (keep_from > buffer_start_) {
      buffer_.erase(buffer_.begin(), buffer_.begin() + (keep_from - buffer_start_));
      buffer_start_ = keep_from;
    }
  }
}

void PitchTracker::weigh_voicing_by_energy(Step& step) {
  const auto& cfg = ctx_->config();
  loudest_db_ = std::max(step.rms_db, loudest_db_ - cfg.reference_decay_db_per_s * 0.01f);
  if (step.rms_db < cfg.silence_db) return;
  const float rel = (step.rms_db - loudest_db_ + cfg.energy_span_db) / cfg.energy_span_db;
  step.cost[kCandidates] += cfg.energy_weight * std::clamp(rel, -1.0f, 1.0f);
}

void PitchTracker::advance(std::vector<PitchFrame>& out) {
  const auto& cfg = ctx_->config();
  Step& cur = step_at(next_frame_);
  if (next_frame_ == 0) {
    for (int s = 0; s < kStates; ++s) acc_[static_cast<std::size_t>(s)] = cur.cost[static_cast<std::size_t>(s)];
  } else {
    const Step& prev = step_at(next_frame_ - 1);
    std::array<float, kStates> next{};
    for (int s = 0; s < kStates; ++s) {
      const float f = cur.f0[static_cast<std::size_t>(s)];
      float best = std::numeric_limits<float>::infinity();
      std::uint8_t arg = 0;
      for (int p = 0; p < kStates; ++p) {
        const float pf = prev.f0[static_cast<std::size_t>(p)];
        const float prev_cost = acc_[static_cast<std::size_t>(p)];
        if (!std::isfinite(prev_cost)) continue;
        float trans = 0.0f;
        if ((f > 0) != (pf > 0)) trans = cfg.voicing_switch_cost;
        else if (f > 0) trans = cfg.octave_cost * std::abs(std::log2(f / pf));
        if (prev_cost + trans < best) { best = prev_cost + trans; arg = static_cast<std::uint8_t>(p); }
      }
      next[static_cast<std::size_t>(s)] = best + cur.cost[static_cast<std::size_t>(s)];
      cur.back[static_cast<std::size_t>(s)] = arg;
    }
    acc_ = next;
  }
  ++next_frame_;
  const std::int64_t newest = next_frame_ - 1;
  const std::int64_t target = newest - cfg.viterbi_lag;
  if (target >= decided_) {
    const auto best = std::min_element(acc_.begin(), acc_.end()) - acc_.begin();
    emit_path(target, newest, static_cast<int>(best), out);
  }
}

void PitchTracker::emit_path(std::int64_t from, std::int64_t to, int state_at_to, std::vector<PitchFrame>& out) {
  // Walk back from `to` to `from`, then emit frames decided_..from in order.
  std::array<std::uint8_t, kMaxLag> states{};
  int state = state_at_to;
  for (std::int64_t f = to; f >= decided_; --f) {
    if (f <= from) states[static_cast<std::size_t>(f % kMaxLag)] = static_cast<std::uint8_t>(state);
    if (f > decided_) state = step_at(f).back[static_cast<std::size_t>(state)];
  }
  for (std::int64_t f = decided_; f <= from; ++f) {
    const Step& st = step_at(f);
    const int s = states[static_cast<std::size_t>(f % kMaxLag)];
    out.push_back(PitchFrame{f, st.f0[static_cast<std::size_t>(s)], st.aperiodicity, st.rms_db});
  }
  decided_ = from + 1;
}

void PitchTracker::flush(std::vector<PitchFrame>& out) {
  // Pad with silence until every received sample's frame has been analysed.
  const std::int64_t last_frame = (received_ + static_cast<std::int64_t>(kHop) - 1) / static_cast<std::int64_t>(kHop);
  const std::vector<float> zeros(kHop, 0.0f);
  const std::int64_t real_received = received_;
  while (next_frame_ < last_frame) push(zeros, out);
  received_ = real_received;
  if (next_frame_ > decided_) {
    const auto best = std::min_element(acc_.begin(), acc_.end()) - acc_.begin();
    emit_path(next_frame_ - 1, next_frame_ - 1, static_cast<int>(best), out);
  }
  // Frames centred past the real end of audio are padding, not signal.
  while (!out.empty() && out.back().index >= last_frame) out.pop_back();
}

}  // namespace orator::dsp
