#include "speech/spoken_text.hpp"

#include <array>
#include <cctype>

#include "speech/words.hpp"

namespace orator::speech {
namespace {

constexpr std::array<const char*, 20> kSmall = {"zero",    "one",     "two",       "three",    "four",     "five",    "six",
                                                "seven",   "eight",   "nine",      "ten",      "eleven",   "twelve",  "thirteen",
                                                "fourteen", "fifteen", "sixteen",  "seventeen", "eighteen", "nineteen"};
constexpr std::array<const char*, 10> kTens = {"", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"};

void below_thousand(unsigned n, std::vector<std::string>& out) {
  if (n >= 100) {
    out.emplace_back(kSmall[n / 100]);
    out.emplace_back("hundred");
    n %= 100;
    if (n == 0) return;
  }
  if (n < 20) {
    out.emplace_back(kSmall[n]);
    return;
  }
  out.emplace_back(kTens[n / 10]);
  if (n % 10) out.emplace_back(kSmall[n % 10]);
}

// "one" -> "first", "twenty" -> "twentieth", "nine" -> "ninth".
std::string ordinal_of(const std::string& w) {
  static const std::array<std::pair<const char*, const char*>, 9> kIrregular = {
      {{"one", "first"}, {"two", "second"}, {"three", "third"}, {"five", "fifth"}, {"eight", "eighth"},
       {"nine", "ninth"}, {"twelve", "twelfth"}, {"zero", "zeroth"}, {"four", "fourth"}}};
  for (const auto& [cardinal, ordinal] : kIrregular)
    if (w == cardinal) return ordinal;
  if (!w.empty() && w.back() == 'y') return w.substr(0, w.size() - 1) + "ieth";
  return w + "th";
}

bool all_digits(std::string_view s) {
  if (s.empty() || s.size() > 12) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

unsigned long long to_number(std::string_view s) {
  unsigned long long n = 0;
  for (char c : s) n = n * 10 + static_cast<unsigned>(c - '0');
  return n;
}

// 1100-1999 and 2010-2099 as years are said in pairs ("nineteen ninety
// nine", "twenty twenty"); a round hundred is "nineteen hundred".
bool year_words(unsigned long long n, std::vector<std::string>& out) {
  if (!((n >= 1100 && n <= 1999) || (n >= 2010 && n <= 2099))) return false;
  below_thousand(static_cast<unsigned>(n / 100), out);
  const auto rest = static_cast<unsigned>(n % 100);
  if (rest == 0) out.emplace_back("hundred");
  else if (rest < 10) out.insert(out.end(), {"oh", kSmall[rest]});
  else below_thousand(rest, out);
  return true;
}

std::vector<std::string> spoken_number(std::string_view token) {
  std::vector<std::string> out;
  std::string_view s = token;
  bool percent = false;
  if (!s.empty() && s.back() == '%') {
    percent = true;
    s.remove_suffix(1);
  }
  // Times: "6:30" -> "six thirty", "9:05" -> "nine oh five", "7:00" -> "seven o'clock".
  if (const auto colon = s.find(':'); colon != std::string_view::npos && colon > 0 && colon <= 2 && s.size() - colon == 3 &&
                                      all_digits(s.substr(0, colon)) && all_digits(s.substr(colon + 1))) {
    out = number_words(to_number(s.substr(0, colon)));
    const auto minutes = static_cast<unsigned>(to_number(s.substr(colon + 1)));
    if (minutes == 0) out.emplace_back("o'clock");
    else if (minutes < 10) out.insert(out.end(), {"oh", kSmall[minutes]});
    else below_thousand(minutes, out);
    return out;
  }
  // Thousands separators: "10,000".
  std::string digits;
  for (char c : s)
    if (c != ',') digits += c;
  // Ordinals: "1st", "22nd", "3rd", "4th".
  if (digits.size() > 2) {
    const std::string suffix = digits.substr(digits.size() - 2);
    if ((suffix == "st" || suffix == "nd" || suffix == "rd" || suffix == "th") && all_digits(digits.substr(0, digits.size() - 2))) {
      out = number_words(to_number(digits.substr(0, digits.size() - 2)));
      out.back() = ordinal_of(out.back());
      return out;
    }
  }
  const auto point = digits.find('.');
  const std::string whole = digits.substr(0, point);
  if (!all_digits(whole)) return {};
  const auto n = to_number(whole);
  if (point == std::string::npos && whole.size() == 4 && !percent && year_words(n, out)) return out;
  out = number_words(n);
  if (point != std::string::npos) {
    const std::string fraction = digits.substr(point + 1);
    if (!fraction.empty() && !all_digits(fraction)) return {};
    out.emplace_back("point");
    for (char c : fraction) out.emplace_back(kSmall[static_cast<unsigned>(c - '0')]);
  }
  if (percent) out.emplace_back("percent");
  return out;
}

bool word_char(unsigned char c) { return std::isalnum(c) || c >= 0x80 || c == '\''; }

}  // namespace

std::vector<std::string> number_words(unsigned long long n) {
  std::vector<std::string> out;
  if (n == 0) return {"zero"};
  static constexpr std::array<std::pair<unsigned long long, const char*>, 3> kScales = {
      {{1'000'000'000ULL, "billion"}, {1'000'000ULL, "million"}, {1'000ULL, "thousand"}}};
  for (const auto& [scale, name] : kScales) {
    if (n >= scale) {
      below_thousand(static_cast<unsigned>(n / scale % 1000), out);
      out.emplace_back(name);
      n %= scale;
    }
  }
  if (n) below_thousand(static_cast<unsigned>(n), out);
  return out;
}

std::vector<SpokenToken> spoken_tokens(std::string_view text) {
  std::vector<SpokenToken> out;
  std::size_t i = 0;
  while (i < text.size()) {
    // A token runs to whitespace; hyphens and dashes separate words too.
    while (i < text.size() && (std::isspace(static_cast<unsigned char>(text[i])) || text[i] == '-')) ++i;
    std::size_t j = i;
    while (j < text.size() && !std::isspace(static_cast<unsigned char>(text[j])) && text[j] != '-') ++j;
    std::string_view raw = text.substr(i, j - i);
    i = j;
    if (raw == "&") {
      out.push_back({"&", {"and"}});
      continue;
    }
    // Surrounding punctuation (quotes, brackets, a sentence's stop) is not said.
    while (!raw.empty() && !std::isalnum(static_cast<unsigned char>(raw.front())) && static_cast<unsigned char>(raw.front()) < 0x80)
      raw.remove_prefix(1);
    while (!raw.empty() && !std::isalnum(static_cast<unsigned char>(raw.back())) && raw.back() != '%' &&
           static_cast<unsigned char>(raw.back()) < 0x80)
      raw.remove_suffix(1);
    if (raw.empty()) continue;
    if (std::isdigit(static_cast<unsigned char>(raw.front()))) {
      if (auto words = spoken_number(raw); !words.empty()) {
        out.push_back({std::string(raw), std::move(words)});
        continue;
      }
    }
    std::string written;
    for (char c : raw)
      if (word_char(static_cast<unsigned char>(c))) written += c;
    std::string spoken = normalise_word(written);
    if (spoken.empty()) continue;
    out.push_back({std::string(raw), {std::move(spoken)}});
  }
  return out;
}

}  // namespace orator::speech
