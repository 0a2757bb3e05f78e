// Admission control against a running server: beyond capacity a stream is
// accepted only to be told SERVER_OVERLOADED (retry_after) and closed with
// 1013, while the streams already admitted finish whole; once one ends its
// place is free again. Overloaded (here: any event-loop lag counts), REST
// answers 503 with Retry-After, streams are refused, /health still answers,
// and /metrics counts it all. A full worker queue answers 503 with
// Retry-After on every path that needs a worker.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/server_process.hpp"
#include "support/signals.hpp"
#include "support/stream_checks.hpp"
#include "support/ws_client.hpp"

namespace {
using namespace orator::test_support;

const std::string kToken = "an-admission-metrics-token";
const std::string kStream = "/v1/stream?codec=f32&sample_rate=16000&mode=presentation";

double metric(int port, const std::string& name) {
  const auto res = http_request(port, "GET", "/metrics", "", {{"Authorization", "Bearer " + kToken}});
  std::istringstream in(res.body);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
  ADD_FAILURE() << name << " is not in /metrics";
  return -1;
}

// A stream refused by admission control: the error message, then close 1013.
void expect_refused(int port, const std::string& why) {
  WsClient refused(port, kStream);
  const auto first = refused.read(5.0);
  ASSERT_TRUE(first.has_value()) << why;
  const auto error = first->json().as_object();
  EXPECT_EQ(error.at("type").as_string(), "error");
  EXPECT_EQ(error.at("code").as_string(), "SERVER_OVERLOADED") << first->data;
  EXPECT_EQ(number(error.at("retry_after")), 7);
  EXPECT_FALSE(error.at("message").as_string().empty());
  EXPECT_FALSE(refused.read(5.0).has_value()) << "nothing follows the refusal";
  EXPECT_EQ(refused.close_code(), 1013) << why;
}

// The 101 of a refused upgrade carries Retry-After too.
void expect_retry_after_on_upgrade(int port) {
  const auto res = http_request(port, "GET", kStream, "",
                                {{"Connection", "Upgrade"}, {"Upgrade", "websocket"}, {"Sec-WebSocket-Version", "13"},
                                 {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}});
  EXPECT_EQ(res.status, 101);
  ASSERT_TRUE(res.headers.count("retry-after")) << "the 101 names when to come back";
  EXPECT_EQ(res.headers.at("retry-after"), "7");
}

TEST(Admission, StreamsBeyondCapacityAreRefusedWith1013AndTheAdmittedOnesFinish) {
  ServerProcess server({"--asr-threads", "0", "--allow-anonymous-streams", "true", "--max-streams", "2",
                        "--overload-retry-after", "7", "--metrics-token", kToken});
  const auto audio = syllable_train(16000, 3.0, 4.0, 140, 0.1);
  auto first = std::make_unique<WsClient>(server.port(), kStream);
  WsClient second(server.port(), kStream);
  ASSERT_EQ(first->read()->type(), "ready");
  ASSERT_EQ(second.read()->type(), "ready");
  send_f32_frames(*first, audio, 16000, 1, 20);
  send_f32_frames(second, audio, 16000, 1, 20);

  expect_refused(server.port(), "a third stream on a server that takes two");
  expect_retry_after_on_upgrade(server.port());
  EXPECT_EQ(metric(server.port(), "orator_streams_admitted"), 2);
  EXPECT_EQ(metric(server.port(), "orator_streams_refused_overload_total"), 2);
  // REST is not refused: the server is full, not overloaded.
  EXPECT_EQ(http_request(server.port(), "GET", "/v1/sessions").status, 401);

  // The admitted streams are whole, and a place frees when one ends.
  for (WsClient* client : {first.get(), &second}) {
    const auto messages = stop_and_collect(*client);
    ASSERT_FALSE(messages.empty());
    EXPECT_EQ(messages.back().type(), "assessment");
  }
  first.reset();
  bool admitted = false;
  for (int i = 0; i < 100 && !admitted; ++i) {
    if (metric(server.port(), "orator_streams_admitted") == 0) admitted = true;
    else std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(admitted) << "the finished streams give their places back";
  WsClient third(server.port(), kStream);
  EXPECT_EQ(third.read()->type(), "ready");
  send_f32_frames(third, audio, 16000, 1, 20);
  EXPECT_EQ(stop_and_collect(third).back().type(), "assessment");
}

TEST(Admission, AnOverloadedServerRefusesRestAndStreamsButStillAnswersHealth) {
  // Any lag at all counts as overload: the once-a-second check turns it on.
  ServerProcess server({"--asr-threads", "0", "--allow-anonymous-streams", "true", "--admission-loop-lag-ms", "0.000001",
                        "--overload-retry-after", "7", "--metrics-token", kToken});
  HttpResult res;
  for (int i = 0; i < 60 && res.status != 503; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    res = http_request(server.port(), "POST", "/v1/auth/register", R"({"email":"a@example.com","password":"a long password 1"})");
  }
  ASSERT_EQ(res.status, 503) << res.body;
  EXPECT_EQ(res.json().at("error").at("code").as_string(), "SERVER_OVERLOADED");
  EXPECT_EQ(res.headers.at("retry-after"), "7");
  EXPECT_NE(std::string(res.json().at("error").at("message").as_string()).find("late"), std::string::npos) << res.body;
  expect_refused(server.port(), "a stream on an overloaded server");
  EXPECT_EQ(http_get(server.port(), "/health").first, 200) << "health is how a balancer sees the instance at all";
  EXPECT_EQ(metric(server.port(), "orator_admission_overloaded"), 1);
  EXPECT_GE(metric(server.port(), "orator_requests_refused_overload_total"), 1);
  EXPECT_TRUE(server.wait_for_log("refusing new streams and REST")) << server.log();
}

// One database worker with a queue of one, kept full by sign-ins (each a
// slow KDF): whatever needs a worker is refused 503 with Retry-After, REST
// and stream upgrades alike, and the server serves again once they stop.
TEST(Admission, AFullWorkerQueueAnswers503WithRetryAfterOnEveryPath) {
  ServerProcess server({"--asr-threads", "0", "--db-pool-size", "1", "--db-queue", "1", "--auth-rate-limit", "1000000",
                        "--rate-limit", "1000000", "--admission-cpu", "0", "--admission-loop-lag-ms", "0"});
  const std::string login = R"({"email":"busy@example.com","password":"a long enough password"})";
  const auto registered = http_request(server.port(), "POST", "/v1/auth/register", login);
  ASSERT_EQ(registered.status, 201) << registered.body;
  const std::string bearer = "Bearer " + std::string(registered.json().at("access_token").as_string());

  std::atomic<bool> stop{false};
  std::atomic<int> signins_refused{0}, signins_without_retry_after{0};
  std::vector<std::thread> crowd;
  for (int i = 0; i < 4; ++i)
    crowd.emplace_back([&] {
      while (!stop) {
        const auto r = http_request(server.port(), "POST", "/v1/auth/login", login);
        if (r.status != 503) continue;
        ++signins_refused;
        if (!r.headers.count("retry-after") || r.headers.at("retry-after") != "2") ++signins_without_retry_after;
      }
    });
  HttpResult listing, upgrade;
  for (int i = 0; i < 400 && (listing.status != 503 || upgrade.status != 503); ++i) {
    if (listing.status != 503) listing = http_request(server.port(), "GET", "/v1/sessions", "", {{"Authorization", bearer}});
    if (upgrade.status != 503)
      upgrade = http_request(server.port(), "GET", kStream, "",
                             {{"Authorization", bearer}, {"Connection", "Upgrade"}, {"Upgrade", "websocket"},
                              {"Sec-WebSocket-Version", "13"}, {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}});
  }
  stop = true;
  for (auto& t : crowd) t.join();
  std::printf("  a full queue of one: %d sign-ins refused while a listing and a stream upgrade were tried\n",
              signins_refused.load());
  EXPECT_GT(signins_refused.load(), 0);
  EXPECT_EQ(signins_without_retry_after.load(), 0);
  for (const auto* res : {&listing, &upgrade}) {
    ASSERT_EQ(res->status, 503) << res->body;
    EXPECT_EQ(res->json().at("error").at("code").as_string(), "INTERNAL_ERROR");
    ASSERT_TRUE(res->headers.count("retry-after")) << res->body;
    EXPECT_EQ(res->headers.at("retry-after"), "2");
  }
  // The queue drained: the same requests are served.
  EXPECT_EQ(http_request(server.port(), "GET", "/v1/sessions", "", {{"Authorization", bearer}}).status, 200);
  WsClient stream(server.port(), kStream, 0, {{"Authorization", bearer}});
  EXPECT_EQ(stream.read()->type(), "ready");
}

}  // namespace
