#pragma once
// Strict JSON request bodies: an object, known fields only, typed getters
// that throw VALIDATION_ERROR naming the field.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "server/api/api_types.hpp"

namespace orator::server::api {

class JsonBody {
 public:
  // Parses `text` (empty allowed when `allow_empty`) and rejects fields outside `allowed`.
  JsonBody(std::string_view text, std::initializer_list<std::string_view> allowed, bool allow_empty = false);

  [[nodiscard]] std::string required_string(std::string_view key, std::size_t max_len, std::size_t min_len = 1) const;
  [[nodiscard]] std::optional<std::string> optional_string(std::string_view key, std::size_t max_len) const;
  [[nodiscard]] std::optional<bool> optional_bool(std::string_view key) const;
  // An integer in [lo, hi].
  [[nodiscard]] std::optional<std::int64_t> optional_int(std::string_view key, std::int64_t lo, std::int64_t hi) const;
  // An array of at most `max_items`.
  [[nodiscard]] std::optional<boost::json::array> optional_array(std::string_view key, std::size_t max_items) const;
  [[nodiscard]] std::optional<boost::json::object> optional_object(std::string_view key, std::size_t max_bytes) const;
  [[nodiscard]] bool has(std::string_view key) const { return object_.contains(key); }

 private:
  boost::json::object object_;
};

}  // namespace orator::server::api
