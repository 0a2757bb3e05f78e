#pragma once
// Admission control: how many streams this instance can take, learned from
// what it measures (CPU, event-loop lag, the database queue), so that beyond
// capacity new streams are refused and the admitted ones keep their latency.
//
// Two levels. At capacity: no new stream beyond four per core (the CPU is at
// its share, or the streams already admitted would take it there at their
// measured cost, or a loop was late this second). Overloaded: no stream at
// all and REST is refused as well (loops late two seconds running or
// stalled, or the database queue filling), until the signals have stayed
// low for three seconds.
//
// update() is fed once a second by LoadSampler; the rest is called from any
// connection. Thread-safe: a mutex for update(), atomics for the readers.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

namespace orator::server {

struct AdmissionLimits {
  std::size_t max_streams = 0;   // a fixed cap on streams; 0: none
  double max_cpu = 0.85;         // share of the machine's cores busy (everything on it) past which no stream is admitted; 0: off
  double max_loop_lag = 0.025;   // seconds: the worst event-loop lag in a second past which streams and REST are refused; 0: off
  double max_queue_fill = 0.5;   // share of the database queue in use past which REST is refused too
  int retry_after_seconds = 5;   // what refusals tell clients
};

// One second of measurements.
struct LoadSample {
  double machine_busy = 0;       // cores busy on the machine (all processes), 0..cores
  double process_busy = 0;       // cores this process used
  double cores = 1;
  double loop_lag = 0;           // worst lag in the second, seconds
  double queue_fill = 0;         // 0..1
};

class AdmissionControl {
 public:
  AdmissionControl();
  void configure(const AdmissionLimits& limits);
  [[nodiscard]] const AdmissionLimits& limits() const { return limits_; }

  // Held by an admitted stream for its life: admitted streams are counted
  // from the moment they are let in, before their audio costs anything.
  using Ticket = std::shared_ptr<const void>;
  // A ticket, or null: refused (at capacity or overloaded).
  [[nodiscard]] Ticket admit_stream();
  // True while REST should answer 503.
  [[nodiscard]] bool shedding() const { return overloaded_.load(std::memory_order_relaxed); }
  [[nodiscard]] std::size_t admitted() const { return admitted_.load(std::memory_order_relaxed); }
  // The learned stream capacity (0: not learned yet: only the CPU and lag say no).
  [[nodiscard]] std::size_t capacity() const { return capacity_.load(std::memory_order_relaxed); }
  [[nodiscard]] std::uint64_t refused_streams() const { return refused_streams_.load(std::memory_order_relaxed); }
  void count_refused_request() { refused_requests_.fetch_add(1, std::memory_order_relaxed); }
  [[nodiscard]] std::uint64_t refused_requests() const { return refused_requests_.load(std::memory_order_relaxed); }
  // Why the last refusal happened, for the close reason and the log.
  [[nodiscard]] std::string reason() const;

  // Worst lag seen by a loop's probe: kept until the next update.
  void note_loop_lag(double seconds);
  // A second's measurements (the sample's loop_lag is raised to the noted one).
  void update(LoadSample sample);

 private:
  void release_ticket();

  AdmissionLimits limits_;
  std::atomic<std::size_t> admitted_{0};
  std::atomic<std::size_t> capacity_{0};
  std::atomic<std::size_t> cores_;  // from the last sample
  std::atomic<bool> at_capacity_{false}, overloaded_{false};
  std::atomic<std::uint64_t> refused_streams_{0}, refused_requests_{0};
  std::atomic<std::uint64_t> noted_lag_ns_{0};

  mutable std::mutex mutex_;       // below: update() and reason()
  double cost_per_stream_ = 0;     // cores, smoothed; 0 until measured
  std::size_t last_streams_ = 0;   // admitted at the previous update
  std::uint64_t last_refused_ = 0;  // streams and requests refused by the previous update
  int calm_seconds_ = 0;           // consecutive seconds with every signal low
  int late_seconds_ = 0;           // consecutive seconds with a late loop
  std::string reason_;
};

// Samples /proc/stat (the machine), getrusage (this process) and the clock:
// each call to sample() measures the time since the previous one.
// Not thread-safe: one owner (the server's once-a-second timer).
class LoadSampler {
 public:
  LoadSampler();
  [[nodiscard]] LoadSample sample();

 private:
  struct Times {
    double wall = 0, machine_busy = 0, process = 0;
  };
  [[nodiscard]] static Times now();
  Times last_;
  double cores_;
};

}  // namespace orator::server
