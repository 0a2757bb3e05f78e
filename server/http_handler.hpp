#pragma once
// Plain HTTP requests (everything but the WebSocket upgrade), as a pure
// function: testable without sockets, thread-safe.
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <span>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/api/api_types.hpp"
#include "server/server_context.hpp"

namespace orator::server {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

[[nodiscard]] HttpResponse handle_request(const HttpRequest& request, const ServerContext& context);

// What GET /health found. Each check is "ok" or why not; nullopt when
// there is nothing to check (no database, say). A failing database, queue
// or disk makes the server "unhealthy" (503); a failing speech synthesis or
// recogniser "degraded" (200: the rest works); "off" is a configured absence.
struct HealthChecks {
  std::optional<std::string> database, queues, disk;  // unhealthy when failing
  std::optional<std::string> tts, recogniser;         // degraded when failing
  // Background work waiting and in hand (speech synthesis jobs).
  std::optional<std::int64_t> tts_pending, tts_processing;
};
// GET /health: "healthy", "degraded", "unhealthy" (503) or "stopping";
// queue sizes only for the metrics token's bearer.
[[nodiscard]] HttpResponse health_response(const HttpRequest& request, const ServerContext& context, const HealthChecks& checks = {});

// The request carries `Authorization: Bearer <--metrics-token>` (compared in constant time).
[[nodiscard]] bool metrics_bearer(const HttpRequest& request, const ServerContext& context);

// docs/openapi.json, compiled in.
[[nodiscard]] std::string_view openapi_document();

// Routes handle_request() and the upgrade path serve themselves (the rest are api::Api's).
struct ServerRoute { const char* method; const char* path; };
[[nodiscard]] std::span<const ServerRoute> server_routes();

// REST requests go to api::Api (on the worker pool); these convert between
// Beast's messages and the API's plain types.
[[nodiscard]] bool is_api_target(std::string_view target);
[[nodiscard]] api::ApiRequest to_api_request(const HttpRequest& request, std::string client_address, bool tls = false);
[[nodiscard]] HttpResponse to_http_response(const HttpRequest& request, const api::ApiResponse& response);

// The address a request comes from: the peer's, unless the peer is a trusted
// proxy, whose X-Forwarded-For is then read from the right, past any other
// trusted proxies, to the first address no trusted proxy vouches for.
[[nodiscard]] std::string client_address(const std::string& peer, std::string_view forwarded_for,
                                         const std::vector<std::string>& trusted_proxies);

// The one error shape of the REST API: {"error":{"code","message","details"}}.
[[nodiscard]] HttpResponse error_response(const HttpRequest& request, boost::beast::http::status status,
                                          std::string_view code, std::string_view message);

}  // namespace orator::server
