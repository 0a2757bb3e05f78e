#pragma once
// One stream's live recognition over a leased decoder slot. push() and
// finish() are called from the stream's strand; the handlers run on the
// slot's thread (post them back to the strand). Audio is batched into
// 100 ms tasks; when the decoder falls more than `max_backlog_seconds`
// behind, push() says so and the stream stops feeding it. Not thread-safe.
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "server/transcription/decoder_pool.hpp"
#include "speech/recognizer.hpp"

namespace orator::server::transcription {

class LiveTranscription {
 public:
  using UpdateHandler = std::function<void(speech::RecognizerUpdate)>;
  // Every final word of the stream, in order; `ok` false when the decoder failed.
  using DoneHandler = std::function<void(std::vector<speech::Word> words, bool ok)>;

  LiveTranscription(std::unique_ptr<DecoderLease> lease, UpdateHandler on_update, double max_backlog_seconds = 20.0);

  // False when the recogniser is too far behind: nothing more will be taken.
  [[nodiscard]] bool push(std::span<const float> samples16k);
  // Decodes what is left; `done` follows every update. Call once.
  void finish(DoneHandler done);
  // Audio queued for the decoder and not yet decoded.
  [[nodiscard]] double backlog_seconds() const;

 private:
  struct Shared;  // lives on the slot's thread between tasks
  void flush();

  std::unique_ptr<DecoderLease> lease_;
  std::shared_ptr<Shared> shared_;
  std::vector<float> batch_;
  std::size_t max_backlog_tasks_;
  bool overloaded_ = false;
};

}  // namespace orator::server::transcription
