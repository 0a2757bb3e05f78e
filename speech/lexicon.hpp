#pragma once
// Pronunciations of English words in the recogniser's 39 ARPAbet phones:
// the CMU pronouncing dictionary that ships with the acoustic model
// (cmudict-en-us.dict, every variant), and for words it lacks, flite's
// letter-to-sound rules (its CMU lexicon and LTS model, BSD-style licence).
//
// The dictionary is held as its file's text with a sorted index (about 4 MB
// for 134,000 words), shared read-only. Thread-safe: lookups are const, and
// flite's letter-to-sound calls are serialised.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace orator::speech {

using Phones = std::vector<std::string>;  // "HH", "AH", "L", "OW": no stress digits

struct Pronunciations {
  std::vector<Phones> variants;  // the dictionary's order; empty when none could be made
  bool guessed = false;          // from letter-to-sound, not the dictionary
};

class Lexicon {
 public:
  // nullptr with `error` set when the dictionary cannot be read.
  [[nodiscard]] static std::shared_ptr<const Lexicon> load(const std::string& dictionary_path, std::string& error);

  // A lower-case word ("don't", "colour").
  [[nodiscard]] Pronunciations lookup(std::string_view word) const;
  [[nodiscard]] std::size_t size() const { return index_.size(); }

  Lexicon(std::string text, std::vector<std::pair<std::uint32_t, std::uint32_t>> index);

 private:
  std::string text_;                                            // the file, as read
  std::vector<std::pair<std::uint32_t, std::uint32_t>> index_;  // (line start, word length), sorted by word
};

// Letter-to-sound alone (flite), for words the dictionary lacks.
[[nodiscard]] Phones letter_to_sound(std::string_view word);

}  // namespace orator::speech
