#pragma once
// Count/sum/sum-of-squares over a trailing window of fixed-width buckets:
// O(1) per sample, fixed memory, exact to one bucket of the window edge.
// Not thread-safe.
#include <array>
#include <cmath>
#include <cstdint>
#include <optional>

namespace orator::dsp {

template <std::size_t Buckets>
class TrailingStats {
 public:
  // bucket_frames: frames per bucket; the window is Buckets * bucket_frames frames.
  explicit TrailingStats(std::int64_t bucket_frames = 10) : bucket_frames_(bucket_frames) {}

  // Moves the window so it ends at `frame` (frames must not go backwards).
  void advance_to(std::int64_t frame) {
    const std::int64_t bucket = frame / bucket_frames_;
    while (current_ < bucket) {
      ++current_;
      Bucket& b = buckets_[static_cast<std::size_t>(current_ % Buckets)];
      total_.n -= b.n; total_.sum -= b.sum; total_.sumsq -= b.sumsq;
      b = Bucket{};
    }
  }
  void add(std::int64_t frame, double value) {
    advance_to(frame);
    Bucket& b = buckets_[static_cast<std::size_t>(current_ % Buckets)];
    b.n += 1; b.sum += value; b.sumsq += value * value;
    total_.n += 1; total_.sum += value; total_.sumsq += value * value;
  }
  std::int64_t count() const { return total_.n; }
  std::optional<double> mean() const {
    if (total_.n == 0) return std::nullopt;
    return total_.sum / static_cast<double>(total_.n);
  }
  std::optional<double> stddev() const {
    if (total_.n < 2) return std::nullopt;
    const double m = total_.sum / static_cast<double>(total_.n);
    return std::sqrt(std::max(0.0, total_.sumsq / static_cast<double>(total_.n) - m * m));
  }

 private:
  struct Bucket { std::int64_t n = 0; double sum = 0, sumsq = 0; };
  std::int64_t bucket_frames_;
  std::int64_t current_ = 0;
  std::array<Bucket, Buckets> buckets_{};
  Bucket total_{};
};

}  // namespace orator::dsp
