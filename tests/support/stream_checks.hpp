#pragma once
// Shared expectations for a streamed Scenario: message order, metrics cadence,
// speaking flags, pitch, VAD events, pauses and the assessment.
#include <string>
#include <vector>

#include "support/signals.hpp"
#include "support/ws_client.hpp"

namespace orator::test_support {

struct StreamExpectations {
  double interval_s = 0.25;
  std::string session_id;   // empty: any
  bool expect_start_ready = false;  // a second ready after an explicit start
};

// gtest assertions on the whole message list of one stream of `scenario`.
void check_scenario_stream(const std::vector<WsMessage>& messages, const Scenario& scenario, const StreamExpectations& expect);

// Sends stop, reads until the server closes, expects close code 1000; returns every message.
[[nodiscard]] std::vector<WsMessage> stop_and_collect(WsClient& client);

// Reads until a metrics message reports `seconds` of audio received (the
// server has analysed that much); fails the test if the stream ends first.
void read_until_analysed(WsClient& client, double seconds);

// Streams `audio` as f32 frames of `frame_ms`.
void send_f32_frames(WsClient& client, const std::vector<float>& audio, int rate, int channels, double frame_ms);

}  // namespace orator::test_support
