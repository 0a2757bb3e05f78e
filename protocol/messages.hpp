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
#include "speech/fluency.hpp"
#include "speech/pronunciation.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <span>

namespace orator::protocol {

inline constexpr int kProtocolVersion = 1;

struct StreamParams {
  AudioFormat format;
  std::string session_id;
  dsp::Mode mode = dsp::Mode::presentation;
  bool mode_given = false;   // named by the client (query or start), not defaulted
  std::string lang = "en-US";
  std::string target_text;
  std::string sentence_id;        // a sentence of the library as the target (instead of target_text)
  int interval_ms = 250;
  bool transcript = false;        // the client asks for recognition
  bool transcript_given = false;  // ... explicitly (query or start)
};

// What a stream that asked for a transcript gets (ready's "transcript").
enum class TranscriptDelivery { off, live, deferred };
[[nodiscard]] std::string_view delivery_name(TranscriptDelivery delivery);

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
// `pronunciation`: the target is assessed live (pronunciation messages follow).
[[nodiscard]] std::string ready_json(const StreamParams& params, TranscriptDelivery transcript = TranscriptDelivery::off,
                                     bool pronunciation = false);
[[nodiscard]] std::string metrics_json(const dsp::IntervalMetrics& m);
[[nodiscard]] std::string nudge_json(const dsp::Nudge& nudge, const dsp::NudgeInputs& inputs);
[[nodiscard]] std::string vad_json(bool speech_start, double t);
[[nodiscard]] std::string error_json(std::string_view code, std::string_view message);
// A stream refused by admission control, with how many seconds to wait before trying again.
[[nodiscard]] std::string overloaded_json(std::string_view message, int retry_after_seconds);
// `fluency`: the recogniser's report, when it ran (else recognizer: false);
// `pronunciation`: the assessment against the stream's target, when it had one.
[[nodiscard]] std::string assessment_json(const std::string& session_id, const dsp::Assessment& a,
                                          const speech::FluencyReport* fluency = nullptr,
                                          const boost::json::object* pronunciation = nullptr);
// One word of the target as assessed: {"type":"pronunciation", word, index, score, status, start, end,
// phones: [{phone, ipa, score, heard}]} (heard: the phone said instead, when one was).
[[nodiscard]] std::string pronunciation_json(const speech::WordAssessment& word);
// Words in the wire shape {word, start, end, conf, filler, marker}.
[[nodiscard]] boost::json::array words_json(std::span<const speech::Word> words);
[[nodiscard]] boost::json::object fluency_json(const speech::FluencyReport& fluency);
[[nodiscard]] std::string transcript_json(std::span<const speech::Word> words, bool final);
// {"type":"processing","stage":"transcript","status":...}
[[nodiscard]] std::string processing_json(std::string_view stage, std::string_view status);

}  // namespace orator::protocol
