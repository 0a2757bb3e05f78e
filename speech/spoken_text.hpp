#pragma once
// A target text as the words a reader says: punctuation dropped, hyphenated
// words split, and numbers, ordinals, years, "&" and "%" written out
// ("21st" -> "twenty first", "1999" -> "nineteen ninety nine", "3.5%" ->
// "three point five percent"). English only. Pure functions; thread-safe.
#include <string>
#include <string_view>
#include <vector>

namespace orator::speech {

struct SpokenToken {
  std::string written;              // the token as the text has it, without surrounding punctuation
  std::vector<std::string> spoken;  // lower-case words said for it (one for most tokens)
};

[[nodiscard]] std::vector<SpokenToken> spoken_tokens(std::string_view text);
// 0 .. 999,999,999,999 as English words ("one hundred five").
[[nodiscard]] std::vector<std::string> number_words(unsigned long long n);

}  // namespace orator::speech
