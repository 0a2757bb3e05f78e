#pragma once
// Connection slots: a cap on all connections and one per client address, so
// that one address cannot hold every slot. A Slot is taken at accept and
// released when the connection ends (it moves from the HTTP session to the
// stream session on an upgrade). Thread-safe.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace orator::server {

class ConnectionLimits {
 public:
  class Slot {
   public:
    Slot() = default;
    Slot(Slot&& other) noexcept;
    Slot& operator=(Slot&& other) noexcept;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot();
    [[nodiscard]] bool held() const { return owner_ != nullptr; }

   private:
    friend class ConnectionLimits;
    Slot(ConnectionLimits* owner, std::string address) : owner_(owner), address_(std::move(address)) {}
    void release();
    ConnectionLimits* owner_ = nullptr;
    std::string address_;
  };

  enum class Refusal { none, server_full, address_full };

  // `per_address` 0: no per-address cap. Addresses in `exempt` (trusted
  // proxies, which carry many clients) count only toward the total.
  void configure(std::size_t total, std::size_t per_address, std::vector<std::string> exempt);
  // A held slot, or an empty one with `why` set.
  [[nodiscard]] Slot acquire(const std::string& address, Refusal& why);
  [[nodiscard]] std::size_t total() const;
  [[nodiscard]] std::size_t from(const std::string& address) const;

 private:
  void release(const std::string& address);
  mutable std::mutex mutex_;
  std::size_t max_total_ = 0, max_per_address_ = 0;
  std::vector<std::string> exempt_;
  std::size_t total_ = 0;
  std::unordered_map<std::string, std::size_t> per_address_;
};

// A warning that may repeat thousands of times a second (a full server, a
// flood): logged at most once per interval, with how many were folded in.
// Thread-safe.
class ThrottledLog {
 public:
  explicit ThrottledLog(std::chrono::steady_clock::duration interval) : interval_(interval) {}
  // 0: stay quiet. Otherwise log now, reporting this many occurrences
  // (this one and those suppressed since the last report).
  [[nodiscard]] std::uint64_t occur(std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now());

 private:
  std::mutex mutex_;
  std::chrono::steady_clock::duration interval_;
  std::chrono::steady_clock::time_point last_{};
  bool logged_once_ = false;
  std::uint64_t suppressed_ = 0;
};

}  // namespace orator::server
