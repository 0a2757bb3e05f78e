// GET /metrics against a running server: off without --metrics-token, only
// for its bearer, and its counters follow a real stream (frames in, messages
// out, a decode error, a nudge, the latency histograms).
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <sstream>
#include <string>
#include <thread>

#include "support/server_process.hpp"
#include "support/signals.hpp"
#include "support/stream_checks.hpp"
#include "support/ws_client.hpp"

namespace {
using namespace orator::test_support;

const std::string kToken = "a-metrics-token-long-enough";

// "name{labels} value" lines of the exposition.
std::map<std::string, double> samples(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.rfind(' ');
    out[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return out;
}

HttpResult scrape(int port, const std::string& token) {
  return http_request(port, "GET", "/metrics", "", {{"Authorization", "Bearer " + token}});
}

TEST(Metrics, OffWithoutATokenAndOnlyForItsBearer) {
  ServerProcess plain({"--asr-threads", "0"});
  EXPECT_EQ(http_request(plain.port(), "GET", "/metrics").status, 404);
  ServerProcess server({"--asr-threads", "0", "--metrics-token", kToken});
  EXPECT_EQ(http_request(server.port(), "GET", "/metrics").status, 401);
  const auto wrong = scrape(server.port(), kToken + "x");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.headers.at("www-authenticate"), "Bearer");
  const auto ok = scrape(server.port(), kToken);
  ASSERT_EQ(ok.status, 200);
  EXPECT_EQ(ok.headers.at("content-type").rfind("text/plain; version=0.0.4", 0), 0u);
  EXPECT_EQ(server.log().find(kToken), std::string::npos) << "the token is never logged";
  // A guessable token is refused at start.
  const std::string cmd = std::string(ORATOR_SERVER_BINARY) +
                          " --port 0 --data-dir /tmp/orator-metrics-short --metrics-token short > /dev/null 2>&1";
  const int status = std::system(cmd.c_str());
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0) << status;
}

TEST(Metrics, CountersFollowARealStream) {
  ServerProcess server({"--asr-threads", "0", "--metrics-token", kToken, "--allow-anonymous-streams", "true"});
  const auto before = samples(scrape(server.port(), kToken).body);
  EXPECT_EQ(before.at("orator_streams_active{codec=\"f32\"}"), 0);

  // 12 s of syllables at 8 a second: fast for presentation (too_fast), plus one undecodable frame.
  WsClient client(server.port(), "/v1/stream?codec=f32&sample_rate=16000&mode=presentation");
  const auto audio = syllable_train(16000, 12.0, 8.0, 140, 0.1);
  send_f32_frames(client, std::vector<float>(audio.begin(), audio.begin() + 16000), 16000, 1, 20);
  // The frames are handled on the stream's own strand: look until they have been.
  double active = 0;
  for (int i = 0; i < 100 && active == 0; ++i) {
    active = samples(scrape(server.port(), kToken).body).at("orator_streams_active{codec=\"f32\"}");
    if (active == 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(active, 1);
  const std::uint8_t odd[3] = {1, 2, 3};  // not a whole number of f32 samples
  client.send_binary(odd);
  send_f32_frames(client, std::vector<float>(audio.begin() + 16000, audio.end()), 16000, 1, 20);
  const auto messages = stop_and_collect(client);
  ASSERT_FALSE(messages.empty());

  const auto after = samples(scrape(server.port(), kToken).body);
  const double frames = after.at("orator_audio_frames_received_total") - before.at("orator_audio_frames_received_total");
  std::printf("  one 12 s stream: %.0f frames in, %.0f bytes, %.0f messages out, %.0f decode errors, too_fast %.0f, "
              "%.0f metrics latencies observed\n",
              frames, after.at("orator_audio_bytes_received_total"), after.at("orator_stream_messages_sent_total"),
              after.at("orator_audio_decode_errors_total"), after.at("orator_nudges_total{code=\"too_fast\"}"),
              after.at("orator_metrics_latency_seconds_count"));
  EXPECT_EQ(frames, 12.0 * 50 + 1);  // 20 ms frames and the bad one
  EXPECT_EQ(after.at("orator_audio_decode_errors_total"), 1);
  EXPECT_GE(after.at("orator_stream_messages_sent_total"), 48);  // a metrics message every 250 ms, at least
  EXPECT_GE(after.at("orator_nudges_total{code=\"too_fast\"}"), 1);
  EXPECT_GE(after.at("orator_metrics_latency_seconds_count"), 47);
  EXPECT_EQ(after.at("orator_metrics_latency_seconds_bucket{le=\"+Inf\"}"), after.at("orator_metrics_latency_seconds_count"));
  EXPECT_GT(after.at("orator_event_loop_lag_seconds_count"), 0);
  EXPECT_EQ(after.at("orator_streams_active{codec=\"f32\"}"), 0) << "the stream ended";
  EXPECT_EQ(after.at("orator_streams_started_total"), 1);
}

}  // namespace
