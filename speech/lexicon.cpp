#include "speech/lexicon.hpp"

#include <flite/flite.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <mutex>
#include <sstream>

#include "speech/phonemes.hpp"
#include "speech/pronouncing_dictionary.hpp"

// flite installs no header for its CMU lexicon.
extern "C" cst_lexicon* cmu_lex_init(void);

namespace orator::speech {
namespace {

std::string_view word_at(const std::string& text, std::pair<std::uint32_t, std::uint32_t> entry) {
  return std::string_view(text).substr(entry.first, entry.second);
}

Phones phones_of_line(std::string_view line) {
  Phones out;
  std::istringstream in{std::string(line)};
  std::string token;
  in >> token;  // the word
  while (in >> token)
    if (auto p = find_phoneme(token)) out.emplace_back(p->arpabet);
  return out;
}

}  // namespace

Lexicon::Lexicon(std::string text, std::vector<std::pair<std::uint32_t, std::uint32_t>> index)
    : text_(std::move(text)), index_(std::move(index)) {}

std::shared_ptr<const Lexicon> Lexicon::load(const std::string& path, std::string& error) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    error = "pronouncing dictionary unreadable: " + path;
    return nullptr;
  }
  std::string text((std::istreambuf_iterator<char>(f)), {});
  std::vector<std::pair<std::uint32_t, std::uint32_t>> index;
  for (std::size_t at = 0; at < text.size();) {
    const auto end = std::min(text.find('\n', at), text.size());
    const auto space = text.find(' ', at);
    if (space != std::string::npos && space < end) {
      const auto key = std::string_view(text).substr(at, space - at);
      index.emplace_back(static_cast<std::uint32_t>(at), static_cast<std::uint32_t>(headword(key).size()));
    }
    at = end + 1;
  }
  // By headword; variants keep the file's order.
  std::stable_sort(index.begin(), index.end(), [&](auto a, auto b) { return word_at(text, a) < word_at(text, b); });
  if (index.empty()) {
    error = "pronouncing dictionary is empty: " + path;
    return nullptr;
  }
  return std::make_shared<const Lexicon>(std::move(text), std::move(index));
}

Pronunciations Lexicon::lookup(std::string_view word) const {
  Pronunciations out;
  auto it = std::lower_bound(index_.begin(), index_.end(), word, [&](auto e, std::string_view w) { return word_at(text_, e) < w; });
  for (; it != index_.end() && word_at(text_, *it) == word; ++it) {
    const auto end = std::min(text_.find('\n', it->first), text_.size());
    if (auto phones = phones_of_line(std::string_view(text_).substr(it->first, end - it->first)); !phones.empty())
      out.variants.push_back(std::move(phones));
  }
  if (out.variants.empty()) {
    if (auto guessed = letter_to_sound(word); !guessed.empty()) {
      out.variants.push_back(std::move(guessed));
      out.guessed = true;
    }
  }
  return out;
}

Phones letter_to_sound(std::string_view word) {
  static std::mutex mutex;
  static cst_lexicon* lexicon = nullptr;
  std::lock_guard lock(mutex);
  if (!lexicon) lexicon = cmu_lex_init();
  std::string letters;
  for (char c : word)
    if (std::isalpha(static_cast<unsigned char>(c))) letters += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (letters.empty()) return {};
  Phones out;
  cst_val* phones = lex_lookup(lexicon, letters.c_str(), nullptr, nullptr);
  for (const cst_val* v = phones; v; v = val_cdr(v)) {
    std::string_view p = val_string(val_car(v));
    if (p == "ax") p = "ah";  // flite's schwa; the CMU set writes it AH0
    if (auto known = find_phoneme(p)) out.emplace_back(known->arpabet);
  }
  delete_val(phones);
  return out;
}

}  // namespace orator::speech
