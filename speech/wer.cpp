#include "speech/wer.hpp"

#include <algorithm>
#include <cstdint>

#include "speech/words.hpp"

namespace orator::speech {

std::vector<std::string> tokenize(std::string_view text) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r')) ++i;
    std::size_t j = i;
    while (j < text.size() && text[j] != ' ' && text[j] != '\t' && text[j] != '\n' && text[j] != '\r') ++j;
    if (j > i) {
      if (auto w = normalise_word(text.substr(i, j - i)); !w.empty()) out.push_back(std::move(w));
    }
    i = j;
  }
  return out;
}

WerResult word_error_rate(const std::vector<std::string>& ref, const std::vector<std::string>& hyp) {
  const std::size_t n = ref.size(), m = hyp.size();
  // Full table so the alignment can be traced back (texts here are short).
  std::vector<std::uint32_t> d((n + 1) * (m + 1));
  auto at = [m, &d](std::size_t i, std::size_t j) -> std::uint32_t& { return d[i * (m + 1) + j]; };
  for (std::size_t i = 0; i <= n; ++i) at(i, 0) = static_cast<std::uint32_t>(i);
  for (std::size_t j = 0; j <= m; ++j) at(0, j) = static_cast<std::uint32_t>(j);
  for (std::size_t i = 1; i <= n; ++i)
    for (std::size_t j = 1; j <= m; ++j)
      at(i, j) = std::min({at(i - 1, j - 1) + (ref[i - 1] == hyp[j - 1] ? 0u : 1u), at(i - 1, j) + 1, at(i, j - 1) + 1});

  WerResult r;
  r.reference_words = static_cast<int>(n);
  std::size_t i = n, j = m;
  while (i > 0 || j > 0) {
    if (i > 0 && j > 0 && at(i, j) == at(i - 1, j - 1) + (ref[i - 1] == hyp[j - 1] ? 0u : 1u)) {
      if (ref[i - 1] != hyp[j - 1]) ++r.substitutions;
      r.alignment.push_back({static_cast<int>(i - 1), static_cast<int>(j - 1)});
      --i, --j;
    } else if (i > 0 && at(i, j) == at(i - 1, j) + 1) {
      ++r.deletions;
      r.alignment.push_back({static_cast<int>(i - 1), -1});
      --i;
    } else {
      ++r.insertions;
      r.alignment.push_back({-1, static_cast<int>(j - 1)});
      --j;
    }
  }
  std::reverse(r.alignment.begin(), r.alignment.end());
  return r;
}

}  // namespace orator::speech
