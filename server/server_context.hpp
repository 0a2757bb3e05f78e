#pragma once
// State shared by every connection of one server. The registry and counters
// are thread-safe; config and the analysis context are immutable.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "dsp/analyzer.hpp"
#include "server/config.hpp"

namespace orator::server {

class StreamSession;

class SessionRegistry {
 public:
  void add(const std::shared_ptr<StreamSession>& session);
  void remove(const StreamSession* session);
  [[nodiscard]] std::vector<std::shared_ptr<StreamSession>> snapshot() const;
  [[nodiscard]] std::size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::unordered_map<const StreamSession*, std::weak_ptr<StreamSession>> sessions_;
};

struct ServerContext {
  ServerConfig config;
  std::shared_ptr<const dsp::AnalysisContext> analysis;
  SessionRegistry streams;
  std::atomic<std::size_t> connections{0};
  std::atomic<std::uint64_t> streams_started{0};
  std::atomic<bool> stopping{false};
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

// Random identifier in UUID v4 form (session and request ids).
[[nodiscard]] std::string random_id();

}  // namespace orator::server
