// Server pieces testable without sockets: configuration, routes, handle_request.
#include <gtest/gtest.h>

#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <map>

#include "server/config.hpp"
#include "server/http_handler.hpp"
#include "server/stream_route.hpp"

namespace {
using namespace orator::server;
namespace http = boost::beast::http;

std::map<std::string, std::string> fake_env;
const char* fake_getenv(const char* name) {
  auto it = fake_env.find(name);
  return it == fake_env.end() ? nullptr : it->second.c_str();
}

TEST(Config, DefaultsEnvironmentAndFlags) {
  fake_env.clear();
  auto r = parse_config({}, fake_getenv);
  ASSERT_TRUE(r.config);
  EXPECT_EQ(r.config->port, 8080);
  fake_env = {{"ORATOR_PORT", "9000"}, {"ORATOR_IDLE_TIMEOUT", "12.5"}};
  r = parse_config({"--max-frame-bytes", "4096"}, fake_getenv);
  ASSERT_TRUE(r.config);
  EXPECT_EQ(r.config->port, 9000);
  EXPECT_DOUBLE_EQ(r.config->idle_timeout_seconds, 12.5);
  EXPECT_EQ(r.config->max_frame_bytes, 4096u);
  r = parse_config({"--port=7000"}, fake_getenv);
  EXPECT_EQ(r.config->port, 7000) << "flags win over the environment";
  EXPECT_FALSE(parse_config({"--port", "70000"}, fake_getenv).config);
  EXPECT_FALSE(parse_config({"--bogus", "1"}, fake_getenv).config);
  EXPECT_FALSE(parse_config({"--port"}, fake_getenv).config);
  fake_env = {{"ORATOR_THREADS", "many"}};
  EXPECT_NE(parse_config({}, fake_getenv).error.find("ORATOR_THREADS"), std::string::npos);
  EXPECT_TRUE(parse_config({"--help"}, fake_getenv).help);
  EXPECT_NE(usage().find("--max-queue-messages"), std::string::npos);
}

TEST(Routes, StreamEndpointsAndAliases) {
  auto r = match_stream_route("/v1/stream?codec=opus&sample_rate=48000&access_token=x%2By");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->path_session_id.empty());
  ASSERT_EQ(r->query.size(), 3u);
  EXPECT_EQ(r->query[2].second, "x+y");
  r = match_stream_route("/ws/analysis/abc-123");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->path_session_id, "abc-123");
  r = match_stream_route("/v1/sessions/s-9/stream?mode=interview");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->path_session_id, "s-9");
  EXPECT_FALSE(match_stream_route("/v1/sessions/s-9"));
  EXPECT_FALSE(match_stream_route("/v1/streams"));
  EXPECT_FALSE(match_stream_route("not a target"));
}

TEST(HandleRequest, HealthNotFoundAndUpgradeRequired) {
  ServerContext ctx;
  HttpRequest req{http::verb::get, "/health", 11};
  auto res = handle_request(req, ctx);
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(res[http::field::content_type], "application/json");
  EXPECT_FALSE(res["X-Request-Id"].empty());
  EXPECT_EQ(boost::json::parse(res.body()).at("status").as_string(), "ok");

  req.target("/nowhere");
  res = handle_request(req, ctx);
  EXPECT_EQ(res.result(), http::status::not_found);
  const auto err = boost::json::parse(res.body()).at("error").as_object();
  EXPECT_EQ(err.at("code").as_string(), "NOT_FOUND");
  EXPECT_TRUE(err.contains("message"));
  EXPECT_TRUE(err.contains("details"));

  req.target("/v1/stream");
  EXPECT_EQ(handle_request(req, ctx).result(), http::status::upgrade_required);
  req.method(http::verb::post);
  req.target("/health");
  EXPECT_EQ(handle_request(req, ctx).result(), http::status::method_not_allowed);
}

}  // namespace
