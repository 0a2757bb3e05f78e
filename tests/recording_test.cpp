// Sessions created with record: true keep their audio, served as WAV at
// GET /v1/sessions/{id}/audio: from live streams (completed or cut off) and
// from uploads, on SQLite and on PostgreSQL.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <thread>

#include "support/api_fixture.hpp"
#include "support/signals.hpp"
#include "support/stream_checks.hpp"
#include "support/wav.hpp"

namespace {
using namespace orator::test_support;
namespace json = boost::json;

class RecordingTest : public ApiTest {
 protected:
  json::value wait_until_not(const std::string& id, const std::string& token, const std::string& status) {
    json::value s;
    for (int i = 0; i < 250; ++i) {
      s = call("GET", "/v1/sessions/" + id, "", token).json();
      if (s.at("status").as_string() != status) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return s;
  }
  // The recording as a decoded WAV, or nullopt with the HTTP status reported.
  std::optional<Wav> audio_of(const std::string& id, const std::string& token, int* status = nullptr) {
    const auto r = call("GET", "/v1/sessions/" + id + "/audio", "", token);
    if (status) *status = r.status;
    if (r.status != 200) return std::nullopt;
    EXPECT_EQ(r.headers.at("content-type"), "audio/wav");
    const std::string path = server_->dir() + "/" + id + ".wav";
    std::ofstream(path, std::ios::binary) << r.body;
    return read_wav(path);
  }
  std::string create(const std::string& token, const std::string& body) {
    const auto r = call("POST", "/v1/sessions", body, token);
    EXPECT_EQ(r.status, 201) << r.body;
    return std::string(r.json().at("id").as_string());
  }
};

// Largest sample difference between what was sent and what was kept.
double max_difference(const std::vector<float>& sent, const std::vector<float>& kept) {
  double worst = 0;
  for (std::size_t i = 0; i < std::min(sent.size(), kept.size()); ++i)
    worst = std::max(worst, static_cast<double>(std::fabs(sent[i] - kept[i])));
  return worst;
}

TEST_P(RecordingTest, StreamedAudioIsKeptSampleForSample) {
  const std::string token = token_of(signup("ada@example.com"));
  const std::string id = create(token, R"({"type":"presentation","record":true})");
  const auto created = call("GET", "/v1/sessions/" + id, "", token).json();
  EXPECT_EQ(created.at("record"), true);
  EXPECT_EQ(created.at("audioUrl").as_string(), "/v1/sessions/" + id + "/audio");
  int status = 0;
  EXPECT_FALSE(audio_of(id, token, &status));
  EXPECT_EQ(status, 404) << "nothing recorded yet";

  const auto sc = scenario(16000);  // at the analysis rate: kept exactly, up to 16-bit rounding
  {
    WsClient ws(port(), "/v1/sessions/" + id + "/stream", 0, {{"Authorization", "Bearer " + token}});
    send_f32_frames(ws, sc.audio, 16000, 1, 20);
    check_scenario_stream(stop_and_collect(ws), sc, {0.25, id, false});
  }
  EXPECT_EQ(wait_until_not(id, token, "live").at("status"), "completed");
  const auto wav = audio_of(id, token);
  ASSERT_TRUE(wav);
  EXPECT_EQ(wav->sample_rate, 16000);
  EXPECT_EQ(wav->channels, 1);
  EXPECT_EQ(wav->samples.size(), sc.audio.size());
  const double diff = max_difference(sc.audio, wav->samples);
  std::printf("  recording: %zu samples kept of %zu sent, max difference %.2e (16-bit step 3.1e-05)\n",
              wav->samples.size(), sc.audio.size(), diff);
  EXPECT_LT(diff, 2.0 / 32767);

  // Only the owner can fetch it; sessions without record: true keep nothing.
  const std::string other = token_of(signup("other@example.com"));
  EXPECT_FALSE(audio_of(id, other, &status));
  EXPECT_EQ(status, 404);
  const std::string plain = create(token, R"({"type":"presentation"})");
  EXPECT_FALSE(audio_of(plain, token, &status));
  EXPECT_EQ(status, 404);
  EXPECT_EQ(call("POST", "/v1/sessions", R"({"record":"yes"})", token).status, 400);
}

TEST_P(RecordingTest, ResampledStreamsAndCutOffStreamsKeepTheirAudio) {
  const std::string token = token_of(signup("ada@example.com"));
  // No session created beforehand: record=true on the stream URL. 48 kHz in, 16 kHz kept.
  const auto sc = scenario(48000);
  {
    WsClient ws(port(), "/v1/stream?codec=f32&sample_rate=48000&record=true&access_token=" + token);
    send_f32_frames(ws, sc.audio, 48000, 1, 20);
    (void)stop_and_collect(ws);
  }
  const auto list = call("GET", "/v1/sessions", "", token).json();
  ASSERT_EQ(list.at("data").as_array().size(), 1u);
  const std::string id(list.at_pointer("/data/0/id").as_string());
  EXPECT_EQ(wait_until_not(id, token, "live").at("status"), "completed");
  auto wav = audio_of(id, token);
  ASSERT_TRUE(wav);
  EXPECT_EQ(wav->sample_rate, 16000);
  EXPECT_NEAR(static_cast<double>(wav->samples.size()) / 16000, 9.0, 0.01);
  // Speech where the scenario speaks, silence in its pause (2 s to 4 s is speech, 4.3 to 4.7 s pause).
  auto rms = [&](double from, double to) {
    double sum = 0;
    const auto a = static_cast<std::size_t>(from * 16000), b = static_cast<std::size_t>(to * 16000);
    for (std::size_t i = a; i < b; ++i) sum += wav->samples[i] * wav->samples[i];
    return std::sqrt(sum / static_cast<double>(b - a));
  };
  EXPECT_NEAR(rms(2.0, 4.0), 0.1, 0.02);
  EXPECT_LT(rms(4.3, 4.7), 0.01);

  // Cut off after 12 s (two chunks written while live): everything sent is kept.
  const std::string cut = create(token, R"({"record":true})");
  {
    const auto long_audio = scenario(16000).audio;
    std::vector<float> twelve(long_audio);
    twelve.insert(twelve.end(), long_audio.begin(), long_audio.begin() + 3 * 16000);
    WsClient ws(port(), "/v1/sessions/" + cut + "/stream?access_token=" + token);
    send_f32_frames(ws, twelve, 16000, 1, 20);
    read_until_analysed(ws, 11.5);
    // A drop with unread messages sends RST, which discards whatever the
    // server has not read yet: give it time to read the last frames.
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    ws.drop();
  }
  EXPECT_EQ(wait_until_not(cut, token, "live").at("status"), "interrupted");
  wav = audio_of(cut, token);
  ASSERT_TRUE(wav);
  EXPECT_NEAR(static_cast<double>(wav->samples.size()) / 16000, 12.0, 0.01);
}

TEST_P(RecordingTest, UploadsKeepTheirAudio) {
  const std::string token = token_of(signup("ada@example.com"));
  const std::string id = create(token, R"({"record":true})");
  const std::string body = wav_bytes(Wav{22050, 1, scenario(22050).audio});
  ASSERT_EQ(http_request(port(), "POST", "/v1/sessions/" + id + "/upload", body, {{"Authorization", "Bearer " + token}},
                         "audio/wav").status, 202);
  EXPECT_EQ(wait_until_not(id, token, "processing").at("status"), "completed");
  const auto wav = audio_of(id, token);
  ASSERT_TRUE(wav);
  EXPECT_NEAR(static_cast<double>(wav->samples.size()) / 16000, 9.0, 0.01);
}

INSTANTIATE_TEST_SUITE_P(Backends, RecordingTest, ::testing::Values("sqlite", "postgresql"));

}  // namespace
