#pragma once
// Durable background transcription: sessions whose transcript could not be
// made live (every decoder busy, an upload, POST /transcribe) have their
// audio kept and a job row queued. One runner thread per instance claims
// jobs from the shared database (several instances on one PostgreSQL share
// the queue), borrows a decoder slot, transcribes the kept audio, stores the
// transcript, joins its fluency to the stored report and announces
// transcript_ready. A job whose process died is retried (--asr-job-attempts),
// then failed with a reason. With a provider configured (an OpenAI-compatible
// endpoint) jobs go to it instead of a local decoder. Thread-safe.
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "server/config.hpp"
#include "server/sessions/session_events.hpp"
#include "server/transcription/decoder_pool.hpp"
#include "server/transcription/openai_transcriber.hpp"
#include "storage/store.hpp"

namespace orator::server::transcription {

class TranscriptionJobs {
 public:
  // `decoders` may be null when `provider` is set.
  TranscriptionJobs(storage::Store& store, DecoderPool* decoders, std::optional<ProviderConfig> provider,
                    const sessions::SessionEvents& events, const ServerConfig& config);
  ~TranscriptionJobs();  // stops after the job in hand
  TranscriptionJobs(const TranscriptionJobs&) = delete;
  TranscriptionJobs& operator=(const TranscriptionJobs&) = delete;

  // A job was queued by this instance: look now rather than at the next poll.
  void wake();
  // Why the job worker looks stuck (no poll and no job heartbeat for a
  // minute), or nullopt when it is alive. Thread-safe.
  [[nodiscard]] std::optional<std::string> stalled() const;

 private:
  void run();
  void process(const storage::Job& job, DecoderLease* lease);
  // The words of `wav`, from the provider or the leased decoder; nullopt with `error`.
  std::optional<std::vector<speech::Word>> recognise(const storage::Job& job, const std::string& wav, DecoderLease* lease,
                                                     std::string& error);

  storage::Store& store_;
  DecoderPool* decoders_;
  std::optional<ProviderConfig> provider_;
  const sessions::SessionEvents& events_;
  const ServerConfig& config_;
  std::string worker_id_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool woken_ = false;
  std::atomic<bool> stopping_{false};
  std::atomic<std::int64_t> alive_at_ms_;  // the worker's last poll or job heartbeat
  std::thread thread_;
};

}  // namespace orator::server::transcription
