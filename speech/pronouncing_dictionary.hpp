#pragma once
// Syllable counts from the CMU pronouncing dictionary (cmudict-en-us.dict,
// the recogniser's own): one syllable per vowel phone of a word's first
// pronunciation. The truth the pace benchmark checks the syllable detector
// against. Immutable after load; thread-safe.
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace orator::speech {

// The word an entry of the dictionary (or a decoder's segment) spells:
// "read(2)", a second pronunciation, is "read".
[[nodiscard]] constexpr std::string_view headword(std::string_view entry) {
  return entry.substr(0, entry.find('('));
}

// Vowel phones (ARPAbet, stress marks ignored) in "HH AH0 L OW1".
[[nodiscard]] int vowel_phones(std::string_view phones);

// Syllables guessed from spelling (groups of vowel letters, a silent final
// e): for words the dictionary lacks.
[[nodiscard]] int syllables_from_spelling(std::string_view word);

class PronouncingDictionary {
 public:
  // nullopt with `error` when the file cannot be read.
  [[nodiscard]] static std::optional<PronouncingDictionary> load(const std::string& path, std::string& error);

  // A normalised word's syllables (normalise_word), nullopt when unknown.
  [[nodiscard]] std::optional<int> syllables(std::string_view word) const;

  struct Count {
    int words = 0, syllables = 0;
    int lexical = 0;  // words other than hesitations (um, uh ...): what wpm counts
    int guessed = 0;  // words not in the dictionary, counted from their spelling
  };
  // Every word of `text` (tokenize), hesitations and bracketed tags included
  // as the tokenizer keeps them.
  [[nodiscard]] Count count(std::string_view text) const;

 private:
  std::unordered_map<std::string, int> syllables_;
};

}  // namespace orator::speech
