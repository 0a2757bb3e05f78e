// The load-test harness end to end, briefly: a few real-time streams (f32 and
// Opus) against the real server, every metrics message received and timed.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "support/server_process.hpp"
#include "support/signals.hpp"
#include "support/wav.hpp"

namespace {
using namespace orator::test_support;

boost::json::value run_loadtest(int port, int pid, const std::string& wav, const std::string& codec, const std::string& json_path) {
  const std::string cmd = std::string(ORATOR_LOADTEST_BINARY) + " --port " + std::to_string(port) + " --wav " + wav +
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
    const auto report = run_loadtest(server.port(), server.pid(), wav, codec, server.dir() + "/" + codec + ".json");
    std::printf("  %s: %s\n", codec, boost::json::serialize(report.at("latency_ms")).c_str());
    EXPECT_EQ(report.at("errors").as_int64(), 0) << codec;
    EXPECT_EQ(report.at_pointer("/metrics/expected").as_int64(), 4 * 12);
    EXPECT_EQ(report.at_pointer("/metrics/received").as_int64(), 4 * 12);
    EXPECT_EQ(report.at("assessments").as_int64(), 4);
    EXPECT_EQ(report.at_pointer("/latency_ms/samples").as_int64(), 48) << "every interval timed";
    EXPECT_GT(report.at_pointer("/server/rss_mb_peak").to_number<double>(), 1.0) << "server sampled from /proc";
  }
}

}  // namespace
