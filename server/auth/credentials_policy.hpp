#pragma once
// What passwords, emails and free text the accounts accept. Thread-safe.
#include <optional>
#include <string>
#include <string_view>

namespace orator::server::auth {

inline constexpr std::size_t kMinPasswordLength = 10, kMaxPasswordLength = 128;

// Why `password` may not be used by the account `email` (at least 10
// characters; not the email or its name part; not a common or dictionary-
// based password, as cracklib's Debian dictionary judges), or nullopt.
[[nodiscard]] std::optional<std::string> password_problem(std::string_view password, std::string_view email);

// An email as accounts compare it: Unicode NFKC with case folding (ICU), so
// "ADA@Example.com" and full-width or ligature look-alikes are one account.
// nullopt when it is not valid UTF-8.
[[nodiscard]] std::optional<std::string> fold_email(std::string_view email);

// A character that has no place in a user's text: NUL and other control
// characters (tab and line breaks aside), zero-width spaces, word joiners,
// BOMs and bidi overrides (ZWJ, ZWNJ and LRM/RLM stay: emoji and several
// scripts need them). Returns the first one's code point, or nullopt.
// `text` must be valid UTF-8.
[[nodiscard]] std::optional<char32_t> forbidden_character(std::string_view text);

}  // namespace orator::server::auth
