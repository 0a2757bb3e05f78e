#include "server/api/api_types.hpp"

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
