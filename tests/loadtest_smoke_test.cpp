// The load-test harness end to end, briefly: a few real-time streams (f32 and
// Opus) against the real server, every metrics message received and timed.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <thread>

#include "support/server_process.hpp"
#include "support/stream_checks.hpp"
#include "support/test_certificate.hpp"
#include "support/ws_client.hpp"
#include "support/signals.hpp"
#include "support/wav.hpp"

namespace {
using namespace orator::test_support;
using Headers = std::vector<std::pair<std::string, std::string>>;

// `source`: "--wav FILE" or "--session ID --token T".
boost::json::value run_loadtest(int port, int pid, const std::string& source, const std::string& codec, const std::string& json_path) {
  const std::string cmd = std::string(ORATOR_LOADTEST_BINARY) + " --port " + std::to_string(port) + " " + source +
                          " --codec " + codec + " --streams 4 --duration 3 --ramp 0.5 --server-pid " + std::to_string(pid) +
                          " --json " + json_path + " > /dev/null 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::ifstream in(json_path);
  std::stringstream ss;
  ss << in.rdbuf();
  return boost::json::parse(ss.str());
}

TEST(LoadTestHarness, SmokeRunF32AndOpus) {
  ServerProcess server({"--allow-anonymous-streams", "true"});
  const std::string wav = server.dir() + "/speech.wav";
  write_wav(wav, Wav{16000, 1, intoned_syllables(16000, 4.0, 150, 40, 0.1)});
  for (const char* codec : {"f32", "opus"}) {
    const auto report = run_loadtest(server.port(), server.pid(), "--wav " + wav, codec, server.dir() + "/" + codec + ".json");
    std::printf("  %s: %s\n", codec, boost::json::serialize(report.at("latency_ms")).c_str());
    EXPECT_EQ(report.at("errors").as_int64(), 0) << codec;
    EXPECT_EQ(report.at_pointer("/metrics/expected").as_int64(), 4 * 12);
    EXPECT_EQ(report.at_pointer("/metrics/received").as_int64(), 4 * 12);
    EXPECT_EQ(report.at("assessments").as_int64(), 4);
    EXPECT_EQ(report.at_pointer("/latency_ms/samples").as_int64(), 48) << "every interval timed";
    EXPECT_GT(report.at_pointer("/server/rss_mb_peak").to_number<double>(), 1.0) << "server sampled from /proc";
  }
}

// wss: the harness verifies the server's certificate and resumes TLS
// sessions (or not, when told), and counts both.
TEST(LoadTestHarness, StreamsOverTlsWithAndWithoutResumption) {
  const auto& c = TestCertificate::get();
  if (c.cert.empty()) {
    if (std::getenv("CI")) FAIL() << "the openssl command is not installed (scripts/setup.sh --test installs it)";
    GTEST_SKIP() << "the openssl command is not installed (scripts/setup.sh --test installs it)";
  }
  ServerProcess server({"--tls-cert", c.cert, "--tls-key", c.key, "--allow-anonymous-streams", "true"});
  const std::string wav = server.dir() + "/speech.wav";
  write_wav(wav, Wav{16000, 1, intoned_syllables(16000, 4.0, 150, 40, 0.1)});
  for (const char* resume : {"true", "false"}) {
    const auto report = run_loadtest(server.port(), server.pid(), "--wav " + wav + " --tls true --tls-ca " + c.cert + " --tls-resume " + resume,
                                     "opus", server.dir() + "/tls-" + resume + ".json");
    std::printf("  tls, resumption %s: connect %s, %s\n", resume, boost::json::serialize(report.at("connect_ms")).c_str(),
                boost::json::serialize(report.at("tls")).c_str());
    EXPECT_EQ(report.at("errors").as_int64(), 0) << report.at("first_error");
    EXPECT_EQ(report.at_pointer("/metrics/received").as_int64(), 4 * 12);
    EXPECT_EQ(report.at_pointer("/connect_ms/opened").as_int64(), 4);
    const auto resumed = report.at_pointer("/tls/resumed").as_int64();
    if (std::string(resume) == "true") EXPECT_GE(resumed, 2) << "streams after the first resume its session";
    else EXPECT_EQ(resumed, 0);
  }
  // A certificate the harness was not told to trust is refused.
  const std::string other = server.dir() + "/other.pem";
  ASSERT_EQ(std::system(("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=other -keyout " +
                         server.dir() + "/other.key -out " + other + " > /dev/null 2>&1").c_str()), 0);
  const std::string untrusted = std::string(ORATOR_LOADTEST_BINARY) + " --port " + std::to_string(server.port()) + " --wav " + wav +
                                " --tls true --tls-ca " + other + " --streams 1 --duration 1 --json " + server.dir() + "/untrusted.json > /dev/null 2>&1";
  EXPECT_NE(std::system(untrusted.c_str()), 0);
  std::ifstream in(server.dir() + "/untrusted.json");
  std::stringstream refused;
  refused << in.rdbuf();
  EXPECT_NE(refused.str().find("TLS handshake"), std::string::npos) << refused.str();
}

TEST(LoadTestHarness, ReplaysARecordingTheServerKept) {
  ServerProcess server;
  const auto signup = http_request(server.port(), "POST", "/v1/auth/register",
                                   R"({"email":"load@example.com","password":"a long enough password"})");
  ASSERT_EQ(signup.status, 201) << signup.body;
  const std::string token(signup.json().at("access_token").as_string());
  const Headers auth{{"Authorization", "Bearer " + token}};
  const auto created = http_request(server.port(), "POST", "/v1/sessions", R"({"record":true})", auth);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id(created.json().at("id").as_string());
  {
    WsClient ws(server.port(), "/v1/sessions/" + id + "/stream", 0, auth);
    send_f32_frames(ws, intoned_syllables(16000, 4.0, 150, 40, 0.1), 16000, 1, 20);
    (void)stop_and_collect(ws);
  }
  for (int i = 0; i < 100 && http_request(server.port(), "GET", "/v1/sessions/" + id, "", auth).json().at("status") != "completed"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));

  const auto report = run_loadtest(server.port(), server.pid(), "--session " + id + " --token " + token, "f32",
                                   server.dir() + "/replay.json");
  EXPECT_EQ(report.at("errors").as_int64(), 0);
  EXPECT_EQ(report.at_pointer("/metrics/received").as_int64(), 4 * 12);
  EXPECT_EQ(report.at("assessments").as_int64(), 4);
  // The replays were stored as sessions of their own, beside the recorded one.
  EXPECT_EQ(http_request(server.port(), "GET", "/v1/sessions", "", auth).json().at_pointer("/pagination/total").as_int64(), 5);
  // Without credentials the harness refuses to start.
  const std::string bad = std::string(ORATOR_LOADTEST_BINARY) + " --port " + std::to_string(server.port()) + " --session " + id +
                          " > /dev/null 2>&1";
  EXPECT_NE(std::system(bad.c_str()), 0);
}

}  // namespace
