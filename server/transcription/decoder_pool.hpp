#pragma once
// A bounded pool of speech decoders (--asr-threads), off the event loop.
// Each slot is one thread, at lower scheduling priority than the event loops
// (so live DSP keeps its latency while recognisers are busy), owning one
// StreamRecognizer that it loads the first time it is needed. A slot is
// leased whole: to one live stream, or to one background job, at a time.
// Work for a slot runs on its thread in submission order. When a lease ends
// the slot loads a fresh decoder for the next holder (after the last one's
// work), so a stream's words never depend on the streams before it: a
// reused decoder's adapted state cost about a WER point (docs/performance.md).
//
// Thread-safe. Leases are used from one thread at a time.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "speech/recognizer.hpp"

namespace orator::server::transcription {

class DecoderPool;

// Exclusive use of one slot until destroyed.
class DecoderLease {
 public:
  ~DecoderLease();
  DecoderLease(const DecoderLease&) = delete;
  DecoderLease& operator=(const DecoderLease&) = delete;

  using Task = std::function<void(speech::StreamRecognizer*)>;  // nullptr: the decoder could not be loaded
  // Runs `task` on the slot's thread. False when the slot's queue is full
  // (the caller decides what to drop) or the pool is stopping.
  [[nodiscard]] bool post(Task task);
  [[nodiscard]] std::size_t queued() const;

 private:
  friend class DecoderPool;
  DecoderLease(DecoderPool& pool, std::size_t slot) : pool_(pool), slot_(slot) {}
  DecoderPool& pool_;
  std::size_t slot_;
};

class DecoderPool {
 public:
  DecoderPool(std::shared_ptr<const speech::RecognizerModels> models, std::size_t slots, std::size_t max_queued_tasks = 1024);
  ~DecoderPool();  // finishes queued work, then joins
  DecoderPool(const DecoderPool&) = delete;
  DecoderPool& operator=(const DecoderPool&) = delete;

  // A free slot now, or nullptr when every slot is leased.
  [[nodiscard]] std::unique_ptr<DecoderLease> try_acquire();
  // Waits up to `timeout` for a free slot.
  [[nodiscard]] std::unique_ptr<DecoderLease> acquire_for(std::chrono::milliseconds timeout);
  [[nodiscard]] std::size_t size() const { return slots_.size(); }
  [[nodiscard]] std::size_t leased() const;
  [[nodiscard]] const speech::RecognizerModels& models() const { return *models_; }

 private:
  friend class DecoderLease;
  struct Slot {
    std::deque<DecoderLease::Task> tasks;
    bool leased = false;
    bool used = false;  // this lease posted work: the next holder needs a fresh decoder
    std::unique_ptr<speech::StreamRecognizer> decoder;
    bool load_failed = false;
    std::thread thread;
  };
  void run(std::size_t slot);
  void release(std::size_t slot);

  std::shared_ptr<const speech::RecognizerModels> models_;
  std::size_t max_queued_;
  mutable std::mutex mutex_;
  std::condition_variable work_, freed_;
  std::vector<Slot> slots_;
  bool stopping_ = false;
};

// Recognises a whole recording (16 kHz mono) on the lease's slot, from a
// fresh decoder state: its final words, or nullopt when the decoder could not
// be loaded. An invalid future when the slot's queue is full or the pool stops.
[[nodiscard]] std::future<std::optional<std::vector<speech::Word>>> recognise_recording(DecoderLease& lease,
                                                                                      std::vector<float> samples16k);

}  // namespace orator::server::transcription
