#pragma once
// One stream's pronunciation against its target (docs/protocol.md,
// "pronunciation"). The 16 kHz audio is kept from the stream's start (at
// most kMaxSeconds: a sentence of 50 words); at each pause it is assessed on
// the AssessorPool's threads and every target word finished by then is
// reported once and settled: later passes align only the audio after it
// against the words after it. At the end the rest is assessed and the
// whole attempt scored, with the recogniser's words when there are any.
// Results come back through `post` (the stream's strand) and are dropped
// once this object is gone.
//
// Thread-safety: every call on the stream's strand; not thread-safe.
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "speech/pronunciation.hpp"

namespace orator::server::pronunciation {

class LivePronunciation {
 public:
  static constexpr double kMaxSeconds = 30;
  using Post = std::function<void(std::function<void()>)>;
  using WordHandler = std::function<void(const speech::WordAssessment&)>;
  using DoneHandler = std::function<void(std::optional<speech::PronunciationAssessment>)>;

  LivePronunciation(speech::Target target, Post post, WordHandler on_word);
  ~LivePronunciation();
  LivePronunciation(const LivePronunciation&) = delete;
  LivePronunciation& operator=(const LivePronunciation&) = delete;

  // False once kMaxSeconds are kept: the rest of the stream is not assessed.
  bool push(std::span<const float> samples16k);
  // Speech began (the VAD): what the last pass saw is no longer all.
  void on_speech();
  // Speech paused: the words said so far are assessed, unless an assessment
  // is running or less than a second was added since the last one.
  void on_pause();
  // The whole attempt: `done` gets the assessment (nullopt when none could
  // be made: no decoder, or the queue full). Words not reported yet follow
  // through the word handler first. Call once; nothing is reported after.
  // When nothing was said since the last pause's pass began, that pass is
  // completed with the transcript instead of decoding the attempt again.
  void finish(std::vector<speech::Word> transcript, DoneHandler done);

  [[nodiscard]] const speech::Target& target() const { return *target_; }
  [[nodiscard]] double kept_seconds() const;
  // Decodings of the audio begun so far (interim and final passes), and the
  // seconds of audio they were given.
  [[nodiscard]] int decodings() const { return decodings_; }
  [[nodiscard]] double decoded_seconds() const;

 private:
  void assess_async(bool final_pass, std::vector<speech::Word> transcript, DoneHandler done);
  void report(const speech::PronunciationAssessment& a, bool final_pass);
  void complete_from_last_pass();
  void settle(const speech::PronunciationAssessment& pass);

  std::shared_ptr<const speech::Target> target_;
  Post post_;
  WordHandler on_word_;
  std::vector<float> samples_;
  std::vector<bool> reported_;      // per target word
  bool running_ = false;            // an interim assessment is on the pool
  bool finished_ = false;
  std::size_t assessed_samples_ = 0;
  int decodings_ = 0;
  std::size_t decoded_samples_ = 0;
  std::vector<speech::WordAssessment> settled_;  // target words 0.. reported and left out of later passes
  std::size_t settled_samples_ = 0;              // where the audio after them begins
  bool spoken_since_pass_ = true;   // speech began after the last pass started (or there was none)
  std::optional<speech::PronunciationAssessment> last_pass_;  // the last interim pass, audio only
  std::vector<speech::Word> final_transcript_;  // finish() waiting on a running pass: its arguments
  DoneHandler final_done_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // results for a gone object are dropped
};

}  // namespace orator::server::pronunciation
