#include "server/http_handler.hpp"

#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <algorithm>
#include <cctype>

#include "protocol/json_writer.hpp"
#include "server/auth/crypto.hpp"
#include "server/server_metrics.hpp"
#include "server/stream_route.hpp"
#include "server/web_assets.hpp"

namespace orator::server {
namespace http = boost::beast::http;
namespace json = boost::json;

namespace {

HttpResponse json_response(const HttpRequest& req, http::status status, const json::value& body) {
  HttpResponse res{status, req.version()};
  res.set(http::field::server, "orator");
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.set("X-Request-Id", random_id());
  res.keep_alive(req.keep_alive());
  res.body() = protocol::to_json(body);
  res.prepare_payload();
  return res;
}

// The browser client. Its policy allows only our own scripts, styles and
// connections ('self' covers ws/wss to this host in CSP 3), and blob: media
// for kept recordings.
HttpResponse web_response(const HttpRequest& req, const WebAsset& asset) {
  HttpResponse res{http::status::ok, req.version()};
  res.set(http::field::server, "orator");
  res.set(http::field::content_type, asset.content_type);
  res.set(http::field::cache_control, "no-cache");
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Referrer-Policy", "no-referrer");
  res.set("Content-Security-Policy",
          "default-src 'self'; connect-src 'self'; media-src 'self' blob:; img-src 'self' data:; "
          "object-src 'none'; base-uri 'none'; frame-ancestors 'none'");
  res.keep_alive(req.keep_alive());
  res.body() = std::string(asset.content);
  res.prepare_payload();
  if (req.method() == http::verb::head) res.body().clear();
  return res;
}

}  // namespace

bool is_api_target(std::string_view target) {
  const auto path = target.substr(0, target.find('?'));
  return (target.rfind("/v1/", 0) == 0 && !match_stream_route(target)) || path == "/metadata";
}

std::string client_address(const std::string& peer, std::string_view forwarded_for,
                           const std::vector<std::string>& trusted_proxies) {
  const auto trusted = [&](std::string_view a) {
    return std::find(trusted_proxies.begin(), trusted_proxies.end(), a) != trusted_proxies.end();
  };
  if (!trusted(peer)) return peer;
  std::string client = peer;
  while (!forwarded_for.empty()) {
    const auto comma = forwarded_for.rfind(',');
    std::string_view hop = comma == std::string_view::npos ? forwarded_for : forwarded_for.substr(comma + 1);
    forwarded_for = comma == std::string_view::npos ? std::string_view() : forwarded_for.substr(0, comma);
    while (!hop.empty() && (hop.front() == ' ' || hop.front() == '\t')) hop.remove_prefix(1);
    while (!hop.empty() && (hop.back() == ' ' || hop.back() == '\t')) hop.remove_suffix(1);
    if (hop.empty() || hop.size() > 64) break;  // malformed: the last address trusted so far stands
    client = std::string(hop);
    if (!trusted(hop)) break;
  }
  return client;
}

api::ApiRequest to_api_request(const HttpRequest& req, std::string client_address, bool tls) {
  api::ApiRequest out;
  out.tls = tls;
  out.method = std::string(req.method_string());
  out.body = req.body();
  out.client_address = std::move(client_address);
  const std::string_view target = req.target();
  out.path = std::string(target.substr(0, target.find('?')));
  if (auto url = boost::urls::parse_origin_form(target)) {
    for (auto p : url->params()) out.query.emplace(p.key, p.has_value ? p.value : "");
  }
  for (const auto& field : req) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    out.headers[name] = std::string(field.value());
  }
  return out;
}

HttpResponse to_http_response(const HttpRequest& req, const api::ApiResponse& r) {
  HttpResponse res{static_cast<http::status>(r.status), req.version()};
  res.set(http::field::server, "orator");
  res.set(http::field::cache_control, "no-store");
  res.set("X-Request-Id", random_id());
  for (const auto& [name, value] : r.headers) res.set(name, value);
  res.keep_alive(req.keep_alive());
  if (r.status != 204) {
    res.set(http::field::content_type, r.content_type);
    res.body() = r.raw_body ? *r.raw_body : protocol::to_json(r.body);
  }
  res.prepare_payload();
  return res;
}

HttpResponse error_response(const HttpRequest& req, http::status status, std::string_view code, std::string_view message) {
  return json_response(req, status, json::object{{"error", json::object{{"code", code}, {"message", message}, {"details", json::object{}}}}});
}

std::span<const ServerRoute> server_routes() {
  static constexpr ServerRoute routes[] = {{"GET", "/health"},
                                           {"GET", "/metrics"},
                                           {"GET", "/openapi.json"},
                                           {"GET", "/v1/stream"},
                                           {"GET", "/ws/analysis/{session_id}"},
                                           {"GET", "/v1/sessions/{session_id}/stream"},
                                           {"GET", "/"},
                                           {"GET", "/web/{file}"}};
  return routes;
}

bool metrics_bearer(const HttpRequest& req, const ServerContext& ctx) {
  if (ctx.config.metrics_token.empty()) return false;
  const std::string_view given = req[http::field::authorization];
  const std::string expected = "Bearer " + ctx.config.metrics_token;
  // Equal-length digests: the comparison takes the same time whatever was sent.
  const std::string a = auth::sha256_hex(given), b = auth::sha256_hex(expected);
  const auto bytes = [](const std::string& x) {
    return std::span(reinterpret_cast<const std::uint8_t*>(x.data()), x.size());
  };
  return auth::constant_time_equal(bytes(a), bytes(b));
}

HttpResponse health_response(const HttpRequest& req, const ServerContext& ctx, const HealthChecks& checks) {
  const auto uptime = std::chrono::duration<double>(std::chrono::steady_clock::now() - ctx.started).count();
  const auto failing = [](const std::optional<std::string>& check) { return check && *check != "ok" && *check != "off"; };
  const bool unhealthy = failing(checks.database) || failing(checks.queues) || failing(checks.disk);
  const bool degraded = failing(checks.tts) || failing(checks.recogniser);
  // Public: no usage counters (how busy the server is is not anyone's business).
  json::object body{{"status", unhealthy ? "unhealthy" : ctx.stopping ? "stopping" : degraded ? "degraded" : "healthy"},
                    {"version", "0.1.0"},
                    {"uptime_s", std::round(uptime * 10) / 10}};
  json::object named;
  for (const auto& [name, check] : {std::pair{"database", &checks.database}, std::pair{"queues", &checks.queues},
                                    std::pair{"disk", &checks.disk}, std::pair{"tts", &checks.tts},
                                    std::pair{"recogniser", &checks.recogniser}})
    if (*check) named[name] = **check;
  if (!named.empty()) body["checks"] = std::move(named);
  // The backlog's size is a usage counter: for the metrics token's bearer only.
  if (checks.tts_pending && metrics_bearer(req, ctx))
    body["queue_sizes"] = json::object{{"tts_pending", *checks.tts_pending}, {"tts_processing", checks.tts_processing.value_or(0)}};
  // Stopping is 503 too: a load balancer's check then drains the instance.
  return json_response(req, unhealthy || ctx.stopping ? http::status::service_unavailable : http::status::ok, body);
}

// GET /metrics for Prometheus: off without --metrics-token, and only for its bearer.
HttpResponse metrics_response(const HttpRequest& req, const ServerContext& ctx) {
  if (!metrics_bearer(req, ctx)) {
    auto res = error_response(req, http::status::unauthorized, "UNAUTHORIZED",
                              "GET /metrics needs Authorization: Bearer <the server's --metrics-token>");
    res.set(http::field::www_authenticate, "Bearer");
    return res;
  }
  HttpResponse res{http::status::ok, req.version()};
  res.set(http::field::server, "orator");
  res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
  res.set(http::field::cache_control, "no-store");
  res.keep_alive(req.keep_alive());
  if (req.method() != http::verb::head) res.body() = metrics_exposition(ctx);
  res.prepare_payload();
  return res;
}

HttpResponse handle_request(const HttpRequest& req, const ServerContext& ctx) {
  const std::string_view target = req.target();
  const std::string_view path = target.substr(0, target.find('?'));
  if (path == "/metrics" && !ctx.config.metrics_token.empty() &&
      (req.method() == http::verb::get || req.method() == http::verb::head))
    return metrics_response(req, ctx);
  if (path == "/health") {
    if (req.method() != http::verb::get && req.method() != http::verb::head)
      return error_response(req, http::status::method_not_allowed, "METHOD_NOT_ALLOWED", "use GET");
    return health_response(req, ctx);
  }
  if (path == "/openapi.json" && (req.method() == http::verb::get || req.method() == http::verb::head)) {
    HttpResponse res{http::status::ok, req.version()};
    res.set(http::field::server, "orator");
    res.set(http::field::content_type, "application/json");
    res.set("X-Request-Id", random_id());
    res.keep_alive(req.keep_alive());
    res.body() = std::string(openapi_document());
    res.prepare_payload();
    return res;
  }
  if (req.method() == http::verb::get || req.method() == http::verb::head) {
    const auto asset = path == "/" ? find_web_asset("index.html")
                       : path.rfind("/web/", 0) == 0 ? find_web_asset(path.substr(5))
                                                     : std::nullopt;
    if (asset) return web_response(req, *asset);
  }
  if (match_stream_route(target))
    return error_response(req, http::status::upgrade_required, "UPGRADE_REQUIRED",
                          "this endpoint speaks WebSocket: send an Upgrade request (see docs/protocol.md)");
  return error_response(req, http::status::not_found, "NOT_FOUND", "no such endpoint");
}

}  // namespace orator::server
