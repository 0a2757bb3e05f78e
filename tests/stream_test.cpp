// The real server binary, streamed to over a real WebSocket: each supported
// format, the endpoint aliases, and nudges on the wire.
#include <gtest/gtest.h>
#include <opus.h>

#include <boost/json.hpp>

#include <cmath>
#include <memory>

#include "support/server_process.hpp"
#include "support/signals.hpp"
#include "support/stream_checks.hpp"
#include "support/ws_client.hpp"

namespace {
using namespace orator::test_support;

class StreamTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new ServerProcess({"--allow-anonymous-streams", "true"}); }
  static void TearDownTestSuite() {
    EXPECT_EQ(server_->stop(SIGTERM), 0);
    delete server_;
  }
  static ServerProcess* server_;
};
ServerProcess* StreamTest::server_ = nullptr;

// Encodes 48 kHz mono audio with libopus and sends one packet per frame,
// cycling through every legal duration: 2.5, 5, 10, 20, 40, 60 and 120 ms.
void send_opus_frames(WsClient& client, const std::vector<float>& audio48k) {
  int err = 0;
  const std::unique_ptr<OpusEncoder, void (*)(OpusEncoder*)> enc(
      opus_encoder_create(48000, 1, OPUS_APPLICATION_VOIP, &err), opus_encoder_destroy);
  ASSERT_EQ(err, OPUS_OK);
  opus_encoder_ctl(enc.get(), OPUS_SET_BITRATE(32000));
  const int sizes[] = {120, 240, 480, 960, 1920, 2880, 5760};
  std::vector<unsigned char> packet(4000);
  std::size_t pos = 0;
  for (int k = 0; pos + 120 <= audio48k.size(); ++k) {
    // The cycle's next duration, or the longest legal one that still fits.
    int choice = k % 7;
    while (pos + static_cast<std::size_t>(sizes[choice]) > audio48k.size()) --choice;
    const int n = sizes[choice];
    const int bytes = opus_encode_float(enc.get(), audio48k.data() + pos, n, packet.data(), 4000);
    ASSERT_GT(bytes, 0);
    client.send_binary(std::span<const std::uint8_t>(packet.data(), static_cast<std::size_t>(bytes)));
    pos += static_cast<std::size_t>(n);
  }
}

TEST_F(StreamTest, F32At48kHzFromQueryParameters) {
  const auto sc = scenario(48000);
  WsClient client(server_->port(), "/v1/stream?codec=f32&sample_rate=48000&session_id=f32-48k");
  send_f32_frames(client, sc.audio, 48000, 1, 20);
  const auto messages = stop_and_collect(client);
  check_scenario_stream(messages, sc, {0.25, "f32-48k", false});
}

TEST_F(StreamTest, S16At16kHzWithStartMessage) {
  const auto sc = scenario(16000);
  WsClient client(server_->port(), "/v1/stream");
  client.send_text(R"({"type":"start","codec":"s16","sample_rate":16000,"channels":1,"mode":"interview",)"
                   R"("session_id":"s16-16k","interval_ms":500,"lang":"en-GB"})");
  for (std::size_t i = 0; i < sc.audio.size(); i += 320)
    client.send_s16(std::span<const float>(sc.audio.data() + i, std::min<std::size_t>(320, sc.audio.size() - i)));
  client.send_text(R"({"eof":1})");
  const auto messages = client.read_all();
  EXPECT_EQ(client.close_code(), 1000);
  check_scenario_stream(messages, sc, {0.5, "s16-16k", true});
  const auto ready = messages.at(1).json().as_object();
  EXPECT_EQ(ready.at("type").as_string(), "ready");
  EXPECT_EQ(ready.at("codec").as_string(), "s16");
  EXPECT_EQ(ready.at("interval_ms").as_int64(), 500);
  // The live meters' targets are the interview's, not presentation's.
  const auto& targets = ready.at("targets").as_object();
  ASSERT_EQ(targets.at("wpm").as_array().size(), 2u);
  EXPECT_EQ(targets.at("wpm").as_array()[0].to_number<double>(), 160.0);
  EXPECT_EQ(targets.at("wpm").as_array()[1].to_number<double>(), 205.0);
  EXPECT_EQ(targets.at("too_fast_wpm").to_number<double>(), 220.0);
  EXPECT_EQ(targets.at("too_slow_wpm").to_number<double>(), 125.0);
  EXPECT_EQ(messages.back().json().as_object().at("mode").as_string(), "interview");
}

TEST_F(StreamTest, OpusAt48kHzWithEveryFrameDuration) {
  const auto sc = scenario(48000);
  WsClient client(server_->port(), "/v1/sessions/opus-48k/stream");
  client.send_text(R"({"type":"start","codec":"opus","sample_rate":48000})");
  send_opus_frames(client, sc.audio);
  const auto messages = stop_and_collect(client);
  check_scenario_stream(messages, sc, {0.25, "opus-48k", true});
}

TEST_F(StreamTest, StereoF32At44100ViaAnalysisAlias) {
  const auto mono = scenario(44100);
  std::vector<float> stereo(mono.audio.size() * 2);
  for (std::size_t i = 0; i < mono.audio.size(); ++i) stereo[2 * i] = stereo[2 * i + 1] = mono.audio[i];
  WsClient client(server_->port(), "/ws/analysis/stereo-44k?sample_rate=44100&channels=2&interval_ms=1000");
  send_f32_frames(client, stereo, 44100, 2, 40);
  const auto messages = stop_and_collect(client);
  check_scenario_stream(messages, mono, {1.0, "stereo-44k", false});
}

// A quiet speaker gets exactly one nudge, mirrored in the next metrics, in every format.
class QuietSpeaker : public StreamTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(QuietSpeaker, GetsOneNudgeMirroredInMetrics) {
  const std::string codec = GetParam();
  const int rate = codec == "s16" ? 16000 : 48000;
  // 20 s of continuous, lively speech at about -46 dBFS: audible to the VAD,
  // too quiet for a presentation; only the level is at fault.
  const auto quiet = intoned_syllables(rate, 20.0, 160, 50, std::pow(10.0, -46.0 / 20.0));
  WsClient client(server_->port(), "/v1/stream?mode=presentation&codec=" + codec + "&sample_rate=" + std::to_string(rate));
  if (codec == "opus") {
    send_opus_frames(client, quiet);
  } else if (codec == "s16") {
    for (std::size_t i = 0; i < quiet.size(); i += 320)
      client.send_s16(std::span<const float>(quiet.data() + i, std::min<std::size_t>(320, quiet.size() - i)));
  } else {
    send_f32_frames(client, quiet, rate, 1, 20);
  }
  const auto messages = stop_and_collect(client);
  int nudges = 0;
  bool mirrored = false;
  bool expecting_mirror = false;
  for (const auto& m : messages) {
    if (m.type() == "nudge") {
      ++nudges;
      const auto o = m.json().as_object();
      EXPECT_EQ(o.at("code").as_string(), "too_quiet") << m.data;
      EXPECT_EQ(o.at("message").as_string(), "Speak up a bit?");
      EXPECT_TRUE(o.at("data").as_object().at("is_speaking").as_bool());
      EXPECT_LT(number(o.at("data").at_pointer("/volume_db")), -40.0);
      EXPECT_GE(number(o.at("t")), 5.0);  // warm-up
      expecting_mirror = true;
    } else if (m.type() == "metrics" && expecting_mirror) {
      mirrored = m.json().at_pointer("/data/nudge") == "Speak up a bit?";
      expecting_mirror = false;
    }
  }
  EXPECT_EQ(nudges, 1) << "nudges are rare: one per cooldown";
  EXPECT_TRUE(mirrored);
  const auto a = messages.back().json().as_object();
  EXPECT_EQ(a.at("nudges").at_pointer("/too_quiet").as_int64(), 1);
  bool cites_volume = false;
  for (const auto& f : a.at("feedback").as_array())
    cites_volume = cites_volume || f.as_object().at("code") == "volume_low";
  EXPECT_TRUE(cites_volume);
}

INSTANTIATE_TEST_SUITE_P(Codecs, QuietSpeaker, ::testing::Values("f32", "s16", "opus"));

TEST_F(StreamTest, HealthAndErrorsOverHttp) {
  auto [status, body] = http_get(server_->port(), "/health");
  EXPECT_EQ(status, 200);
  EXPECT_EQ(boost::json::parse(body).as_object().at("status").as_string(), "healthy");
  std::tie(status, body) = http_get(server_->port(), "/v1/stream");
  EXPECT_EQ(status, 426);
  EXPECT_EQ(boost::json::parse(body).at_pointer("/error/code").as_string(), "UPGRADE_REQUIRED");
  std::tie(status, body) = http_get(server_->port(), "/no/such/thing");
  EXPECT_EQ(status, 404);
  EXPECT_EQ(boost::json::parse(body).at_pointer("/error/code").as_string(), "NOT_FOUND");
}

}  // namespace
