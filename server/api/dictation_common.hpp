#pragma once
// Shared by the dictation route files: request parsing and the JSON shapes
// of items and attempts.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <vector>

#include "server/api/api_types.hpp"
#include "storage/dictation_store.hpp"

namespace orator::server::api {

inline constexpr std::size_t kMaxItemCharacters = 10'000;
inline constexpr std::size_t kMaxTags = 20, kMaxTagCharacters = 50;

// A BCP-47 tag in canonical case ("en-us" -> "en-US", "zh-hant-tw" ->
// "zh-Hant-TW"); VALIDATION_ERROR naming `field` when it is not one.
[[nodiscard]] std::string canonical_locale(const std::string& tag, const std::string& field = "locale");
// Tags from a JSON array of strings: trimmed, 1-50 characters, at most 20,
// duplicates (by folded case) dropped.
[[nodiscard]] std::vector<storage::ItemTag> parse_tags(const boost::json::array& tags, const std::string& field = "tags");
// Text of 1 (or `min`) to 10,000 characters, as characters (code points), not bytes.
void check_text_length(const std::string& text, const std::string& field, std::size_t min = 1);

[[nodiscard]] boost::json::object item_json(const storage::DictationItem& item);
[[nodiscard]] boost::json::object attempt_json(const storage::DictationAttempt& attempt);

}  // namespace orator::server::api
