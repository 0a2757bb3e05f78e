// SIGINT/SIGTERM: the server stops accepting, finalises every live stream
// (assessment sent, close 1001) and exits 0.
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/json.hpp>

#include <thread>

#include "support/server_process.hpp"
#include "support/signals.hpp"
#include "support/ws_client.hpp"

namespace {
using namespace orator::test_support;

void graceful_stop_finalises_live_streams(int signal) {
  ServerProcess server({"--allow-anonymous-streams", "true"});
  const auto audio = intoned_syllables(16000, 3.0, 150, 30, 0.1);
  WsClient a(server.port(), "/v1/stream?session_id=live-a");
  WsClient b(server.port(), "/v1/stream?session_id=live-b&codec=s16");
  a.send_f32(audio);
  b.send_s16(audio);
  // Both streams are live once their metrics arrive.
  for (auto* c : {&a, &b}) {
    bool got_metrics = false;
    while (!got_metrics) {
      auto m = c->read();
      ASSERT_TRUE(m);
      got_metrics = m->type() == "metrics";
    }
  }
  // Clients keep reading while the server stops, as real ones do.
  int exit_code = -1;
  std::thread stopper([&] { exit_code = server.stop(signal); });
  std::vector<WsMessage> rest_a = a.read_all(), rest_b = b.read_all();
  stopper.join();
  EXPECT_EQ(exit_code, 0);
  for (auto* rest_ptr : {&rest_a, &rest_b}) {
    const auto& rest = *rest_ptr;
    auto* c = rest_ptr == &rest_a ? &a : &b;
    ASSERT_FALSE(rest.empty());
    ASSERT_EQ(rest.back().type(), "assessment");
    const auto report = rest.back().json().as_object();
    EXPECT_EQ(report.at("status").as_string(), "interrupted");
    EXPECT_NEAR(number(report.at("duration")), 3.0, 0.01);
    EXPECT_GT(number(report.at("speaking_time")), 2.5);
    EXPECT_EQ(c->close_code(), 1001);
  }
}

TEST(Shutdown, SigtermFinalisesLiveStreamsAndExitsZero) { graceful_stop_finalises_live_streams(SIGTERM); }
TEST(Shutdown, SigintFinalisesLiveStreamsAndExitsZero) { graceful_stop_finalises_live_streams(SIGINT); }

TEST(Shutdown, IdleServerStopsPromptly) {
  ServerProcess server;
  EXPECT_EQ(http_get(server.port(), "/health").first, 200);
  EXPECT_EQ(server.stop(SIGTERM, 5.0), 0);
}

}  // namespace
