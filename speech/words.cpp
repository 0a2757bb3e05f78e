#include "speech/words.hpp"

#include <array>
#include <cctype>

namespace orator::speech {

bool is_hesitation(std::string_view w) {
  static constexpr std::array<std::string_view, 12> kHesitations = {
      "um", "umm", "uhm", "uh", "er", "erm", "ah", "hm", "hmm", "mm", "mmm", "eh"};
  for (auto h : kHesitations)
    if (w == h) return true;
  return false;
}

std::string normalise_word(std::string_view word) {
  std::string out;
  out.reserve(word.size());
  for (char c : word) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || u >= 0x80) out.push_back(static_cast<char>(std::tolower(u)));
    else if ((c == '\'' || c == '-') && !out.empty()) out.push_back(c);
  }
  while (!out.empty() && (out.back() == '\'' || out.back() == '-')) out.pop_back();
  return out;
}

}  // namespace orator::speech
