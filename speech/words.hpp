#pragma once
// A recognised word with its timing, as every part of speech/ passes it on.
// Plain data; thread-safe to copy.
#include <string>
#include <string_view>

namespace orator::speech {

struct Word {
  std::string text;        // lower case, as in the dictionary, without "(2)" variants
  double start = 0;        // seconds of stream audio
  double end = 0;
  float confidence = 0;    // posterior probability 0..1 (0 for partial words)
  int syllables = 0;       // vowel phones of its dictionary pronunciation
  bool filler = false;     // a hesitation: um, uh, er, ah, hmm, mm ...
  bool marker = false;     // a discourse marker used as a filler ("like", "you know" ...)
};

// Hesitation fillers and their spellings (docs/scoring.md).
[[nodiscard]] bool is_hesitation(std::string_view word);
// Lower-cases and strips punctuation other than inner apostrophes and hyphens.
[[nodiscard]] std::string normalise_word(std::string_view word);

}  // namespace orator::speech
