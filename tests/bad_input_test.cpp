// Bad input against a running server: each case must get a clear error or
// close code, lose nothing already analysed, and leave a parallel healthy
// stream (and the server) untouched.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <opus.h>

#include <boost/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <thread>

#include "support/server_process.hpp"
#include "support/signals.hpp"
#include "support/stream_checks.hpp"
#include "support/ws_client.hpp"

namespace {
using namespace orator::test_support;

class BadInputTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // A small outgoing queue so a non-reading client is detected quickly.
    server_ = new ServerProcess({"--allow-anonymous-streams", "true", "--max-frame-bytes", "65536", "--max-queue-messages", "64", "--idle-timeout", "3"});
  }
  static void TearDownTestSuite() {
    EXPECT_EQ(server_->stop(SIGTERM), 0);
    delete server_;
  }

  // A healthy stream of the scenario, sent in real time-ish slices while the bad case runs.
  void SetUp() override {
    healthy_ = std::thread([this] {
      const auto sc = scenario(16000);
      WsClient client(server_->port(), "/v1/stream?session_id=healthy");
      for (std::size_t i = 0; i < sc.audio.size(); i += 1600) {
        client.send_f32(std::span<const float>(sc.audio.data() + i, std::min<std::size_t>(1600, sc.audio.size() - i)));
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      client.send_text(R"({"type":"stop"})");
      healthy_messages_ = client.read_all();
      healthy_close_ = client.close_code();
    });
  }
  void TearDown() override {
    healthy_.join();
    EXPECT_EQ(healthy_close_, 1000);
    check_scenario_stream(healthy_messages_, scenario(16000), {0.25, "healthy", false});
    EXPECT_TRUE(server_->running());
    EXPECT_EQ(http_get(server_->port(), "/health").first, 200);
  }

  static std::vector<std::string> error_codes(const std::vector<WsMessage>& messages) {
    std::vector<std::string> codes;
    for (const auto& m : messages)
      if (m.type() == "error") codes.emplace_back(m.json().as_object().at("code").as_string());
    return codes;
  }
  static boost::json::object assessment(const std::vector<WsMessage>& messages) {
    for (const auto& m : messages)
      if (m.type() == "assessment") return m.json().as_object();
    ADD_FAILURE() << "no assessment";
    return {};
  }

  static ServerProcess* server_;
  std::thread healthy_;
  std::vector<WsMessage> healthy_messages_;
  int healthy_close_ = 0;
};
ServerProcess* BadInputTest::server_ = nullptr;

const std::vector<float> kSecond = intoned_syllables(16000, 1.0, 150, 30, 0.1);

TEST_F(BadInputTest, MalformedJsonAndUnknownTypeAreReportedAndTheStreamGoesOn) {
  WsClient client(server_->port(), "/v1/stream");
  client.send_f32(kSecond);
  client.send_text("{not json");
  client.send_text(R"({"type":"dance"})");
  client.send_text(R"([1,2,3])");
  client.send_f32(kSecond);
  const auto messages = stop_and_collect(client);
  EXPECT_EQ(error_codes(messages), (std::vector<std::string>{"INVALID_JSON", "UNKNOWN_MESSAGE_TYPE", "INVALID_MESSAGE"}));
  EXPECT_NEAR(number(assessment(messages).at("duration")), 2.0, 0.01);
}

TEST_F(BadInputTest, AudioBeforeAValidFormatIsRejectedUntilAValidStart) {
  WsClient client(server_->port(), "/v1/stream");
  client.send_text(R"({"type":"start","codec":"mp3","sample_rate":16000})");
  client.send_f32(kSecond);  // no valid format yet: dropped
  client.send_text(R"({"type":"start","codec":"f32","sample_rate":96000})");
  client.send_text(R"({"type":"start","codec":"f32","sample_rate":16000,"interval_ms":1000})");
  client.send_f32(kSecond);
  client.send_text(R"({"type":"start","codec":"s16"})");  // too late: audio has started
  const auto messages = stop_and_collect(client);
  EXPECT_EQ(error_codes(messages),
            (std::vector<std::string>{"UNSUPPORTED_CODEC", "AUDIO_BEFORE_START", "INVALID_PARAMETER", "START_AFTER_AUDIO"}));
  EXPECT_NEAR(number(assessment(messages).at("duration")), 1.0, 0.01) << "only the accepted second is analysed";
}

TEST_F(BadInputTest, UnknownCodecInTheQueryStringGetsAnError) {
  WsClient client(server_->port(), "/v1/stream?codec=flac");
  const auto first = client.read();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->type(), "error");
  EXPECT_EQ(first->json().as_object().at("code").as_string(), "UNSUPPORTED_CODEC");
  client.send_text(R"({"type":"start","codec":"f32"})");
  client.send_f32(kSecond);
  const auto messages = stop_and_collect(client);
  EXPECT_NEAR(number(assessment(messages).at("duration")), 1.0, 0.01);
}

TEST_F(BadInputTest, OddLengthS16PayloadsAreDroppedAndGoodOnesKept) {
  WsClient client(server_->port(), "/v1/stream?codec=s16");
  client.send_s16(kSecond);
  const std::vector<std::uint8_t> odd(321, 0);
  client.send_binary(odd);
  client.send_binary(std::span<const std::uint8_t>());
  client.send_s16(kSecond);
  const auto messages = stop_and_collect(client);
  EXPECT_EQ(error_codes(messages), (std::vector<std::string>{"INVALID_AUDIO", "INVALID_AUDIO"}));
  EXPECT_NEAR(number(assessment(messages).at("duration")), 2.0, 0.01);
}

TEST_F(BadInputTest, CorruptOpusPacketsAreDroppedAndGoodOnesKept) {
  int err = 0;
  const std::unique_ptr<OpusEncoder, void (*)(OpusEncoder*)> enc(
      opus_encoder_create(16000, 1, OPUS_APPLICATION_VOIP, &err), opus_encoder_destroy);
  ASSERT_EQ(err, OPUS_OK);
  WsClient client(server_->port(), "/v1/stream?codec=opus");
  std::vector<unsigned char> packet(1500);
  for (std::size_t pos = 0; pos + 320 <= kSecond.size(); pos += 320) {
    const int n = opus_encode_float(enc.get(), kSecond.data() + pos, 320, packet.data(), 1500);
    ASSERT_GT(n, 0);
    client.send_binary(std::span<const std::uint8_t>(packet.data(), static_cast<std::size_t>(n)));
    if (pos == 3200) {
      // Garbage, a truncated code-3 packet, and a packet claiming 48 frames of 60 ms.
      const std::vector<std::uint8_t> garbage = {0xff, 0xff, 0xff, 0xff, 0x00, 0x13};
      const std::vector<std::uint8_t> truncated = {0x03};
      const std::vector<std::uint8_t> too_long = {0x1b, 0x30, 0x00};
      client.send_binary(garbage);
      client.send_binary(truncated);
      client.send_binary(too_long);
    }
  }
  const auto messages = stop_and_collect(client);
  EXPECT_EQ(error_codes(messages), (std::vector<std::string>{"INVALID_AUDIO", "INVALID_AUDIO", "INVALID_AUDIO"}));
  EXPECT_NEAR(number(assessment(messages).at("duration")), 1.0, 0.01);
}

TEST_F(BadInputTest, OversizedFrameClosesWith1009) {
  WsClient client(server_->port(), "/v1/stream");
  client.send_f32(kSecond);
  const std::vector<float> huge(70000, 0.0f);  // 280 kB > 64 KiB limit
  client.send_f32(huge);
  const auto messages = client.read_all();
  EXPECT_EQ(client.close_code(), 1009);
  EXPECT_TRUE(server_->wait_for_log("frame larger than max-frame-bytes (closed with 1009)"));
}

TEST_F(BadInputTest, ClientThatNeverReadsIsDisconnected) {
  // A tiny receive window and no reads: the server's queue fills and it hangs up.
  WsClient client(server_->port(), "/v1/stream?interval_ms=100", 4096);
  const auto noise = white_noise(16000, 1.0, 0.05);
  bool disconnected = false;
  try {
    for (int i = 0; i < 3000; ++i) client.send_f32(noise);  // up to 50 minutes of audio
  } catch (const std::exception&) {
    disconnected = true;
  }
  EXPECT_TRUE(disconnected) << "the server should drop a client that does not read";
  EXPECT_TRUE(server_->wait_for_log("client is not reading"));
}

TEST_F(BadInputTest, AbruptDisconnectKeepsWhatWasAnalysed) {
  WsClient client(server_->port(), "/v1/stream?session_id=abrupt-1&interval_ms=1000");
  client.send_f32(kSecond);
  client.send_f32(kSecond);
  // Wait until the server has analysed both seconds, then vanish (RST: unread data is pending).
  read_until_analysed(client, 2.0);
  client.drop();
  EXPECT_TRUE(server_->wait_for_log("stream abrupt-1 interrupted: 2.0 s audio")) << server_->log();
}

TEST_F(BadInputTest, ConnectionClosedWithoutCloseFrameAnalysesEverythingSent) {
  WsClient client(server_->port(), "/v1/stream?session_id=abrupt-2");
  client.send_f32(kSecond);
  client.send_f32(kSecond);
  client.send_f32(kSecond);
  client.half_close();  // FIN after the audio, no close frame, no stop
  EXPECT_TRUE(server_->wait_for_log("stream abrupt-2 interrupted: 3.0 s audio")) << server_->log();
}

TEST_F(BadInputTest, IdleStreamIsClosedWithItsAssessment) {
  WsClient client(server_->port(), "/v1/stream");
  client.send_f32(kSecond);
  const auto messages = client.read_all(10);  // idle timeout is 3 s
  EXPECT_EQ(client.close_code(), 1008);
  const auto codes = error_codes(messages);
  EXPECT_NE(std::find(codes.begin(), codes.end(), "IDLE_TIMEOUT"), codes.end());
  EXPECT_EQ(assessment(messages).at("status").as_string(), "interrupted");
  EXPECT_NEAR(number(assessment(messages).at("duration")), 1.0, 0.01);
}

}  // namespace

namespace orator::test_support {
namespace {

// The tests' HTTP client against a server that takes the connection and
// never answers: it gives up at its deadline and says which request, where
// it used to wait for ever (a CTest timeout, and no word of what hung).
TEST(TestHttpClient, GivesUpOnAServerThatNeverAnswers) {
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in at{};
  at.sin_family = AF_INET;
  at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&at), sizeof at), 0);
  ASSERT_EQ(listen(listener, 1), 0);
  socklen_t size = sizeof at;
  ASSERT_EQ(getsockname(listener, reinterpret_cast<sockaddr*>(&at), &size), 0);
  std::thread silent([listener] {
    const int connection = accept(listener, nullptr, nullptr);
    std::this_thread::sleep_for(std::chrono::seconds(2));  // longer than the deadline below
    close(connection);
  });
  setenv("ORATOR_TEST_HTTP_ANSWER_S", "1", 1);
  const auto start = std::chrono::steady_clock::now();
  std::string what;
  try {
    (void)http_request(ntohs(at.sin_port), "GET", "/v1/never");
  } catch (const std::exception& e) {
    what = e.what();
  }
  const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  unsetenv("ORATOR_TEST_HTTP_ANSWER_S");
  silent.join();
  close(listener);
  EXPECT_EQ(what, "no answer within 1 s to GET /v1/never");
  EXPECT_LT(waited, 3.0);
}

}  // namespace
}  // namespace orator::test_support
