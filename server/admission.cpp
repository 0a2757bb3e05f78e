#include "server/admission.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <thread>

namespace orator::server {
namespace {

// Seconds in a row every signal must stay low before REST is served again.
constexpr int kCalmSecondsToRecover = 3;
// Late loops shed REST after this many seconds in a row, or at once when this many times late.
constexpr int kLateSecondsToShed = 2;
constexpr double kStallFactor = 4;
// Streams per core admitted whatever the CPU says (not past --max-streams, not while overloaded).
constexpr std::size_t kStreamsPerCoreAlways = 4;
// A per-stream cost is learned only from enough streams doing enough work.
constexpr std::size_t kMinStreamsToLearn = 4;
constexpr double kMinBusyToLearn = 0.05;  // cores

}  // namespace

void AdmissionControl::configure(const AdmissionLimits& limits) { limits_ = limits; }

AdmissionControl::AdmissionControl() : cores_(std::max(1u, std::thread::hardware_concurrency())) {}

AdmissionControl::Ticket AdmissionControl::admit_stream() {
  const auto refuse = [this]() -> Ticket {
    refused_streams_.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  };
  if (overloaded_.load(std::memory_order_relaxed)) return refuse();
  const std::size_t now = admitted_.fetch_add(1, std::memory_order_relaxed) + 1;
  const auto give_back = [&] {
    admitted_.fetch_sub(1, std::memory_order_relaxed);
    return refuse();
  };
  if (limits_.max_streams > 0 && now > limits_.max_streams) return give_back();
  // A few streams per core are let in however busy the machine: what keeps
  // it busy may be someone else (a build), and loops that lag still refuse.
  const bool within_floor = now <= kStreamsPerCoreAlways * cores_.load(std::memory_order_relaxed);
  if (!within_floor) {
    const std::size_t learned = capacity_.load(std::memory_order_relaxed);
    if (at_capacity_.load(std::memory_order_relaxed) || (learned > 0 && now > learned)) return give_back();
  }
  // The ticket owns nothing: its deleter gives the place back.
  return Ticket(static_cast<const void*>(this), [this](const void*) { release_ticket(); });
}

void AdmissionControl::release_ticket() { admitted_.fetch_sub(1, std::memory_order_relaxed); }

std::string AdmissionControl::reason() const {
  std::lock_guard lock(mutex_);
  if (!reason_.empty()) return reason_;
  const std::size_t learned = capacity_.load(std::memory_order_relaxed);
  const std::size_t cap = limits_.max_streams > 0 && (learned == 0 || limits_.max_streams < learned) ? limits_.max_streams : learned;
  return "the server is at capacity (" + std::to_string(cap) + " streams)";
}

void AdmissionControl::note_loop_lag(double seconds) {
  const auto ns = static_cast<std::uint64_t>(std::max(0.0, seconds) * 1e9);
  auto seen = noted_lag_ns_.load(std::memory_order_relaxed);
  while (ns > seen && !noted_lag_ns_.compare_exchange_weak(seen, ns, std::memory_order_relaxed)) {
  }
}

void AdmissionControl::update(LoadSample s) {
  std::lock_guard lock(mutex_);
  cores_.store(static_cast<std::size_t>(std::max(1.0, s.cores)), std::memory_order_relaxed);
  s.loop_lag = std::max(s.loop_lag, static_cast<double>(noted_lag_ns_.exchange(0, std::memory_order_relaxed)) / 1e9);
  const std::size_t streams = admitted_.load(std::memory_order_relaxed);

  // What one stream costs: everything the machine does, per stream that was
  // there all second (streams let in during it have not cost their share
  // yet). Conservative when something else shares the machine, and right
  // when the clients run on it too (their cost comes with each stream). Not
  // learned from a second in which streams left: a finishing stream's
  // assessment costs a burst that the ones staying will not.
  // Nor a higher cost from a second in which clients were refused and none
  // let in: their connections, handshakes and refusals cost CPU that no
  // admitted stream does, and learning it would shrink the capacity with
  // every second of a storm of them. (A second that let streams in still
  // teaches the cautious cost their partial second gives.)
  const bool leaving = streams < last_streams_;
  const bool arriving = streams > last_streams_;
  const std::size_t present = std::min(streams, last_streams_);
  last_streams_ = streams;
  const std::uint64_t refused = refused_streams_.load(std::memory_order_relaxed) + refused_requests_.load(std::memory_order_relaxed);
  const bool refusing = refused != last_refused_;
  last_refused_ = refused;
  if (!leaving && present >= kMinStreamsToLearn && s.process_busy > kMinBusyToLearn) {
    const double measured = s.machine_busy / static_cast<double>(present);
    if (cost_per_stream_ == 0) cost_per_stream_ = measured;
    else if (!refusing || arriving || measured < cost_per_stream_) cost_per_stream_ = 0.7 * cost_per_stream_ + 0.3 * measured;
  }
  const double cpu_limit = limits_.max_cpu * s.cores;
  // The whole budget at that cost, not the headroom left now: streams let in
  // this second do not show in this second's CPU yet.
  if (limits_.max_cpu > 0 && cost_per_stream_ > 0)
    capacity_.store(std::max<std::size_t>(1, static_cast<std::size_t>(std::floor(cpu_limit / cost_per_stream_ + 1e-6))),
                    std::memory_order_relaxed);

  const bool cpu_high = limits_.max_cpu > 0 && s.machine_busy > cpu_limit;
  const bool lag_high = limits_.max_loop_lag > 0 && s.loop_lag > limits_.max_loop_lag;
  const bool queue_high = s.queue_fill > limits_.max_queue_fill;
  const bool calm = !lag_high && s.queue_fill < limits_.max_queue_fill / 2;
  // One late second stops new streams; REST is refused only when the loops
  // stay late (or stall outright), since a lone spike hurts no one's request.
  const bool stalled = lag_high && s.loop_lag > kStallFactor * limits_.max_loop_lag;
  late_seconds_ = lag_high ? late_seconds_ + 1 : 0;

  bool overloaded = overloaded_.load(std::memory_order_relaxed);
  if (late_seconds_ >= kLateSecondsToShed || stalled || queue_high) {
    overloaded = true;
    calm_seconds_ = 0;
  } else if (overloaded) {
    calm_seconds_ = calm ? calm_seconds_ + 1 : 0;
    if (calm_seconds_ >= kCalmSecondsToRecover) overloaded = false;
  }
  overloaded_.store(overloaded, std::memory_order_relaxed);
  at_capacity_.store(cpu_high || lag_high || overloaded, std::memory_order_relaxed);

  if (lag_high) reason_ = "the server is overloaded (event loops " + std::to_string(static_cast<int>(s.loop_lag * 1000)) + " ms late)";
  else if (queue_high) reason_ = "the server is overloaded (the database queue is " + fmt::format("{:.2f}", s.queue_fill * 100) + "% full)";
  else if (overloaded) reason_ = "the server is recovering from overload";
  else if (cpu_high) reason_ = "the server is at capacity (CPU " + fmt::format("{:.2f}", s.machine_busy / s.cores * 100) + "% busy)";
  else reason_.clear();
}

LoadSampler::LoadSampler() : last_(now()), cores_(std::max(1u, std::thread::hardware_concurrency())) {}

LoadSampler::Times LoadSampler::now() {
  Times t;
  t.wall = std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  // The machine: the first line of /proc/stat, in clock ticks.
  static const double ticks_per_second = static_cast<double>(std::max(1L, sysconf(_SC_CLK_TCK)));
  if (std::ifstream stat("/proc/stat"); stat) {
    std::string cpu;
    double user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
    stat >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
    if (cpu == "cpu") t.machine_busy = (user + nice + system + irq + softirq + steal) / ticks_per_second;
  }
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) == 0)
    t.process = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  return t;
}

LoadSample LoadSampler::sample() {
  const Times t = now();
  LoadSample s;
  s.cores = cores_;
  const double wall = t.wall - last_.wall;
  if (wall > 0) {
    s.machine_busy = std::clamp((t.machine_busy - last_.machine_busy) / wall, 0.0, cores_);
    s.process_busy = std::clamp((t.process - last_.process) / wall, 0.0, cores_);
  }
  last_ = t;
  return s;
}

}  // namespace orator::server
