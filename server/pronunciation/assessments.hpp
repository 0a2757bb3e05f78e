#pragma once
// Pronunciation assessment in the server, shared by uploads
// (POST /v1/pronunciation/assessments) and streams with a target: a few
// decoders with threads of their own, the result as the API and the stored
// report show it, and the record that is stored.
//
// Thread-safety: AssessorPool is safe from any thread; the JSON and record
// functions are pure.
#include <boost/json/object.hpp>

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "speech/pronunciation.hpp"
#include "storage/pronunciation_store.hpp"
#include "storage/worker_pool.hpp"

namespace orator::server::pronunciation {

// Why an assessment could not be made: "BUSY" (every decoder in use; retry)
// or "PRONUNCIATION_UNAVAILABLE" (no models, or a decoder would not start).
struct AssessorUnavailable : std::runtime_error {
  AssessorUnavailable(std::string code_, const std::string& message) : std::runtime_error(message), code(std::move(code_)) {}
  std::string code;
};

class AssessorPool {
 public:
  static AssessorPool& instance();
  // The models, or null with why in `error`.
  [[nodiscard]] std::shared_ptr<const speech::PronunciationModels> models(std::string* error = nullptr) const;
  // Blocking (waits up to 5 s for a decoder). Throws AssessorUnavailable.
  [[nodiscard]] speech::PronunciationAssessment assess(std::span<const float> samples16k, const speech::Target& target,
                                                       std::span<const speech::Word> transcript = {});
  // The same, without the transcript's part (speech::with_transcript completes it).
  [[nodiscard]] speech::PronunciationAssessment assess_audio(std::span<const float> samples16k, const speech::Target& target,
                                                             speech::Reading reading = speech::Reading::whole);
  // Runs `task` on one of the pool's threads (where assess() may block);
  // false when its bounded queue is full.
  [[nodiscard]] bool submit(std::function<void()> task) { return threads_.submit(std::move(task)); }

 private:
  AssessorPool();
  speech::PronunciationAssessment on_an_assessor(const std::function<speech::PronunciationAssessment(speech::PronunciationAssessor&)>& run);
  static constexpr int kMaxDecoders = 2;
  std::string error_;  // before models_: filled while they load
  std::shared_ptr<const speech::PronunciationModels> models_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::vector<std::unique_ptr<speech::PronunciationAssessor>> idle_;
  int created_ = 0;
  storage::WorkerPool threads_{kMaxDecoders, 32};
};

// The IPA of an ARPAbet phone ("" when unknown).
[[nodiscard]] std::string ipa_of(const std::string& phone);

// {scores: {overall, accuracy, fluency, completeness, prosody}, words, weak_phonemes, feedback}.
[[nodiscard]] boost::json::object result_json(const speech::PronunciationAssessment& a, std::optional<int> prosody, int overall);

// What is stored of one attempt (its id and time filled in), with its phones.
struct StoredAttempt {
  storage::PronunciationAssessmentRecord record;
  std::vector<storage::PhoneScoreRecord> phones;
};
[[nodiscard]] StoredAttempt stored_attempt(const speech::PronunciationAssessment& a, std::optional<int> prosody, double seconds);

}  // namespace orator::server::pronunciation
