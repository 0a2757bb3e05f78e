#pragma once
// The 39 phonemes of US English as ARPAbet writes them (the CMU
// dictionary's and the recogniser's phone set), with IPA and whether each
// is a vowel. Immutable tables; thread-safe.
#include <optional>
#include <span>
#include <string_view>

namespace orator::speech {

struct Phoneme {
  std::string_view arpabet;  // "AA" ... "ZH", upper case, no stress digit
  std::string_view ipa;
  bool vowel;
};

[[nodiscard]] std::span<const Phoneme> phonemes();
// "ah0", "AH1" and "AH" all name AH; nullopt for anything else.
[[nodiscard]] std::optional<Phoneme> find_phoneme(std::string_view symbol);

}  // namespace orator::speech
