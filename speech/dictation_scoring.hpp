#pragma once
// Dictation scoring: a typed attempt against the item's text, by word error
// rate over normalised words. Normalisation (docs/dictation.md has examples):
//   - Unicode NFC, then full case folding ("Straße" = "STRASSE");
//   - words are what ICU's word-break rules for the text's locale call words
//     (letters, numbers, marks): punctuation, quotes and symbols are dropped,
//     hyphens and dashes separate words ("well-known" = "well known");
//   - apostrophes inside a word are dropped ("don't" = "dont", ’ = ');
//   - with ignore_accents, letters lose their combining marks ("hyvää" =
//     "hyvaa", "canción" = "cancion").
// Languages written without spaces (Chinese, Japanese, Thai) are split by
// ICU's dictionary-based word breaker, so they score by its words.
// Pure functions; thread-safe.
#include <string>
#include <string_view>
#include <vector>

namespace orator::speech {

struct DictationOptions {
  bool ignore_accents = false;
  std::string locale = "en";  // BCP-47; picks the word-break rules
};

// One word as written (display) and as compared (key).
struct DictationWord {
  std::string display, key;
};

// NFC and full case folding: how tags, search terms and texts compare.
[[nodiscard]] std::string fold_case(std::string_view text);
// Unicode code points in UTF-8 text (what "characters" means in limits).
[[nodiscard]] std::size_t code_points(std::string_view text);

[[nodiscard]] std::vector<DictationWord> dictation_words(std::string_view text, const DictationOptions& options);

enum class WordMark { correct, substituted, deleted, inserted };
[[nodiscard]] std::string_view word_mark_name(WordMark mark);

struct AlignedWord {
  WordMark mark = WordMark::correct;
  int ref = -1, typed = -1;  // indices into the reference and typed words; -1 where absent
};

struct DictationScore {
  std::vector<DictationWord> reference, typed;
  std::vector<AlignedWord> alignment;  // in reading order
  int words_ref = 0, words_correct = 0, substitutions = 0, deletions = 0, insertions = 0;
  double wer = 0;         // (S + D + I) / N; 0 when both are empty, 1 per word when the reference is empty
  double percentage = 0;  // 100 × (1 − WER), floored at 0
};

[[nodiscard]] DictationScore score_dictation(std::string_view reference, std::string_view typed,
                                             const DictationOptions& options);

}  // namespace orator::speech
