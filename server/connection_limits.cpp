#include "server/connection_limits.hpp"

#include <algorithm>
#include <utility>

namespace orator::server {

ConnectionLimits::Slot::Slot(Slot&& other) noexcept
    : owner_(std::exchange(other.owner_, nullptr)), address_(std::move(other.address_)) {}

ConnectionLimits::Slot& ConnectionLimits::Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    release();
    owner_ = std::exchange(other.owner_, nullptr);
    address_ = std::move(other.address_);
  }
  return *this;
}

ConnectionLimits::Slot::~Slot() { release(); }

void ConnectionLimits::Slot::release() {
  if (owner_) std::exchange(owner_, nullptr)->release(address_);
}

void ConnectionLimits::configure(std::size_t total, std::size_t per_address, std::vector<std::string> exempt) {
  std::lock_guard lock(mutex_);
  max_total_ = total;
  max_per_address_ = per_address;
  exempt_ = std::move(exempt);
}

ConnectionLimits::Slot ConnectionLimits::acquire(const std::string& address, Refusal& why) {
  std::lock_guard lock(mutex_);
  if (total_ >= max_total_) {
    why = Refusal::server_full;
    return {};
  }
  const bool exempt = address.empty() || std::find(exempt_.begin(), exempt_.end(), address) != exempt_.end();
  if (max_per_address_ > 0 && !exempt) {
    auto& n = per_address_[address];
    if (n >= max_per_address_) {
      why = Refusal::address_full;
      return {};
    }
    ++n;
  }
  ++total_;
  why = Refusal::none;
  return Slot(this, exempt || max_per_address_ == 0 ? std::string() : address);
}

void ConnectionLimits::release(const std::string& address) {
  std::lock_guard lock(mutex_);
  --total_;
  if (address.empty()) return;
  const auto it = per_address_.find(address);
  if (it != per_address_.end() && --it->second == 0) per_address_.erase(it);
}

std::size_t ConnectionLimits::total() const {
  std::lock_guard lock(mutex_);
  return total_;
}

std::size_t ConnectionLimits::from(const std::string& address) const {
  std::lock_guard lock(mutex_);
  const auto it = per_address_.find(address);
  return it == per_address_.end() ? 0 : it->second;
}

std::uint64_t ThrottledLog::occur(std::chrono::steady_clock::time_point now) {
  std::lock_guard lock(mutex_);
  ++suppressed_;
  if (logged_once_ && now - last_ < interval_) return 0;
  logged_once_ = true;
  last_ = now;
  return std::exchange(suppressed_, 0);
}

}  // namespace orator::server
