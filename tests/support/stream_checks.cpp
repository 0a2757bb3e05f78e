#include "support/stream_checks.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cmath>
#include <cstdio>

namespace orator::test_support {
namespace json = boost::json;

namespace {
double num(const json::value& v) { return number(v); }
}  // namespace

std::vector<WsMessage> stop_and_collect(WsClient& client) {
  client.send_text(R"({"type":"stop"})");
  auto messages = client.read_all();
  EXPECT_EQ(client.close_code(), 1000);
  return messages;
}

void read_until_analysed(WsClient& client, double seconds) {
  double analysed = 0;
  while (analysed < seconds) {
    auto m = client.read();
    ASSERT_TRUE(m) << "the stream ended before " << seconds << " s were analysed";
    if (m->type() == "metrics") analysed = number(m->json().at_pointer("/data/t"));
  }
}

void send_f32_frames(WsClient& client, const std::vector<float>& audio, int rate, int channels, double frame_ms) {
  const auto frame = static_cast<std::size_t>(rate * frame_ms / 1000.0) * static_cast<std::size_t>(channels);
  for (std::size_t i = 0; i < audio.size(); i += frame)
    client.send_f32(std::span<const float>(audio.data() + i, std::min(frame, audio.size() - i)));
}

void check_scenario_stream(const std::vector<WsMessage>& messages, const Scenario& sc, const StreamExpectations& expect) {
  ASSERT_GE(messages.size(), 3u);
  ASSERT_EQ(messages.front().type(), "ready") << messages.front().data;
  // A start message may set the session id: the last ready is authoritative.
  json::object ready;
  for (const auto& m : messages)
    if (m.type() == "ready") ready = m.json().as_object();
  EXPECT_EQ(ready.at("protocol").as_int64(), 1);
  if (!expect.session_id.empty()) {
    EXPECT_EQ(ready.at("session_id").as_string(), expect.session_id);
  }
  ASSERT_EQ(messages.back().type(), "assessment") << messages.back().data;

  std::vector<json::object> metrics;
  std::vector<std::pair<std::string, double>> vad;
  int readies = 0;
  for (const auto& m : messages) {
    const std::string type = m.type();
    if (type == "metrics") metrics.push_back(m.json().as_object().at("data").as_object());
    else if (type == "vad") {
      const auto o = m.json().as_object();
      vad.emplace_back(std::string(o.at("event").as_string()), num(o.at("t")));
    } else if (type == "ready") ++readies;
    else if (type == "error") ADD_FAILURE() << "unexpected error: " << m.data;
  }
  EXPECT_EQ(readies, expect.expect_start_ready ? 2 : 1);

  // Cadence: one metrics per interval of audio, plus a final partial one when the duration is not a multiple.
  const double intervals = sc.duration / expect.interval_s;
  const auto expected = static_cast<std::size_t>(std::ceil(intervals - 1e-9));
  ASSERT_EQ(metrics.size(), expected);
  for (std::size_t i = 0; i + 1 < metrics.size(); ++i)
    EXPECT_NEAR(num(metrics[i].at("t")), static_cast<double>(i + 1) * expect.interval_s, 1e-3);
  EXPECT_NEAR(num(metrics.back().at("t")), sc.duration, 0.01);

  // is_speaking and pitch by interval, judged on the analysed span (which trails t by the look-ahead).
  int speaking_right = 0, judged = 0, pitch_right = 0, pitch_judged = 0;
  for (const auto& m : metrics) {
    const double end = num(m.at("analysed_t"));
    const double start = end - expect.interval_s;
    if (start < 0.3) continue;
    const Scenario::Segment* inside = nullptr;
    bool near_edge = false;
    for (const auto& seg : sc.speech) {
      if (start >= seg.start + 0.15 && end <= seg.end - 0.05) inside = &seg;
      if (std::abs(start - seg.start) < 0.4 || std::abs(end - seg.start) < 0.4 || std::abs(start - seg.end) < 0.4 ||
          std::abs(end - seg.end) < 0.4)
        near_edge = true;
    }
    if (near_edge) continue;
    ++judged;
    const bool speaking = m.at("is_speaking").as_bool();
    if (speaking == (inside != nullptr)) ++speaking_right;
    if (inside) {
      ++pitch_judged;
      if (!m.at("pitch").is_null()) {
        const double f0 = num(m.at("pitch"));
        if (f0 >= inside->f0_low && f0 <= inside->f0_high) ++pitch_right;
      }
    }
  }
  std::printf("  is_speaking right in %d/%d intervals, pitch in range in %d/%d\n", speaking_right, judged, pitch_right, pitch_judged);
  EXPECT_EQ(speaking_right, judged);
  EXPECT_GE(pitch_right, pitch_judged - 1);
  ASSERT_GT(pitch_judged, 0);

  // VAD events at the segment boundaries (within 100 ms).
  ASSERT_EQ(vad.size(), 2 * sc.speech.size()) << "vad events";
  for (std::size_t i = 0; i < sc.speech.size(); ++i) {
    EXPECT_EQ(vad[2 * i].first, "speech_start");
    EXPECT_NEAR(vad[2 * i].second, sc.speech[i].start, 0.1);
    EXPECT_EQ(vad[2 * i + 1].first, "speech_end");
    EXPECT_NEAR(vad[2 * i + 1].second, sc.speech[i].end, 0.1);
  }

  // Pauses: reported once, in metrics, with boundaries within 100 ms.
  std::vector<json::object> pauses;
  for (const auto& m : metrics)
    for (const auto& p : m.at("pauses").as_array()) pauses.push_back(p.as_object());
  ASSERT_EQ(pauses.size(), sc.speech.size() - 1);
  EXPECT_NEAR(num(pauses[0].at("start")), sc.speech[0].end, 0.1);
  EXPECT_NEAR(num(pauses[0].at("end")), sc.speech[1].start, 0.1);
  EXPECT_EQ(metrics.back().at("pause_count").as_int64(), 1);

  // Assessment.
  const auto a = messages.back().json().as_object();
  EXPECT_EQ(a.at("status").as_string(), "completed");
  if (!expect.session_id.empty()) {
    EXPECT_EQ(a.at("session_id").as_string(), expect.session_id);
  }
  EXPECT_NEAR(num(a.at("duration")), sc.duration, 0.02);
  double speech_total = 0;
  for (const auto& seg : sc.speech) speech_total += seg.end - seg.start;
  EXPECT_NEAR(num(a.at("speaking_time")), speech_total, 0.3);
  const auto& am = a.at("metrics").as_object();
  ASSERT_TRUE(am.at("pitch").is_object());
  const auto& pitch = am.at("pitch").as_object();
  EXPECT_GT(num(pitch.at("mean")), sc.speech.front().f0_low);
  EXPECT_LT(num(pitch.at("mean")), sc.speech.back().f0_high);
  EXPECT_GE(num(pitch.at("min")), 100.0);
  EXPECT_LE(num(pitch.at("max")), 270.0);
  EXPECT_TRUE(am.at("volume").is_object());
  EXPECT_EQ(am.at("pauses").as_array().size(), sc.speech.size() - 1);
  EXPECT_GT(num(am.at("pause_ratio")), 0.0);
  for (const char* score : {"overall", "clarity", "pace", "engagement", "confidence"}) {
    const auto v = a.at("scores").as_object().at(score).as_int64();
    EXPECT_GE(v, 0) << score;
    EXPECT_LE(v, 100) << score;
  }
  EXPECT_EQ(a.at("timeline").as_array().size(), static_cast<std::size_t>(std::ceil(sc.duration)));
  EXPECT_FALSE(a.at("feedback").as_array().empty());
  for (const auto& f : a.at("feedback").as_array()) {
    EXPECT_TRUE(f.as_object().at("metric").as_object().contains("name"));
    EXPECT_FALSE(f.as_object().at("message").as_string().empty());
  }
}

}  // namespace orator::test_support
