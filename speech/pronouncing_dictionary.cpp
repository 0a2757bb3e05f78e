#include "speech/pronouncing_dictionary.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>

#include "speech/wer.hpp"
#include "speech/words.hpp"

namespace orator::speech {

int vowel_phones(std::string_view phones) {
  static constexpr std::array<std::string_view, 15> kVowels = {"AA", "AE", "AH", "AO", "AW", "AY", "EH", "ER",
                                                               "EY", "IH", "IY", "OW", "OY", "UH", "UW"};
  int n = 0;
  while (!phones.empty()) {
    const auto sp = phones.find(' ');
    auto phone = phones.substr(0, sp);
    while (!phone.empty() && std::isdigit(static_cast<unsigned char>(phone.back()))) phone.remove_suffix(1);  // stress
    if (std::find(kVowels.begin(), kVowels.end(), phone) != kVowels.end()) ++n;
    if (sp == std::string_view::npos) break;
    phones.remove_prefix(sp + 1);
  }
  return n;
}

int syllables_from_spelling(std::string_view word) {
  auto vowel = [](char c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y'; };
  int groups = 0;
  bool in_group = false;
  for (char c : word) {
    const bool v = vowel(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    if (v && !in_group) ++groups;
    in_group = v;
  }
  if (word.size() > 2 && word.back() == 'e' && !vowel(word[word.size() - 2]) && groups > 1) --groups;  // "make"
  return std::max(1, groups);
}

std::optional<PronouncingDictionary> PronouncingDictionary::load(const std::string& path, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = "cannot read the pronouncing dictionary " + path;
    return std::nullopt;
  }
  PronouncingDictionary d;
  std::string line;
  while (std::getline(in, line)) {
    const auto sp = line.find(' ');
    if (sp == std::string::npos) continue;
    const std::string word = line.substr(0, sp);
    if (word.find('(') != std::string::npos) continue;  // "read(2)": the first pronunciation counts
    d.syllables_.emplace(word, vowel_phones(std::string_view(line).substr(sp + 1)));
  }
  if (d.syllables_.empty()) {
    error = "the pronouncing dictionary " + path + " has no entries";
    return std::nullopt;
  }
  return d;
}

std::optional<int> PronouncingDictionary::syllables(std::string_view word) const {
  if (auto it = syllables_.find(std::string(word)); it != syllables_.end()) return it->second;
  return std::nullopt;
}

PronouncingDictionary::Count PronouncingDictionary::count(std::string_view text) const {
  Count c;
  for (const auto& w : tokenize(text)) {
    ++c.words;
    c.lexical += is_hesitation(w) ? 0 : 1;
    if (auto s = syllables(w)) {
      c.syllables += *s;
    } else {
      c.syllables += syllables_from_spelling(w);
      ++c.guessed;
    }
  }
  return c;
}

}  // namespace orator::speech
