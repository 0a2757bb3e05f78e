// Dictation scoring on a table of tricky pairs: what normalisation forgives
// (case, punctuation, quotes, hyphens, apostrophes, accents on request) and
// what it counts (missing, extra, reordered and misspelt words), in English,
// Finnish and Spanish.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "speech/dictation_scoring.hpp"

namespace orator::speech {
namespace {

struct Case {
  const char* name;
  const char* locale;
  const char* reference;
  const char* typed;
  bool ignore_accents;
  int words_ref, correct, substitutions, deletions, insertions;
};
// So that CTest lists a case by its name, not its bytes.
void PrintTo(const Case& c, std::ostream* out) { *out << c.name; }

const Case kCases[] = {
    {"identical", "en-US", "The cat sat on the mat.", "The cat sat on the mat.", false, 6, 6, 0, 0, 0},
    {"case and punctuation", "en-US", "The cat sat on the mat.", "the CAT sat, on the mat", false, 6, 6, 0, 0, 0},
    {"curly quotes and apostrophes", "en-US", "\u201cDon\u2019t go,\u201d she said.", "\"dont go\" she said", false, 4, 4, 0, 0, 0},
    {"straight apostrophe", "en-US", "It's John's book", "its johns book", false, 3, 3, 0, 0, 0},
    {"hyphen splits words", "en-US", "a well-known fact", "a well known fact", false, 4, 4, 0, 0, 0},
    {"dashes are not words", "en-US", "wait \u2014 really?", "wait really", false, 2, 2, 0, 0, 0},
    {"extra whitespace", "en-US", "one two  three", "  one\ttwo\n three ", false, 3, 3, 0, 0, 0},
    {"empty attempt", "en-US", "one two three", "", false, 3, 0, 0, 3, 0},
    {"extra words", "en-US", "one two three", "one and two and three", false, 3, 3, 0, 0, 2},
    {"missing word", "en-US", "one two three four", "one three four", false, 4, 3, 0, 1, 0},
    {"misspelt word", "en-US", "I received the letter", "I recieved the letter", false, 4, 3, 1, 0, 0},
    {"reordered words", "en-US", "red green blue", "blue green red", false, 3, 1, 2, 0, 0},
    {"numbers", "en-US", "Call 555 at 3.30", "call 555 at 3.30", false, 4, 4, 0, 0, 0},
    {"finnish exact", "fi-FI", "Hyv\u00e4\u00e4 huomenta, mit\u00e4 kuuluu?", "hyv\u00e4\u00e4 huomenta mit\u00e4 kuuluu", false, 4, 4, 0, 0, 0},
    {"finnish accents counted", "fi-FI", "Hyv\u00e4\u00e4 huomenta", "hyvaa huomenta", false, 2, 1, 1, 0, 0},
    {"finnish accents forgiven", "fi-FI", "Hyv\u00e4\u00e4 huomenta", "hyvaa huomenta", true, 2, 2, 0, 0, 0},
    {"spanish inverted marks", "es-ES", "\u00bfD\u00f3nde est\u00e1 la estaci\u00f3n?", "donde esta la estacion", true, 4, 4, 0, 0, 0},
    {"spanish accents counted", "es-ES", "\u00bfD\u00f3nde est\u00e1 la estaci\u00f3n?", "donde esta la estacion", false, 4, 1, 3, 0, 0},
    {"composed and decomposed", "es-ES", "canci\u00f3n", "cancio\u0301n", false, 1, 1, 0, 0, 0},
    {"german sharp s folds", "de-DE", "Die Stra\u00dfe", "die STRASSE", false, 2, 2, 0, 0, 0},
};

class DictationScoring : public ::testing::TestWithParam<Case> {};

TEST_P(DictationScoring, CountsWhatItShould) {
  const Case& c = GetParam();
  const auto s = score_dictation(c.reference, c.typed, {c.ignore_accents, c.locale});
  EXPECT_EQ(s.words_ref, c.words_ref);
  EXPECT_EQ(s.words_correct, c.correct);
  EXPECT_EQ(s.substitutions, c.substitutions);
  EXPECT_EQ(s.deletions, c.deletions);
  EXPECT_EQ(s.insertions, c.insertions);
  const double wer = static_cast<double>(c.substitutions + c.deletions + c.insertions) / c.words_ref;
  EXPECT_NEAR(s.wer, wer, 1e-9);
  EXPECT_NEAR(s.percentage, std::max(0.0, 100.0 * (1.0 - wer)), 1e-9);
  // The alignment accounts for every word on both sides, in order.
  int last_ref = -1, last_typed = -1, refs = 0, typed = 0;
  for (const auto& a : s.alignment) {
    if (a.ref >= 0) {
      EXPECT_EQ(a.ref, last_ref + 1);
      last_ref = a.ref, ++refs;
    }
    if (a.typed >= 0) {
      EXPECT_EQ(a.typed, last_typed + 1);
      last_typed = a.typed, ++typed;
    }
  }
  EXPECT_EQ(refs, static_cast<int>(s.reference.size()));
  EXPECT_EQ(typed, static_cast<int>(s.typed.size()));
}

std::string case_name(const ::testing::TestParamInfo<Case>& param_info) {
  std::string n = param_info.param.name;
  for (auto& ch : n)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return n;
}

INSTANTIATE_TEST_SUITE_P(Pairs, DictationScoring, ::testing::ValuesIn(kCases), case_name);

TEST(DictationScoring, WorseThanNothingFloorsAtZero) {
  const auto s = score_dictation("one", "two three four", {});
  EXPECT_NEAR(s.wer, 3.0, 1e-9);
  EXPECT_EQ(s.percentage, 0.0);
}

TEST(DictationScoring, DisplayKeepsTheWordsAsWritten) {
  const auto s = score_dictation("\u00bfD\u00f3nde est\u00e1?", "donde", {true, "es"});
  ASSERT_EQ(s.reference.size(), 2u);
  EXPECT_EQ(s.reference[0].display, "D\u00f3nde");
  EXPECT_EQ(s.reference[0].key, "donde");
  ASSERT_EQ(s.alignment.size(), 2u);
  EXPECT_EQ(s.alignment[1].mark, WordMark::deleted);
  EXPECT_EQ(word_mark_name(s.alignment[1].mark), "deleted");
}

TEST(DictationScoring, ThaiIsSplitByTheDictionaryBreaker) {
  // "I like to eat rice" without spaces: ICU's dictionary finds the words.
  const auto words = dictation_words("\u0e09\u0e31\u0e19\u0e0a\u0e2d\u0e1a\u0e01\u0e34\u0e19\u0e02\u0e49\u0e32\u0e27", {false, "th"});
  EXPECT_GE(words.size(), 3u);
}

// The banded alignment against a plain full-table Levenshtein distance, on
// random attempts from nearly right to unrelated (so both passes and the
// clamp to the whole table run), and the alignment itself checked: every
// word of each side once, in order, marks that agree with the words.
std::size_t full_distance(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({up + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

TEST(DictationScoring, BandedAlignmentIsExact) {
  std::mt19937 random(20261203);
  const std::vector<std::string> vocabulary = {"a", "the", "cat", "sat", "on", "mat", "dog", "ran", "far", "away"};
  for (int trial = 0; trial < 300; ++trial) {
    const std::size_t words = 1 + random() % (trial < 280 ? 200 : 900);
    const double error_rate = (trial % 10) / 9.0;  // 0 to 1
    std::vector<std::string> ref, typed;
    for (std::size_t i = 0; i < words; ++i) ref.push_back(vocabulary[random() % vocabulary.size()]);
    for (const auto& w : ref) {
      const double roll = std::uniform_real_distribution<>(0, 1)(random);
      if (roll >= error_rate) { typed.push_back(w); continue; }
      switch (random() % 3) {
        case 0: typed.push_back(vocabulary[random() % vocabulary.size()]); break;  // substituted (or by chance right)
        case 1: break;                                                              // left out
        default: typed.push_back(w); typed.push_back(vocabulary[random() % vocabulary.size()]);  // an extra word
      }
    }
    if (trial >= 280) {
      // A block moved from the front to the back, over 200 distinct words: the
      // best alignment runs that block's length off the diagonal.
      ref.clear();
      for (std::size_t i = 0; i < words + 100; ++i) ref.push_back("w" + std::to_string(random() % 200));
      typed = ref;
      std::rotate(typed.begin(), typed.begin() + static_cast<std::ptrdiff_t>(40 + random() % (ref.size() / 3)), typed.end());
    }
    const auto join = [](const std::vector<std::string>& v) {
      std::string out;
      for (const auto& w : v) out += w + " ";
      return out;
    };
    const auto s = score_dictation(join(ref), join(typed), {});
    ASSERT_EQ(static_cast<std::size_t>(s.substitutions + s.deletions + s.insertions), full_distance(ref, typed))
        << "trial " << trial << ": " << words << " words, error rate " << error_rate;
    int next_ref = 0, next_typed = 0;
    for (const auto& a : s.alignment) {
      if (a.ref >= 0) { ASSERT_EQ(a.ref, next_ref++); }
      if (a.typed >= 0) { ASSERT_EQ(a.typed, next_typed++); }
      const bool same = a.ref >= 0 && a.typed >= 0 &&
                        ref[static_cast<std::size_t>(a.ref)] == typed[static_cast<std::size_t>(a.typed)];
      if (a.mark == WordMark::correct) { ASSERT_TRUE(same); }
      if (a.mark == WordMark::substituted) { ASSERT_FALSE(same); }
    }
    ASSERT_EQ(next_ref, static_cast<int>(ref.size()));
    ASSERT_EQ(next_typed, static_cast<int>(typed.size()));
  }
}

}  // namespace
}  // namespace orator::speech
