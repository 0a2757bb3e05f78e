#pragma once
// Word error rate by Levenshtein alignment of normalised words. Pure; thread-safe.
#include <string>
#include <string_view>
#include <vector>

namespace orator::speech {

// Splits text into normalised words (normalise_word), dropping empty ones.
[[nodiscard]] std::vector<std::string> tokenize(std::string_view text);

struct AlignedPair {
  int ref = -1, hyp = -1;  // indices; -1 on the side that has no word (insertion / deletion)
};

struct WerResult {
  int substitutions = 0, deletions = 0, insertions = 0, reference_words = 0;
  std::vector<AlignedPair> alignment;  // in order; matched and substituted pairs have both indices
  [[nodiscard]] double wer() const {
    return reference_words ? static_cast<double>(substitutions + deletions + insertions) / reference_words : 0.0;
  }
  [[nodiscard]] int errors() const { return substitutions + deletions + insertions; }
};

[[nodiscard]] WerResult word_error_rate(const std::vector<std::string>& reference, const std::vector<std::string>& hypothesis);

}  // namespace orator::speech
