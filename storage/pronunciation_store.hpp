#pragma once
// Pronunciation assessments and the phone scores behind the learner's
// phoneme statistics. Every query is parameterised and scoped to one user.
// Thread-safe (each call leases its own connection).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "storage/connection_pool.hpp"
#include "storage/store.hpp"

namespace orator::storage {

struct PronunciationAssessmentRecord {
  std::string id, user_id;
  std::optional<std::string> sentence_id;
  std::optional<std::string> session_id;  // the practice session it belongs to
  std::string target_text;
  int overall = 0, accuracy = 0, fluency = 0, completeness = 0;
  std::optional<int> prosody;
  std::int64_t duration_ms = 0;
  std::string result_json;  // the whole assessment as the API answers it
  std::int64_t created_at = 0;
};

// One phone of one assessed word: what the statistics are made from.
struct PhoneScoreRecord {
  std::string phone, word;
  int score = 0;
};

struct PronunciationPage {
  std::vector<PronunciationAssessmentRecord> assessments;
  std::int64_t total = 0;
};

// A phoneme's record for one user, over a time range.
struct PhonemeStat {
  std::string phone;
  std::int64_t attempts = 0;      // phones scored
  double mean_score = 0;
  std::optional<double> recent_mean, earlier_mean;  // the later and the earlier half of the range's scores
  std::vector<std::pair<std::string, int>> weak_words;  // words where it scored lowest, with that score
};

struct PronunciationTotals {
  std::int64_t attempts = 0;
  std::optional<double> mean_overall;
  std::optional<int> best_overall;
  std::int64_t duration_ms = 0;  // of every attempt's recording
};

// A practice session's attempts, summed up.
struct PracticeSummary {
  PronunciationTotals totals;
  std::vector<std::pair<std::string, double>> weak_phonemes;  // phone, mean score: below the bar, worst first
};

class PronunciationStore {
 public:
  explicit PronunciationStore(ConnectionPool& pool) : pool_(pool) {}

  // The assessment and its phones, in one transaction. False, storing
  // nothing, when it names a session that has ended (or is not the user's).
  [[nodiscard]] bool create(const PronunciationAssessmentRecord& assessment, const std::vector<PhoneScoreRecord>& phones);
  [[nodiscard]] std::optional<PronunciationAssessmentRecord> find(const std::string& user_id, const std::string& id);
  // Newest first; `session_id` narrows to one practice session's attempts.
  [[nodiscard]] PronunciationPage list(const std::string& user_id, const std::optional<std::string>& sentence_id,
                                       std::optional<std::int64_t> from, std::optional<std::int64_t> to, int page, int per_page,
                                       const std::optional<std::string>& session_id = std::nullopt);
  // The session's attempts: totals, and its phonemes scored at least
  // `min_attempts` times with a mean below `below`.
  [[nodiscard]] PracticeSummary practice_summary(const std::string& user_id, const std::string& session_id, double below,
                                                 int min_attempts, std::size_t limit);
  // Ends a created practice session with `outcome_of(its summary)`, in one
  // transaction that no attempt can slip into. The status it found (created:
  // ended now); none when the session is not the user's.
  [[nodiscard]] std::optional<SessionStatus> end_practice(const std::string& user_id, const std::string& session_id, double below,
                                                          int min_attempts, std::size_t limit,
                                                          const std::function<SessionOutcome(const PracticeSummary&)>& outcome_of);
  [[nodiscard]] PronunciationTotals totals(const std::string& user_id, std::optional<std::int64_t> from, std::optional<std::int64_t> to);
  [[nodiscard]] std::vector<PhonemeStat> phoneme_stats(const std::string& user_id, std::optional<std::int64_t> from,
                                                       std::optional<std::int64_t> to);
  // Phonemes scored at least `min_attempts` times with a mean below
  // `below`, worst first: what recommendations aim at.
  [[nodiscard]] std::vector<std::string> weak_phonemes(const std::string& user_id, double below, int min_attempts, std::size_t limit);

 private:
  static PracticeSummary summary_on(SqlConnection& c, const std::string& user_id, const std::string& session_id, double below,
                                    int min_attempts, std::size_t limit);
  ConnectionPool& pool_;
};

}  // namespace orator::storage
