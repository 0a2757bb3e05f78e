// GET /metrics against a running server: off without --metrics-token, only
// for its bearer, and its counters follow a real stream (frames in, messages
// out, a decode error, a nudge, the latency histograms), and so do the
// database's and the upload queue's.
#include <gtest/gtest.h>

#include <boost/json.hpp>

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
#include "support/wav.hpp"
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

TEST(Metrics, TheDatabaseTheJobQueuesAndUploadsAreMeasured) {
  ServerProcess server({"--asr-threads", "0", "--metrics-token", kToken});
  const auto registered = http_request(server.port(), "POST", "/v1/auth/register",
                                       R"({"email":"ops@example.com","password":"a long enough password"})");
  ASSERT_EQ(registered.status, 201) << registered.body;
  const std::string token(boost::json::parse(registered.body).at("access_token").as_string());
  const std::vector<std::pair<std::string, std::string>> auth{{"Authorization", "Bearer " + token}};
  const auto upload = [&](const std::string& body) {
    const auto created = http_request(server.port(), "POST", "/v1/sessions", "{}", auth);
    EXPECT_EQ(created.status, 201) << created.body;
    const std::string id(boost::json::parse(created.body).at("id").as_string());
    const auto r = http_request(server.port(), "POST", "/v1/sessions/" + id + "/upload", body, auth, "audio/wav");
    EXPECT_EQ(r.status, 202) << r.body;
  };
  upload(wav_bytes(Wav{16000, 1, syllable_train(16000, 4.0, 4.0, 140, 0.1)}));
  upload(std::string(4000, 'x'));  // not audio: it fails in analysis

  // Analysis runs in the background, and the job queues are read once every 10 s.
  std::map<std::string, double> m;
  for (int i = 0; i < 150; ++i) {
    m = samples(scrape(server.port(), kToken).body);
    if (m["orator_uploads_analysed_total{outcome=\"completed\"}"] + m["orator_uploads_analysed_total{outcome=\"failed\"}"] == 2 &&
        m.count("orator_jobs{queue=\"transcription\",state=\"waiting\"}"))
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::printf("  database: %.0f leases (%.4f s held in all), %.0f pool waits, %.0f queued tasks; uploads: %.0f completed, %.0f failed\n",
              m["orator_db_query_seconds_count"], m["orator_db_query_seconds_sum"], m["orator_db_pool_wait_seconds_count"],
              m["orator_db_queue_wait_seconds_count"], m["orator_uploads_analysed_total{outcome=\"completed\"}"],
              m["orator_uploads_analysed_total{outcome=\"failed\"}"]);
  EXPECT_EQ(m["orator_uploads_analysed_total{outcome=\"completed\"}"], 1);
  EXPECT_EQ(m["orator_uploads_analysed_total{outcome=\"failed\"}"], 1);
  EXPECT_EQ(m["orator_uploads{state=\"receiving\"}"], 0);
  EXPECT_EQ(m["orator_uploads{state=\"queued\"}"], 0);
  EXPECT_EQ(m["orator_uploads{state=\"analysing\"}"], 0);
  // Registering, creating two sessions, two uploads and their analyses: a few dozen queries at least.
  EXPECT_GE(m["orator_db_query_seconds_count"], 10);
  EXPECT_GT(m["orator_db_query_seconds_sum"], 0);
  EXPECT_EQ(m["orator_db_query_seconds_bucket{le=\"+Inf\"}"], m["orator_db_query_seconds_count"]);
  EXPECT_GE(m["orator_db_pool_wait_seconds_count"], m["orator_db_query_seconds_count"]) << "every lease was waited for first";
  EXPECT_GE(m["orator_db_queue_wait_seconds_count"], 5) << "REST runs its database work on the worker threads";
  EXPECT_EQ(m["orator_db_pool_timeouts_total"], 0);
  ASSERT_TRUE(m.count("orator_long_request_queue_depth")) << "pronunciation uploads and translations have their own threads";
  EXPECT_EQ(m["orator_long_request_queue_depth"], 0);
  ASSERT_TRUE(m.count("orator_jobs{queue=\"transcription\",state=\"waiting\"}")) << "the job queues were read";
  EXPECT_EQ(m["orator_jobs{queue=\"transcription\",state=\"waiting\"}"], 0) << "recognition is off: nothing queued";
  EXPECT_EQ(m["orator_job_oldest_waiting_seconds{queue=\"transcription\"}"], 0);
  EXPECT_TRUE(m.count("orator_jobs{queue=\"speech_synthesis\",state=\"running\"}"));
  EXPECT_TRUE(m.count("orator_database_queue_oldest_seconds"));
}

// --log-format json: every line the server writes is one JSON object.
TEST(Metrics, JsonLogsAreOneObjectPerLine) {
  ServerProcess server({"--asr-threads", "0", "--log-format", "json"});
  EXPECT_EQ(http_request(server.port(), "GET", "/health").status, 200);
  const std::string log = server.log();
  std::istringstream in(log);
  int lines = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    ++lines;
    boost::system::error_code ec;
    const auto v = boost::json::parse(line, ec);
    ASSERT_FALSE(ec) << line;
    ASSERT_TRUE(v.is_object()) << line;
    EXPECT_TRUE(v.as_object().contains("time") && v.as_object().contains("level") && v.as_object().contains("message")) << line;
  }
  EXPECT_GE(lines, 3) << "the start-up lines at least:\n" << log;
}

}  // namespace
