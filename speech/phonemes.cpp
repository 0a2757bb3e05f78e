#include "speech/phonemes.hpp"

#include <array>
#include <cctype>
#include <string>

namespace orator::speech {
namespace {

constexpr std::array<Phoneme, 39> kPhonemes = {{
    {"AA", "ɑ", true},  {"AE", "æ", true},  {"AH", "ʌ", true},  {"AO", "ɔ", true},  {"AW", "aʊ", true},
    {"AY", "aɪ", true}, {"B", "b", false},  {"CH", "tʃ", false}, {"D", "d", false},  {"DH", "ð", false},
    {"EH", "ɛ", true},  {"ER", "ɝ", true},  {"EY", "eɪ", true}, {"F", "f", false},  {"G", "ɡ", false},
    {"HH", "h", false}, {"IH", "ɪ", true},  {"IY", "i", true},  {"JH", "dʒ", false}, {"K", "k", false},
    {"L", "l", false},  {"M", "m", false},  {"N", "n", false},  {"NG", "ŋ", false}, {"OW", "oʊ", true},
    {"OY", "ɔɪ", true}, {"P", "p", false},  {"R", "ɹ", false},  {"S", "s", false},  {"SH", "ʃ", false},
    {"T", "t", false},  {"TH", "θ", false}, {"UH", "ʊ", true},  {"UW", "u", true},  {"V", "v", false},
    {"W", "w", false},  {"Y", "j", false},  {"Z", "z", false},  {"ZH", "ʒ", false},
}};

}  // namespace

std::span<const Phoneme> phonemes() { return kPhonemes; }

std::optional<Phoneme> find_phoneme(std::string_view symbol) {
  std::string upper;
  for (const char c : symbol) {
    if (std::isdigit(static_cast<unsigned char>(c))) break;  // stress mark
    upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  for (const auto& p : kPhonemes)
    if (p.arpabet == upper) return p;
  return std::nullopt;
}

}  // namespace orator::speech
