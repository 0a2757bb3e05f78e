#pragma once
// Counters an operator scrapes at GET /metrics (Prometheus text format 0.0.4),
// kept in memory by the parts that do the work. Every member is lock-free and
// thread-safe; exposition() reads them without stopping anyone.
#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <utility>

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
  // The database: waits for a pooled connection, how long each lease held
  // one (a query or a transaction), and how long tasks waited for a thread.
  SecondsHistogram db_pool_wait, db_query, db_queue_wait;
  std::atomic<std::uint64_t> db_pool_timeouts{0};
  // Recording uploads whose bodies are arriving on this instance.
  std::atomic<std::int64_t> uploads_receiving{0};
  // The durable queues (all instances'), read from the database every 10 s;
  // `waiting` is -1 until the first reading.
  struct QueueReading {
    std::atomic<std::int64_t> waiting{-1}, running{0}, oldest_waiting_at_ms{0};  // 0: none waiting
  };
  QueueReading transcription_jobs, speech_synthesis;
};

// Holds one unit of a gauge for its life.
class GaugeHold {
 public:
  GaugeHold() = default;
  explicit GaugeHold(std::atomic<std::int64_t>& gauge) : gauge_(&gauge) { gauge_->fetch_add(1, std::memory_order_relaxed); }
  GaugeHold(GaugeHold&& other) noexcept : gauge_(std::exchange(other.gauge_, nullptr)) {}
  GaugeHold& operator=(GaugeHold&& other) noexcept {
    if (this != &other) {
      reset();
      gauge_ = std::exchange(other.gauge_, nullptr);
    }
    return *this;
  }
  ~GaugeHold() { reset(); }
  void reset() {
    if (gauge_) gauge_->fetch_sub(1, std::memory_order_relaxed);
    gauge_ = nullptr;
  }

 private:
  std::atomic<std::int64_t>* gauge_ = nullptr;
};

// The whole exposition: the counters above, connections, streams started,
// decoders in the pool and leased, uptime.
[[nodiscard]] std::string metrics_exposition(const ServerContext& ctx);

}  // namespace orator::server
