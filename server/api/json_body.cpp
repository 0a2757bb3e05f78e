#include "server/api/json_body.hpp"

#include <cstdio>

#include "server/auth/credentials_policy.hpp"

#include <boost/json.hpp>

#include <algorithm>

#include "protocol/json_writer.hpp"

namespace orator::server::api {
namespace json = boost::json;

JsonBody::JsonBody(std::string_view text, std::initializer_list<std::string_view> allowed, bool allow_empty) {
  if (text.empty() && allow_empty) return;
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = 16;
  json::value v = json::parse(text, ec, {}, opts);
  if (ec) throw validation_error("request body is not valid JSON: " + ec.message());
  if (!v.is_object()) throw validation_error("request body must be a JSON object");
  object_ = std::move(v.as_object());
  json::array unknown;
  for (const auto& [key, value] : object_)
    if (std::find(allowed.begin(), allowed.end(), std::string_view(key)) == allowed.end()) unknown.emplace_back(key);
  if (!unknown.empty()) throw validation_error("unknown fields in request body", {{"unknown_fields", unknown}});
}

std::string JsonBody::required_string(std::string_view key, std::size_t max_len, std::size_t min_len) const {
  auto v = optional_string(key, max_len);
  if (!v) throw validation_error(std::string(key) + " is required", {{"field", key}});
  if (v->size() < min_len)
    throw validation_error(std::string(key) + " must be at least " + std::to_string(min_len) + " characters", {{"field", key}});
  return *v;
}

std::optional<std::string> JsonBody::optional_string(std::string_view key, std::size_t max_len) const {
  const auto* v = object_.if_contains(key);
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_string()) throw validation_error(std::string(key) + " must be a string", {{"field", key}});
  if (v->as_string().size() > max_len)
    throw validation_error(std::string(key) + " is longer than " + std::to_string(max_len) + " characters", {{"field", key}});
  // Valid UTF-8 already (the parser checks); no NUL (PostgreSQL would cut the
  // text there), control or invisible characters.
  if (const auto bad = auth::forbidden_character(v->as_string())) {
    char code[16];
    std::snprintf(code, sizeof code, "U+%04X", static_cast<unsigned>(*bad));
    throw validation_error(std::string(key) + " contains a control or invisible character (" + code + ")", {{"field", key}});
  }
  return std::string(v->as_string());
}

std::optional<bool> JsonBody::optional_bool(std::string_view key) const {
  const auto* v = object_.if_contains(key);
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_bool()) throw validation_error(std::string(key) + " must be true or false", {{"field", key}});
  return v->as_bool();
}

std::optional<std::int64_t> JsonBody::optional_int(std::string_view key, std::int64_t lo, std::int64_t hi) const {
  const auto* v = object_.if_contains(key);
  if (!v || v->is_null()) return std::nullopt;
  const auto range = std::string(key) + " must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi);
  if (!v->is_int64() && !v->is_uint64()) throw validation_error(range, {{"field", key}});
  const auto n = v->is_int64() ? v->as_int64() : static_cast<std::int64_t>(std::min<std::uint64_t>(v->as_uint64(), INT64_MAX));
  if (n < lo || n > hi) throw validation_error(range, {{"field", key}});
  return n;
}

std::optional<json::array> JsonBody::optional_array(std::string_view key, std::size_t max_items) const {
  const auto* v = object_.if_contains(key);
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_array() || v->as_array().size() > max_items)
    throw validation_error(std::string(key) + " must be a list of at most " + std::to_string(max_items), {{"field", key}});
  return v->as_array();
}

std::optional<json::object> JsonBody::optional_object(std::string_view key, std::size_t max_bytes) const {
  const auto* v = object_.if_contains(key);
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_object()) throw validation_error(std::string(key) + " must be an object", {{"field", key}});
  if (protocol::to_json(*v).size() > max_bytes) throw validation_error(std::string(key) + " is too large", {{"field", key}});
  return v->as_object();
}

}  // namespace orator::server::api
