#include "server/transcription/live_transcription.hpp"

namespace orator::server::transcription {
namespace {
constexpr std::size_t kBatchSamples = 1600;  // 100 ms at 16 kHz
}

struct LiveTranscription::Shared {
  UpdateHandler on_update;
  std::vector<speech::Word> words;  // every final word so far
  bool started = false;
  bool failed = false;

  void deliver(speech::StreamRecognizer& rec) {
    auto update = rec.take_update();
    if (update.finals.empty() && !update.partial_changed) return;
    words.insert(words.end(), update.finals.begin(), update.finals.end());
    on_update(std::move(update));
  }
  // The decoder is shared by every lease of its slot: start this stream at 0.
  bool begin(speech::StreamRecognizer* rec) {
    if (!rec) failed = true;
    if (!started && rec) rec->reset();
    started = true;
    return !failed;
  }
};

LiveTranscription::LiveTranscription(std::unique_ptr<DecoderLease> lease, UpdateHandler on_update, double max_backlog_seconds)
    : lease_(std::move(lease)), shared_(std::make_shared<Shared>()),
      max_backlog_tasks_(static_cast<std::size_t>(max_backlog_seconds * 10.0)) {
  shared_->on_update = std::move(on_update);
  batch_.reserve(kBatchSamples);
}

bool LiveTranscription::push(std::span<const float> samples) {
  if (overloaded_) return false;
  while (!samples.empty()) {
    const std::size_t n = std::min(samples.size(), kBatchSamples - batch_.size());
    batch_.insert(batch_.end(), samples.begin(), samples.begin() + static_cast<std::ptrdiff_t>(n));
    samples = samples.subspan(n);
    if (batch_.size() == kBatchSamples) flush();
  }
  return !overloaded_;
}

void LiveTranscription::flush() {
  if (batch_.empty() || overloaded_) return;
  if (lease_->queued() >= max_backlog_tasks_) {
    overloaded_ = true;
    return;
  }
  auto audio = std::make_shared<std::vector<float>>(std::move(batch_));
  batch_.clear();
  batch_.reserve(kBatchSamples);
  const bool queued = lease_->post([shared = shared_, audio](speech::StreamRecognizer* rec) {
    if (!shared->begin(rec)) return;
    rec->push(*audio);
    shared->deliver(*rec);
  });
  if (!queued) overloaded_ = true;
}

double LiveTranscription::backlog_seconds() const {
  return static_cast<double>(lease_->queued() * kBatchSamples + batch_.size()) / 16000.0;
}

void LiveTranscription::finish(DoneHandler done) {
  flush();
  auto task = [shared = shared_, done](speech::StreamRecognizer* rec) {
    if (shared->begin(rec)) {
      rec->finish();
      shared->deliver(*rec);
    }
    done(std::move(shared->words), !shared->failed);
  };
  // The backlog cap keeps the queue far below its bound, so only a stopping
  // pool refuses this: the stream then ends without its words.
  if (!lease_->post(task)) done({}, false);
}

}  // namespace orator::server::transcription
