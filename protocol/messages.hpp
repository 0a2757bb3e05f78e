#pragma once
// Stream messages (docs/protocol.md): parsing client text frames and query
// parameters, and serialising every server message. Pure functions; thread-safe.
#include <optional>
#include <string>
#include <string_view>

#include "dsp/analyzer.hpp"
#include "dsp/assessment.hpp"
#include "dsp/mode.hpp"
#include "dsp/nudge_engine.hpp"
#include "protocol/audio_decoder.hpp"

namespace orator::protocol {

inline constexpr int kProtocolVersion = 1;

struct StreamParams {
  AudioFormat format;
  std::string session_id;
  dsp::Mode mode = dsp::Mode::presentation;
  bool mode_given = false;   // named by the client (query or start), not defaulted
  std::string lang = "en-US";
  std::string target_text;
  int interval_ms = 250;
};

struct ProtocolError {
  std::string code;     // e.g. INVALID_JSON, UNSUPPORTED_CODEC
  std::string message;
};

// Applies one stream parameter (query string or `start` field given as text).
// Unknown keys are ignored so clients may send extra parameters.
[[nodiscard]] std::optional<ProtocolError> apply_param(StreamParams& params, std::string_view key, std::string_view value);

struct ClientMessage {
  enum class Kind { start, stop, invalid } kind = Kind::invalid;
  StreamParams params;   // for start: the current parameters updated by the message
  ProtocolError error;   // for invalid
};

// Parses a text frame. `current` seeds a start message's parameters.
[[nodiscard]] ClientMessage parse_client_message(std::string_view text, const StreamParams& current);

// Server messages, serialised as compact JSON text.
[[nodiscard]] std::string ready_json(const StreamParams& params);
[[nodiscard]] std::string metrics_json(const dsp::IntervalMetrics& m);
[[nodiscard]] std::string nudge_json(const dsp::Nudge& nudge, const dsp::NudgeInputs& inputs);
[[nodiscard]] std::string vad_json(bool speech_start, double t);
[[nodiscard]] std::string error_json(std::string_view code, std::string_view message);
[[nodiscard]] std::string assessment_json(const std::string& session_id, const dsp::Assessment& a);

}  // namespace orator::protocol
