#include "server/auth/credentials_policy.hpp"

#include <cstddef>  // crack.h uses size_t without including it
#include <crack.h>
#include <unicode/normalizer2.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <cctype>
#include <mutex>

namespace orator::server::auth {
namespace {

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// Decodes one UTF-8 sequence at `i` (already validated by the caller).
char32_t next_code_point(std::string_view s, std::size_t& i) {
  const auto c = static_cast<unsigned char>(s[i]);
  const int n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
  char32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
  for (int k = 1; k < n && i + static_cast<std::size_t>(k) < s.size(); ++k)
    cp = (cp << 6) | (static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]) & 0x3F);
  i += static_cast<std::size_t>(n);
  return cp;
}

}  // namespace

std::optional<std::string> password_problem(std::string_view password, std::string_view email) {
  if (password.size() < kMinPasswordLength) return "password must be at least 10 characters";
  if (password.size() > kMaxPasswordLength) return "password must be at most 128 characters";
  const std::string pw = lower_ascii(password), mail = lower_ascii(email);
  const std::string name = mail.substr(0, mail.find('@'));
  if (pw == mail || (name.size() >= 4 && pw.find(name) != std::string::npos))
    return "password must not be (or contain) your email address";
  // cracklib keeps state between calls: one check at a time. The Debian
  // variant reports a missing dictionary instead of exiting the process.
  static std::mutex cracklib;
  std::lock_guard lock(cracklib);
  char reason[256] = {};
  const std::string text(password);
  if (!__DEBIAN_SPECIFIC__SafeFascistCheck(text.c_str(), GetDefaultCracklibDict(), reason, sizeof reason))
    return std::nullopt;  // no dictionary installed: the length and email rules still hold
  if (reason[0] != '\0') return std::string("password is too easy to guess: ") + reason;
  // cracklib lets "password1234" through (its mangling rules add fewer
  // characters): a dictionary word with digits or symbols stuck on either
  // end is as guessable.
  const auto letter = [](char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; };
  const auto first = std::find_if(pw.begin(), pw.end(), letter);
  const auto last = std::find_if(pw.rbegin(), pw.rend(), letter).base();
  if (first < last && last - first >= 5 && (first != pw.begin() || last != pw.end())) {
    const std::string core(first, last);
    char core_reason[256] = {};
    if (__DEBIAN_SPECIFIC__SafeFascistCheck(core.c_str(), GetDefaultCracklibDict(), core_reason, sizeof core_reason) &&
        std::string_view(core_reason).find("dictionary") != std::string_view::npos)
      return "password is too easy to guess: a dictionary word with digits or symbols added";
  }
  return std::nullopt;
}

std::optional<std::string> fold_email(std::string_view email) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc_cf = icu::Normalizer2::getNFKCCasefoldInstance(status);
  if (U_FAILURE(status)) return std::nullopt;
  const auto text = icu::UnicodeString::fromUTF8(icu::StringPiece(email.data(), static_cast<int32_t>(email.size())));
  if (text.indexOf(static_cast<char16_t>(0xFFFD)) >= 0) return std::nullopt;  // invalid UTF-8 became U+FFFD
  const icu::UnicodeString folded = nfkc_cf->normalize(text, status);
  if (U_FAILURE(status)) return std::nullopt;
  std::string out;
  folded.toUTF8String(out);
  return out;
}

std::optional<char32_t> forbidden_character(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const char32_t cp = next_code_point(text, i);
    const bool control = (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || (cp >= 0x7F && cp <= 0x9F);
    // Zero-width space, word joiner and BOM, and bidi embeddings, overrides
    // and isolates (which can make text read other than it is). ZWJ/ZWNJ and
    // the LRM/RLM marks stay: emoji and Persian, Arabic, Indic text need them.
    const bool invisible = cp == 0x200B || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x2064) ||
                           (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF;
    if (control || invisible) return cp;
  }
  return std::nullopt;
}

}  // namespace orator::server::auth
