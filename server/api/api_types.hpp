#pragma once
// REST request/response as plain data (no Beast), and the one error shape:
// {"error":{"code","message","details"}}.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace orator::server::api {

struct ApiRequest {
  std::string method;                              // "GET", "POST", ...
  std::string path;                                // without the query
  std::multimap<std::string, std::string> query;   // decoded
  std::map<std::string, std::string> headers;      // lower-case names
  std::string body;
  std::string body_file;                           // a recording upload's body, received to disk instead
  std::string client_address;
  bool tls = false;                                // arrived over https/wss
  // Filled while routing and authenticating:
  std::map<std::string, std::string> params;       // path parameters
  std::string user_id;                             // authenticated user, empty if none
  std::string scopes;                              // what its credentials may do (comma-separated)

  [[nodiscard]] std::optional<std::string> header(const std::string& lower_name) const;
  [[nodiscard]] std::optional<std::string> query_value(const std::string& name) const;
  // An integer query parameter in [lo, hi], or `fallback` when absent; VALIDATION_ERROR otherwise.
  [[nodiscard]] int int_param(const std::string& name, int fallback, int lo, int hi) const;
  // Page size: per_page, or its older alias limit.
  [[nodiscard]] int per_page(int fallback, int hi) const {
    return query.count("per_page") ? int_param("per_page", fallback, 1, hi) : int_param("limit", fallback, 1, hi);
  }
};

struct ApiResponse {
  int status = 200;
  boost::json::value body;                         // serialised as JSON unless raw_body is set
  std::optional<std::string> raw_body;             // e.g. CSV
  // A large body sent a piece at a time instead (a recording): each call,
  // on a database worker, returns the next piece, empty at the end; the
  // next is asked for once the previous one is written, so a connection
  // holds one piece however slowly its client reads. Throws on failure
  // (the connection is then closed mid-body). Its total is body_length.
  std::function<std::string()> next_piece;
  std::uint64_t body_length = 0;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
};

// Thrown by handlers; turned into the error shape with its HTTP status.
struct ApiError : std::runtime_error {
  ApiError(int http_status, std::string error_code, const std::string& message, boost::json::object error_details = {})
      : std::runtime_error(message), status(http_status), code(std::move(error_code)), details(std::move(error_details)) {}
  int status;
  std::string code;
  boost::json::object details;
};

[[nodiscard]] ApiResponse error_body(int status, std::string_view code, std::string_view message,
                                     const boost::json::object& details = {});

// One page of a listing, in the shape every listing answers with:
// {"data": [...], "pagination": {"page", "per_page", "limit" (alias), "total", "pages"}}.
[[nodiscard]] ApiResponse page_response(boost::json::array data, int page, int per_page, std::int64_t total);

ApiError validation_error(const std::string& message, boost::json::object details = {});
ApiError not_found(const std::string& what);
ApiError unauthorized(const std::string& message);

}  // namespace orator::server::api
