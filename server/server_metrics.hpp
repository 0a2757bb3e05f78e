#pragma once
// Counters an operator scrapes at GET /metrics (Prometheus text format 0.0.4),
// kept in memory by the parts that do the work. Every member is lock-free and
// thread-safe; exposition() reads them without stopping anyone.
#include <array>
#include <atomic>
#include <cstdint>
#include <string>

namespace orator::server {

struct ServerContext;

// A fixed-bucket histogram of seconds.
class SecondsHistogram {
 public:
  static constexpr std::array<double, 10> kBounds{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0};
  void observe(double seconds);
  void write(std::string& out, const char* name, const char* help) const;

 private:
  std::array<std::atomic<std::uint64_t>, kBounds.size() + 1> counts_{};  // the last is +Inf
  std::atomic<std::uint64_t> sum_ns_{0};
};

struct ServerMetrics {
  static constexpr std::size_t kCodecs = 3;  // f32, s16, opus (protocol::Codec order)
  static constexpr std::size_t kNudgeCodes = 7;
  std::array<std::atomic<std::int64_t>, kCodecs> streams_active{};  // analysing audio now
  std::atomic<std::uint64_t> frames_in{0}, audio_bytes_in{0}, decode_errors{0};
  std::atomic<std::uint64_t> messages_out{0}, bytes_out{0};
  std::array<std::atomic<std::uint64_t>, kNudgeCodes> nudges{};
  std::atomic<std::uint64_t> rate_limited{0};
  // From the audio frame that completes an interval arriving to its metrics message queued.
  SecondsHistogram metrics_latency;
  // How late a 100 ms timer fires on each event loop: work that blocks a loop shows here.
  SecondsHistogram loop_lag;
};

// The whole exposition: the counters above, connections, streams started,
// decoders in the pool and leased, uptime.
[[nodiscard]] std::string metrics_exposition(const ServerContext& ctx);

}  // namespace orator::server
