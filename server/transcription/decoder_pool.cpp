#include "server/transcription/decoder_pool.hpp"

#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace orator::server::transcription {

DecoderLease::~DecoderLease() { pool_.release(slot_); }

bool DecoderLease::post(Task task) {
  {
    std::lock_guard lock(pool_.mutex_);
    auto& slot = pool_.slots_[slot_];
    if (pool_.stopping_ || slot.tasks.size() >= pool_.max_queued_) return false;
    slot.tasks.push_back(std::move(task));
    slot.used = true;
  }
  pool_.work_.notify_all();
  return true;
}

std::size_t DecoderLease::queued() const {
  std::lock_guard lock(pool_.mutex_);
  return pool_.slots_[slot_].tasks.size();
}

DecoderPool::DecoderPool(std::shared_ptr<const speech::RecognizerModels> models, std::size_t slots, std::size_t max_queued_tasks)
    : models_(std::move(models)), max_queued_(max_queued_tasks), slots_(slots) {
  for (std::size_t i = 0; i < slots_.size(); ++i) slots_[i].thread = std::thread([this, i] { run(i); });
}

DecoderPool::~DecoderPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_.notify_all();
  freed_.notify_all();
  for (auto& s : slots_) s.thread.join();
}

std::unique_ptr<DecoderLease> DecoderPool::try_acquire() {
  std::lock_guard lock(mutex_);
  if (stopping_) return nullptr;
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    if (!slots_[i].leased && !slots_[i].load_failed) {
      slots_[i].leased = true;
      return std::unique_ptr<DecoderLease>(new DecoderLease(*this, i));
    }
  }
  return nullptr;
}

std::unique_ptr<DecoderLease> DecoderPool::acquire_for(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  std::unique_ptr<DecoderLease> lease;
  freed_.wait_for(lock, timeout, [&] {
    if (stopping_) return true;
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      if (!slots_[i].leased && !slots_[i].load_failed) {
        slots_[i].leased = true;
        lease.reset(new DecoderLease(*this, i));
        return true;
      }
    }
    return false;
  });
  return lease;
}

std::size_t DecoderPool::leased() const {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (const auto& s : slots_) n += s.leased ? 1 : 0;
  return n;
}

void DecoderPool::release(std::size_t slot) {
  {
    std::lock_guard lock(mutex_);
    // Queued work still runs (the slot thread drains it) before the next
    // holder's: tasks are ordered per slot. Then, if this lease used the
    // decoder, a fresh one: the empty task below, which the next holder's
    // work queues behind. A lease that posted nothing (the job poller
    // finding no job) leaves the decoder as it was: reloading it on every
    // poll burned a core and fragmented the heap by ~30 MB a second.
    auto& s = slots_[slot];
    s.leased = false;
    if (s.used && !stopping_) s.tasks.push_back(nullptr);
    s.used = false;
  }
  work_.notify_all();
  freed_.notify_all();
}

void DecoderPool::run(std::size_t index) {
  // Below the event loops: recognition may fall behind, live metrics must not.
  setpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)), 10);
  Slot& slot = slots_[index];
  for (;;) {
    DecoderLease::Task task;
    {
      std::unique_lock lock(mutex_);
      work_.wait(lock, [&] { return stopping_ || !slot.tasks.empty(); });
      if (slot.tasks.empty()) return;  // stopping, nothing left
      task = std::move(slot.tasks.front());
      slot.tasks.pop_front();
    }
    if (!task) slot.decoder.reset();  // the lease ended: the next holder gets a fresh decoder, loaded now
    if (!slot.decoder && !slot.load_failed) {
      try {
        slot.decoder = std::make_unique<speech::StreamRecognizer>(models_);
      } catch (const std::exception& e) {
        spdlog::error("speech decoder {} could not be loaded: {}", index, e.what());
        std::lock_guard lock(mutex_);
        slot.load_failed = true;
      }
    }
    if (!task) continue;
    try {
      task(slot.decoder.get());
    } catch (const std::exception& e) {
      spdlog::error("speech decoder {}: {}", index, e.what());
    }
  }
}

std::future<std::optional<std::vector<speech::Word>>> recognise_recording(DecoderLease& lease, std::vector<float> samples16k) {
  auto words = std::make_shared<std::promise<std::optional<std::vector<speech::Word>>>>();
  auto result = words->get_future();
  const bool queued = lease.post([samples = std::move(samples16k), words](speech::StreamRecognizer* rec) {
    if (!rec) return words->set_value(std::nullopt);
    rec->reset();
    rec->push(samples);
    rec->finish();
    words->set_value(std::move(rec->take_update().finals));
  });
  if (!queued) return {};
  return result;
}

}  // namespace orator::server::transcription
