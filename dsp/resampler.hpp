#pragma once
// Band-limited sample-rate conversion to the analysis rate.
//
// ResamplerTable is the shared, immutable part (Kaiser-windowed sinc polyphase
// coefficients for one input rate); get() caches tables and is thread-safe.
// Resampler is per-stream state (a short history) and is not thread-safe.
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace orator::dsp {

class ResamplerTable {
 public:
  // Input rates 8000..48000 Hz are supported; the output is always kAnalysisRate.
  [[nodiscard]] static std::shared_ptr<const ResamplerTable> get(int input_rate);

  int input_rate() const { return input_rate_; }
  int up() const { return up_; }            // L: output samples per `down` inputs
  int down() const { return down_; }        // M
  int taps() const { return taps_; }        // coefficients per phase (even)
  int phases() const { return phases_; }    // stored phases (<= up)
  const float* phase(int p) const { return coeffs_.data() + static_cast<std::size_t>(p) * taps_; }

  ResamplerTable(int input_rate, int up, int down);  // public for make_shared; use get()

 private:
  int input_rate_, up_, down_, taps_ = 0, phases_ = 0;
  std::vector<float> coeffs_;
};

class Resampler {
 public:
  // Largest input block process() accepts; callers chunk bigger buffers.
  static constexpr std::size_t kMaxBlock = 512;

  explicit Resampler(int input_rate);

  // Worst-case output count for an input block of n samples.
  [[nodiscard]] std::size_t max_output(std::size_t n) const;
  // Consumes in (at most kMaxBlock samples), writes resampled samples to out
  // (which must hold max_output(in.size())), returns how many were written.
  [[nodiscard]] std::size_t process(std::span<const float> in, std::span<float> out);
  // Output samples the filter still holds back (emitted by flush()).
  [[nodiscard]] std::size_t flush(std::span<float> out);

  int input_rate() const { return table_ ? table_->input_rate() : 0; }
  bool passthrough() const { return table_ == nullptr; }

 private:
  std::shared_ptr<const ResamplerTable> table_;  // null when the rate already matches
  std::vector<float> history_;  // input samples from index base_ - taps/2 + 1 on
  std::int64_t history_start_ = 0;  // absolute input index of history_[0]
  std::int64_t consumed_ = 0;       // absolute input samples received
  std::int64_t next_out_ = 0;       // absolute index of the next output sample
};

}  // namespace orator::dsp
