// Server pieces testable without sockets: configuration, routes, handle_request.
#include <gtest/gtest.h>

#include <spdlog/formatter.h>
#include <spdlog/spdlog.h>

#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <fstream>
#include <iterator>
#include <map>
#include <vector>

#include "server/admission.hpp"
#include "server/api/login_throttle.hpp"
#include "server/config.hpp"
#include "server/connection_limits.hpp"
#include "server/http_handler.hpp"
#include "server/json_log.hpp"
#include "server/stream_route.hpp"

namespace {
using namespace orator::server;
namespace http = boost::beast::http;

std::map<std::string, std::string> fake_env;
const char* fake_getenv(const char* name) {
  auto it = fake_env.find(name);
  return it == fake_env.end() ? nullptr : it->second.c_str();
}

// --log-format json: a line is one object whose message survives quotes,
// backslashes, newlines and control characters.
TEST(JsonLogs, EachLineIsOneObjectWithTheMessageEscaped) {
  const auto formatter = orator::server::make_json_log_formatter();
  const std::string text = "upload \"a\\b\"\nsecond line\t\x01 done";
  spdlog::details::log_msg msg(spdlog::source_loc{}, "orator", spdlog::level::warn, text);
  msg.time = std::chrono::system_clock::time_point(std::chrono::milliseconds(1765063201123));  // 2025-12-06T23:20:01.123Z
  spdlog::memory_buf_t out;
  formatter->format(msg, out);
  const std::string line(out.data(), out.size());
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line";
  const auto v = boost::json::parse(line.substr(0, line.size() - 1)).as_object();
  EXPECT_EQ(v.at("time").as_string(), "2025-12-06T23:20:01.123Z");
  EXPECT_EQ(v.at("level").as_string(), "warning");
  EXPECT_EQ(v.at("message").as_string(), text);
  EXPECT_TRUE(v.at("thread").is_number());
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
  EXPECT_FALSE(parse_config({"--tls-cert", "cert.pem"}, fake_getenv).config) << "a certificate needs its key";
  EXPECT_TRUE(parse_config({"--tls-cert", "c.pem", "--tls-key", "k.pem"}, fake_getenv).config->tls());
  EXPECT_FALSE(parse_config({"--port"}, fake_getenv).config);
  fake_env = {{"ORATOR_THREADS", "many"}};
  EXPECT_NE(parse_config({}, fake_getenv).error.find("ORATOR_THREADS"), std::string::npos);
  EXPECT_TRUE(parse_config({"--help"}, fake_getenv).help);
  EXPECT_NE(usage().find("--max-queue-messages"), std::string::npos);
  fake_env.clear();
  r = parse_config({"--trusted-proxies", " 10.0.0.1, 0:0:0:0:0:0:0:1 "}, fake_getenv);
  ASSERT_TRUE(r.config);
  EXPECT_EQ(r.config->trusted_proxies, (std::vector<std::string>{"10.0.0.1", "::1"})) << "kept in canonical form";
  EXPECT_FALSE(parse_config({"--trusted-proxies", "proxy.example.com"}, fake_getenv).config) << "addresses, not names";
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
  EXPECT_EQ(boost::json::parse(res.body()).at("status").as_string(), "healthy");
  for (const char* counter : {"active_streams", "streams_started", "connections"})
    EXPECT_FALSE(boost::json::parse(res.body()).as_object().contains(counter)) << counter << " is public";

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

#include <algorithm>
#include <filesystem>
#include <set>

#include "server/api/api.hpp"
#include "server/sessions/session_service.hpp"
#include "storage/store.hpp"
#include "support/temp_dir.hpp"

namespace {

// Every routed path is documented in docs/openapi.json, and every documented
// path is routed; each REST route documents exactly the query parameters it
// takes (the router refuses any other, so an undocumented one is unusable).
TEST(OpenApi, DocumentAndRoutesAgree) {
  const auto doc = boost::json::parse(openapi_document()).as_object();
  EXPECT_EQ(doc.at("openapi").as_string(), "3.1.0");
  std::set<std::pair<std::string, std::string>> documented, routed;
  std::map<std::pair<std::string, std::string>, std::set<std::string>> documented_query;
  for (const auto& [path, item] : doc.at("paths").as_object())
    for (const auto& [method, op] : item.as_object()) {
      std::string m(method);
      std::transform(m.begin(), m.end(), m.begin(), ::toupper);
      documented.emplace(m, std::string(path));
      EXPECT_TRUE(op.as_object().contains("responses")) << m << " " << path;
      auto& names = documented_query[{m, std::string(path)}];
      if (const auto* params = op.as_object().if_contains("parameters"))
        for (const auto& p : params->as_array())
          if (p.at("in").as_string() == "query") names.emplace(p.at("name").as_string());
    }

  const orator::test_support::TempDir temp("orator-openapi");
  const auto& dir = temp.path();
  {
    auto store = orator::storage::Store::open("sqlite:" + (dir / "db").string(), 1);
    orator::server::auth::JwtSigner signer(std::vector<std::uint8_t>(32, 1));
    ServerConfig config;
    orator::server::sessions::SessionEvents events;
    orator::server::sessions::SessionService sessions(*store, events, config);
    orator::server::api::Api api(*store, signer, config, sessions, {10, 8, 1});
    for (const auto& r : api.router().routes()) {
      routed.emplace(r.method, r.pattern);
      const std::set<std::string> takes(r.query.begin(), r.query.end());
      if (const auto it = documented_query.find({r.method, r.pattern}); it != documented_query.end()) {
        EXPECT_EQ(it->second, takes) << "query parameters of " << r.method << " " << r.pattern << " differ from docs/openapi.json";
      }
    }
  }
  for (const auto& r : server_routes()) routed.emplace(r.method, r.path);

  for (const auto& r : routed) EXPECT_TRUE(documented.count(r)) << "routed but not in docs/openapi.json: " << r.first << " " << r.second;
  for (const auto& d : documented) EXPECT_TRUE(routed.count(d)) << "documented but not routed: " << d.first << " " << d.second;
  EXPECT_GE(routed.size(), 25u);  // guards against an empty router, not a count to maintain
}

TEST(OpenApi, ServedDocumentIsTheOneInDocs) {
  std::ifstream in(std::string(ORATOR_SOURCE_DIR) + "/docs/openapi.json");
  const std::string file((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(file, openapi_document());
  ServerContext ctx;
  HttpRequest req{http::verb::get, "/openapi.json", 11};
  const auto res = handle_request(req, ctx);
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(res.body(), file);
}

}  // namespace

namespace {

TEST(HandleRequest, ServesTheBrowserClientFromTheSourceTree) {
  ServerContext ctx;
  HttpRequest req{http::verb::get, "/", 11};
  auto res = handle_request(req, ctx);
  ASSERT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(res[http::field::content_type], "text/html; charset=utf-8");
  EXPECT_NE(res["Content-Security-Policy"].find("default-src 'self'"), std::string::npos);
  // Connections to this origin only: no ws:/wss: wildcard that would let a script reach any host.
  EXPECT_NE(res["Content-Security-Policy"].find("connect-src 'self';"), std::string::npos) << res["Content-Security-Policy"];
  EXPECT_EQ(res["X-Content-Type-Options"], "nosniff");
  std::ifstream index(std::string(ORATOR_SOURCE_DIR) + "/server/web/index.html");
  EXPECT_EQ(res.body(), std::string((std::istreambuf_iterator<char>(index)), {})) << "the compiled-in page is the source file";

  for (const char* file : {"app.js", "api.js", "stream.js", "charts.js", "capture-worklet.js", "app.css"}) {
    HttpRequest asset{http::verb::get, std::string("/web/") + file, 11};
    res = handle_request(asset, ctx);
    EXPECT_EQ(res.result(), http::status::ok) << file;
    EXPECT_FALSE(res.body().empty()) << file;
  }
  EXPECT_EQ(res[http::field::content_type], "text/css; charset=utf-8");
  HttpRequest script{http::verb::get, "/web/app.js", 11};
  EXPECT_EQ(handle_request(script, ctx)[http::field::content_type], "text/javascript; charset=utf-8");
  for (const char* missing : {"/web/nope.js", "/web/../CMakeLists.txt", "/web/", "/index.html"}) {
    HttpRequest bad{http::verb::get, missing, 11};
    EXPECT_EQ(handle_request(bad, ctx).result(), http::status::not_found) << missing;
  }
  HttpRequest post{http::verb::post, "/", 11};
  EXPECT_EQ(handle_request(post, ctx).result(), http::status::not_found);
}

}  // namespace

TEST(ClientAddress, OnlyTrustedProxiesMayNameTheClient) {
  using orator::server::client_address;
  const std::vector<std::string> proxies = {"10.0.0.1", "10.0.0.2"};
  EXPECT_EQ(client_address("203.0.113.7", "198.51.100.1", proxies), "203.0.113.7") << "an untrusted peer cannot forge it";
  EXPECT_EQ(client_address("10.0.0.1", "", proxies), "10.0.0.1");
  EXPECT_EQ(client_address("10.0.0.1", "198.51.100.1", proxies), "198.51.100.1");
  EXPECT_EQ(client_address("10.0.0.1", "6.6.6.6, 198.51.100.1, 10.0.0.2", proxies), "198.51.100.1")
      << "read from the right, past trusted hops; what the client itself wrote on the left is not believed";
  EXPECT_EQ(client_address("10.0.0.1", " , ", proxies), "10.0.0.1");
}

TEST(ConnectionLimits, CapsTotalAndPerAddressAndReleasesOnDestruction) {
  orator::server::ConnectionLimits limits;
  limits.configure(4, 2, {"10.0.0.1"});
  using Refusal = orator::server::ConnectionLimits::Refusal;
  Refusal why{};
  auto a1 = limits.acquire("192.0.2.1", why);
  auto a2 = limits.acquire("192.0.2.1", why);
  EXPECT_TRUE(a1.held() && a2.held());
  EXPECT_FALSE(limits.acquire("192.0.2.1", why).held());
  EXPECT_EQ(why, Refusal::address_full);
  auto p1 = limits.acquire("10.0.0.1", why);
  auto p2 = limits.acquire("10.0.0.1", why);
  EXPECT_TRUE(p1.held() && p2.held()) << "a trusted proxy is exempt from the per-address cap";
  EXPECT_FALSE(limits.acquire("192.0.2.9", why).held());
  EXPECT_EQ(why, Refusal::server_full);
  {
    auto moved = std::move(a1);  // a slot moves with its connection (HTTP to stream session)
    EXPECT_EQ(limits.total(), 4u);
  }
  EXPECT_EQ(limits.total(), 3u);
  EXPECT_EQ(limits.from("192.0.2.1"), 1u);
  EXPECT_TRUE(limits.acquire("192.0.2.1", why).held());
}

TEST(ThrottledLog, FoldsRepeatsIntoOneLinePerInterval) {
  orator::server::ThrottledLog log(std::chrono::seconds(60));
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(log.occur(t0), 1u);
  for (int i = 1; i <= 999; ++i) EXPECT_EQ(log.occur(t0 + std::chrono::milliseconds(i)), 0u);
  EXPECT_EQ(log.occur(t0 + std::chrono::seconds(61)), 1000u) << "999 folded in, plus this one";
}

TEST(LoginThrottle, BacksOffExponentiallyUpToAMinuteAndClearsOnSuccess) {
  orator::server::api::LoginThrottle throttle;
  using namespace std::chrono;
  const auto t0 = steady_clock::now();
  for (int i = 0; i < 5; ++i) {
    EXPECT_FALSE(throttle.wait("a@x", t0)) << "the first failures are free";
    throttle.failed("a@x", t0);
  }
  EXPECT_EQ(throttle.wait("a@x", t0), 1);
  EXPECT_FALSE(throttle.wait("a@x", t0 + seconds(1)));
  throttle.failed("a@x", t0 + seconds(1));
  EXPECT_EQ(throttle.wait("a@x", t0 + seconds(1)), 2);
  auto t = t0 + seconds(1);
  for (int i = 0; i < 20; ++i) throttle.failed("a@x", t += seconds(100));
  EXPECT_EQ(throttle.wait("a@x", t), 60) << "capped: never a lockout";
  EXPECT_FALSE(throttle.wait("b@x", t)) << "per account";
  throttle.succeeded("a@x");
  EXPECT_FALSE(throttle.wait("a@x", t));
}

TEST(HandleRequest, HealthIsUnhealthyWhenBackgroundWorkStalls) {
  orator::server::ServerContext ctx;
  orator::server::HttpRequest req{boost::beast::http::verb::get, "/health", 11};
  auto res = orator::server::health_response(req, ctx, {"ok", "the recording analysis queue is full", "ok", "ok", "ok", 0, 0});
  EXPECT_EQ(res.result_int(), 503);
  const auto body = boost::json::parse(res.body());
  EXPECT_EQ(body.at("status").as_string(), "unhealthy");
  EXPECT_EQ(body.at_pointer("/checks/queues").as_string(), "the recording analysis queue is full");
  res = orator::server::health_response(req, ctx, {"ok", "ok", "ok", "ok", "off", 0, 0});
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(boost::json::parse(res.body()).at("status").as_string(), "healthy") << "recognition switched off is not a fault";
  // Speech synthesis stuck: the rest still works, so degraded but 200.
  res = orator::server::health_response(req, ctx, {"ok", "ok", "ok", "the speech synthesis workers have not polled for 75 s", "ok", 0, 0});
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(boost::json::parse(res.body()).at("status").as_string(), "degraded");
}

std::vector<AdmissionControl::Ticket> admit(AdmissionControl& admission, int n) {
  std::vector<AdmissionControl::Ticket> tickets;
  for (int i = 0; i < n; ++i) tickets.push_back(admission.admit_stream());
  return tickets;
}

TEST(AdmissionControl, AFixedCapCountsTicketsFromTheMomentTheyAreGiven) {
  AdmissionControl admission;
  admission.configure({2, 0, 0, 0.5, 5});
  auto a = admission.admit_stream();
  auto b = admission.admit_stream();
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(admission.admit_stream()) << "two places, both taken";
  EXPECT_EQ(admission.refused_streams(), 1u);
  EXPECT_NE(admission.reason().find("capacity (2 streams)"), std::string::npos) << admission.reason();
  a.reset();
  EXPECT_EQ(admission.admitted(), 1u);
  EXPECT_TRUE(admission.admit_stream()) << "a released ticket frees its place";
}

TEST(AdmissionControl, CapacityIsLearnedFromTheMeasuredCostPerStream) {
  AdmissionControl admission;
  admission.configure({0, 0.75, 0.025, 0.5, 5});
  auto streams = admit(admission, 128);
  EXPECT_EQ(admission.capacity(), 0u) << "nothing measured yet: only the CPU and lag limit";
  admission.update({0.25, 0.25, 2, 0.001, 0});
  EXPECT_EQ(admission.capacity(), 0u) << "the 128 arrived during this second: they have not cost their share yet";
  // 128 streams at work cost half a core, of the machine's 2 cores: the
  // budget of 0.75 * 2 cores holds 384 at 1/256 of a core each.
  admission.update({0.5, 0.5, 2, 0.001, 0});
  EXPECT_EQ(admission.capacity(), 384u);
  for (int i = 0; i < 256; ++i) streams.push_back(admission.admit_stream());
  EXPECT_TRUE(streams.back());
  EXPECT_FALSE(admission.admit_stream()) << "the 385th would take the CPU past its share";
  EXPECT_FALSE(admission.shedding()) << "full is not overloaded: REST is served";
  // The 256 arrive within a second and cost only part of it: that second
  // teaches a higher cost (on the safe side), never a lower one.
  admission.update({1.0, 1.0, 2, 0.001, 0});
  const auto cautious = admission.capacity();
  EXPECT_LT(cautious, 384u);
  admission.update({1.5, 1.5, 2, 0.001, 0});  // all 384 at work: 1/256 each again
  const auto settled = admission.capacity();
  EXPECT_GT(settled, cautious) << "back towards 384";
  EXPECT_LE(settled, 384u);

  // Half of them finish at once, their assessments costing a burst of CPU:
  // that second does not teach a higher cost per stream.
  streams.resize(192);
  admission.update({1.5, 1.5, 2, 0.001, 0});
  EXPECT_EQ(admission.capacity(), settled);
}

// At capacity, a crowd of clients is refused: their connections cost the
// machine 0.4 of a core more, which is not what the admitted streams cost.
TEST(AdmissionControl, RefusalsDoNotTeachAHigherCostPerStream) {
  AdmissionControl admission;
  admission.configure({0, 0.75, 0.025, 0.5, 5});
  auto streams = admit(admission, 384);
  admission.update({0.25, 0.25, 2, 0.001, 0});
  admission.update({1.5, 1.5, 2, 0.001, 0});  // 1/256 of a core each
  ASSERT_EQ(admission.capacity(), 384u);
  for (int second = 0; second < 5; ++second) {
    for (int i = 0; i < 1000; ++i) EXPECT_FALSE(admission.admit_stream());
    admission.update({1.9, 1.9, 2, 0.001, 0});
    EXPECT_EQ(admission.capacity(), 384u) << "second " << second << " of the storm";
  }
  // The storm over, its places are given again as the streams end.
  streams.resize(380);
  admission.update({1.5, 1.5, 2, 0.001, 0});
  admission.update({1.48, 1.48, 2, 0.001, 0});
  EXPECT_TRUE(admission.admit_stream());
  // The same CPU without refusals is the streams' own: it teaches.
  admission.update({1.9, 1.9, 2, 0.001, 0});
  EXPECT_LT(admission.capacity(), 384u);
}

TEST(AdmissionControl, WhatTheMachineSpendsPerStreamIsItsCost) {
  AdmissionControl admission;
  admission.configure({0, 0.9, 0.025, 0.5, 5});
  auto streams = admit(admission, 100);
  admission.update({0.3, 0.15, 2, 0.001, 0});
  // The process spends 0.3 cores, its clients on the same machine as much
  // again: 0.006 cores per stream, and 0.9 * 2 cores hold 300.
  admission.update({0.6, 0.3, 2, 0.001, 0});
  EXPECT_EQ(admission.capacity(), 300u);
}

TEST(AdmissionControl, BusyCpuStopsStreamsAndLagShedsRestUntilCalm) {
  AdmissionControl admission;
  admission.configure({0, 0.85, 0.025, 0.5, 5});
  admission.update({1.9, 0.2, 2, 0.002, 0});  // 95% of the machine busy (someone else)
  std::vector<AdmissionControl::Ticket> few;
  for (int i = 0; i < 8; ++i) few.push_back(admission.admit_stream());
  EXPECT_TRUE(few.back()) << "four streams per core are let in however busy the machine";
  EXPECT_FALSE(admission.admit_stream());
  EXPECT_FALSE(admission.shedding());
  EXPECT_NE(admission.reason().find("CPU 95.00% busy"), std::string::npos) << admission.reason();
  admission.update({0.5, 0.2, 2, 0.002, 0});
  EXPECT_TRUE(admission.admit_stream()) << "the CPU came back";

  admission.note_loop_lag(0.040);  // one loop 40 ms late within the second
  admission.update({0.5, 0.2, 2, 0.001, 0});
  EXPECT_FALSE(admission.admit_stream()) << "a late loop admits no stream that second";
  EXPECT_FALSE(admission.shedding()) << "a lone spike refuses no request";
  admission.update({0.5, 0.2, 2, 0.030, 0});  // late again: the loops are behind
  EXPECT_TRUE(admission.shedding());
  EXPECT_FALSE(admission.admit_stream());
  EXPECT_NE(admission.reason().find("30 ms late"), std::string::npos) << admission.reason();
  // Recovery needs three calm seconds in a row; a late one starts the count again.
  admission.update({0.5, 0.2, 2, 0.002, 0});
  admission.update({0.5, 0.2, 2, 0.026, 0});
  admission.update({0.5, 0.2, 2, 0.002, 0});
  admission.update({0.5, 0.2, 2, 0.002, 0});
  EXPECT_TRUE(admission.shedding());
  admission.update({0.5, 0.2, 2, 0.002, 0});
  EXPECT_FALSE(admission.shedding());
  EXPECT_TRUE(admission.admit_stream());

  admission.update({0.5, 0.2, 2, 0.002, 0.8});  // the database queue 80% full
  EXPECT_TRUE(admission.shedding());
  EXPECT_NE(admission.reason().find("database queue"), std::string::npos) << admission.reason();
  for (int i = 0; i < 3; ++i) admission.update({0.5, 0.2, 2, 0.002, 0});
  EXPECT_FALSE(admission.shedding());
  admission.note_loop_lag(0.150);  // stalled: 150 ms late, six times the limit
  admission.update({0.5, 0.2, 2, 0.002, 0});
  EXPECT_TRUE(admission.shedding()) << "a stalled loop sheds at once";
}

#include <fstream>

#include "server/sessions/mapped_file.hpp"

namespace {

long resident_kb() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

}  // namespace

// The pages an upload's decoder has passed leave the process's memory (a long
// upload is not all resident at once), and reading them again still works.
TEST(MappedFile, PagesDroppedBehindTheReaderLeaveMemoryAndReadBackTheSame) {
  const orator::test_support::TempDir dir("orator-mapped");
  const std::string path = (dir.path() / "upload").string();
  constexpr std::size_t kSize = 32u << 20;
  {
    std::ofstream out(path, std::ios::binary);
    std::vector<char> chunk(1 << 20);
    for (std::size_t i = 0; i < kSize; i += chunk.size()) {
      for (std::size_t j = 0; j < chunk.size(); ++j) chunk[j] = static_cast<char>((i + j) * 7 / 4096);
      out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    }
  }
  orator::server::sessions::MappedFile file(path);
  ASSERT_TRUE(file.ok());
  const auto sum = [&] {
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < kSize; i += 512) total += file.bytes()[i];
    return total;
  };
  const long before = resident_kb();
  const std::uint64_t first = sum();  // every page faulted in
  const long read = resident_kb();
  file.drop_before(kSize / 2);
  const long half = resident_kb();
  file.drop_before(kSize);
  const long none = resident_kb();
  std::printf("  32 MiB mapped: RSS +%ld MB read, +%ld MB with half dropped, +%ld MB with all dropped\n", (read - before) / 1024,
              (half - before) / 1024, (none - before) / 1024);
  EXPECT_GE(read - before, 30 * 1024) << "reading faulted the pages in";
  EXPECT_LE(half - before, 18 * 1024);
  EXPECT_LE(none - before, 2 * 1024);
  EXPECT_EQ(sum(), first) << "the dropped pages read back from the file";
  file.drop_before(kSize / 4);  // a second pass from the start drops again
  EXPECT_LE(resident_kb() - before, 26 * 1024);
}

