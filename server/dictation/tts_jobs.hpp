#pragma once
// Durable speech synthesis for dictation items: an item is created
// 'pending'; a bounded pool of worker threads (--tts-workers) claims pending
// items from the shared database (several instances share the queue),
// synthesises the normal and the slow rendering unless the user already has
// that audio (same text, locale and voice), stores it and marks the item
// ready, or failed with a reason. Work survives a restart: an item whose
// worker stopped beating is pending again (--tts-job-stale-seconds), up to
// --tts-job-attempts tries. Thread-safe.
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "server/config.hpp"
#include "server/dictation/speech_synthesis.hpp"
#include "storage/dictation_store.hpp"

namespace orator::server::dictation {

class TtsJobs {
 public:
  TtsJobs(storage::DictationStore& store, SpeechSynthesis& synthesis, const ServerConfig& config);
  ~TtsJobs();  // stops after the items in hand
  TtsJobs(const TtsJobs&) = delete;
  TtsJobs& operator=(const TtsJobs&) = delete;

  // An item was queued by this instance: look now rather than at the next poll.
  void wake();
  // Why the workers look stuck (none polled or beat for a minute), or nullopt.
  [[nodiscard]] std::optional<std::string> stalled() const;
  [[nodiscard]] int workers() const { return static_cast<int>(threads_.size()); }

 private:
  void run(std::size_t index);
  void process(const storage::DictationItem& item);

  storage::DictationStore& store_;
  SpeechSynthesis& synthesis_;
  const ServerConfig& config_;
  std::string worker_id_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::size_t wakeups_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<std::int64_t> alive_at_ms_;
  std::vector<std::thread> threads_;
};

}  // namespace orator::server::dictation
