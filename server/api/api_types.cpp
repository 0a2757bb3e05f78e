#include "server/api/api_types.hpp"

#include <charconv>

namespace orator::server::api {

std::optional<std::string> ApiRequest::header(const std::string& name) const {
  const auto it = headers.find(name);
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> ApiRequest::query_value(const std::string& name) const {
  const auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

int ApiRequest::int_param(const std::string& name, int fallback, int lo, int hi) const {
  const auto v = query_value(name);
  if (!v) return fallback;
  int n = 0;
  const auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || p != v->data() + v->size() || n < lo || n > hi)
    throw validation_error(name + " must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi), {{"field", name}});
  return n;
}

ApiResponse page_response(boost::json::array data, int page, int per_page, std::int64_t total) {
  ApiResponse r;
  r.body = boost::json::object{{"data", std::move(data)},
                               {"pagination", boost::json::object{{"page", page}, {"per_page", per_page}, {"limit", per_page},
                                                                  {"total", total}, {"pages", (total + per_page - 1) / per_page}}}};
  return r;
}

ApiResponse error_body(int status, std::string_view code, std::string_view message, const boost::json::object& details) {
  ApiResponse r;
  r.status = status;
  r.body = boost::json::object{
      {"error", boost::json::object{{"code", code}, {"message", message}, {"details", details}}}};
  return r;
}

ApiError validation_error(const std::string& message, boost::json::object details) {
  return ApiError(400, "VALIDATION_ERROR", message, std::move(details));
}
ApiError not_found(const std::string& what) { return ApiError(404, "NOT_FOUND", what + " not found"); }
ApiError unauthorized(const std::string& message) { return ApiError(401, "AUTHENTICATION_ERROR", message); }

}  // namespace orator::server::api
