#pragma once
// One live analysis stream without its socket: the protocol's state machine
// (docs/protocol.md), the analysis, live recognition and the session's
// persistence, driven by whatever carries the messages. StreamSession is the
// WebSocket transport over it; unit tests drive it with a transport of their
// own.
//
// Thread-safety: every call, and every callback it gets through its
// transport (post, timer), runs on one strand; the controller takes no locks.
// Whatever ends the stream (stop, error, limit, idle timeout, shutdown,
// disconnect), the analysis is finalised exactly once and the session stored.
#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dsp/analyzer.hpp"
#include "protocol/audio_decoder.hpp"
#include "protocol/messages.hpp"
#include "protocol/recording.hpp"
#include "server/server_context.hpp"
#include "server/sessions/report_spill_file.hpp"
#include "server/stream_route.hpp"
#include "speech/pronunciation.hpp"
#include "speech/recognizer.hpp"

namespace orator::server::transcription {
class LiveTranscription;
}
namespace orator::server::pronunciation {
class LivePronunciation;
}

namespace orator::server::sessions {

class RecordingWriter;
struct StreamEnding;

// WebSocket close codes the stream ends with (RFC 6455).
enum class CloseCode : std::uint16_t { normal = 1000, going_away = 1001, policy = 1008, too_big = 1009, internal_error = 1011 };

// What the controller needs of the connection under it.
class StreamTransport {
 public:
  // Runs a task on the stream's strand; callable from any thread, and
  // outliving the stream (a task for a stream that is gone is dropped).
  using Post = std::function<void(std::function<void()>)>;

  virtual ~StreamTransport() = default;
  // Queues a text message. Final messages (the assessment and what follows it)
  // are never dropped for a slow reader; others may disconnect one.
  virtual void send(std::string message, bool final_message) = 0;
  // Closes with `code` once the queued messages are written. Called once.
  virtual void close(CloseCode code, std::string_view reason) = 0;
  // False once the peer is gone or the socket failed: nothing more arrives there.
  [[nodiscard]] virtual bool connected() const = 0;
  [[nodiscard]] virtual Post poster() = 0;
  // The stream's one timer: `task` runs on the strand after `seconds` unless
  // re-armed or cancelled first. A pending timer keeps the stream alive.
  virtual void arm_timer(double seconds, std::function<void()> task) = 0;
  virtual void cancel_timer() = 0;
};

class StreamController final : private dsp::AnalysisSink {
 public:
  StreamController(ServerContext& context, StreamIdentity identity, StreamTransport& transport);
  ~StreamController() override;
  StreamController(const StreamController&) = delete;
  StreamController& operator=(const StreamController&) = delete;

  // Before the upgrade: parameters from the query string and the path.
  void configure(const StreamRoute& route);
  // The connection is open: ready (or the query's error) is sent.
  void on_open();
  void on_text(std::string_view text);
  void on_audio(std::span<const std::uint8_t> frame);
  // The peer is gone: finalised and stored; nothing is sent.
  void on_disconnect(std::string_view why);
  // Server shutdown: finalised, assessment sent, closed with 1001.
  void on_shutdown();

  // The analysis is finalised (no more input is taken).
  [[nodiscard]] bool finished() const { return finished_; }
  [[nodiscard]] const std::string& session_id() const { return params_.session_id; }

 private:
  void stop_counting();
  template <class Handler>
  void guarded(Handler&& handler);
  void handle_text(std::string_view text);
  void handle_audio(std::span<const std::uint8_t> frame);
  bool ensure_analyzer();
  // The session's own settings govern: fills them in, or says why `params`
  // contradict them (the mode is then the session's).
  [[nodiscard]] std::optional<protocol::ProtocolError> apply_session_settings(protocol::StreamParams& params) const;
  void arm_idle_timer();
  void reject(std::string_view code, std::string_view message);  // counts toward the error limit
  void send(std::string message, bool final_message = false);

  // Ends the stream: final analysis, assessment sent (while connected),
  // then a close with `code`.
  void finish(bool completed, CloseCode code, std::string_view reason);
  // Finalising waits for a live recogniser's last words (bounded), then
  // complete_finalise makes, stores and sends the assessment once.
  void finalise(bool completed);
  void complete_finalise(bool completed, std::optional<std::vector<speech::Word>> words);
  // With a target, the whole attempt's pronunciation comes first (bounded): true while it is awaited.
  bool await_pronunciation(bool completed, std::optional<std::vector<speech::Word>>& words);
  void close_when_done();

  // Recognition (docs/protocol.md, "transcript").
  void decide_transcript();
  void send_ready();
  void on_transcript_update(speech::RecognizerUpdate update);
  // Pronunciation against a target (docs/protocol.md, "pronunciation"): set
  // up with ready, or refused with an error (the stream goes on without it).
  void decide_pronunciation();
  [[nodiscard]] std::optional<boost::json::object> pronunciation_report(const dsp::Assessment& a, StreamEnding* ending) const;
  [[nodiscard]] bool keeps_audio() const;
  // After a deferred stream's assessment: report the transcription job's
  // status (processing messages) until done or failed, bounded, then close.
  void poll_transcription_job();
  void on_job_status(const std::string& status);

  dsp::AnalysisSink& sink() { return *this; }
  // dsp::AnalysisSink
  void on_vad(bool speech_start, double t) override;
  void on_nudge(const dsp::Nudge& nudge, const dsp::NudgeInputs& inputs) override;
  void on_metrics(const dsp::IntervalMetrics& metrics) override;
  void on_analysis_audio(std::span<const float> samples16k) override;

  ServerContext& ctx_;
  StreamIdentity identity_;
  StreamTransport& transport_;
  double next_checkpoint_ = 0;

  protocol::StreamParams params_;
  std::optional<protocol::ProtocolError> query_error_;  // reported once the connection is open
  bool format_valid_ = true;   // false after a rejected start/query, until a valid start
  bool audio_started_ = false;
  std::unique_ptr<protocol::AudioDecoder> decoder_;
  std::optional<ReportSpillFile> report_spill_;  // before analyzer_: it reads the file to the end
  std::unique_ptr<dsp::StreamAnalyzer> analyzer_;
  std::vector<float> pcm_;
  int errors_ = 0;
  std::optional<protocol::RecordingBuffer> recording_;  // kept audio (record, or a transcript to make)
  std::unique_ptr<RecordingWriter> recording_writer_;

  protocol::TranscriptDelivery delivery_ = protocol::TranscriptDelivery::off;
  std::unique_ptr<transcription::LiveTranscription> live_asr_;
  bool asr_lagging_ = false;          // the recogniser fell behind: transcribed after the stream instead
  bool assessment_pending_ = false;   // finalised, waiting for the recogniser's last words
  bool assessment_done_ = false;
  bool awaiting_job_ = false;         // the close waits for the transcription job's outcome
  std::string job_status_ = "queued";
  bool job_query_in_flight_ = false;
  std::chrono::steady_clock::time_point job_deadline_;
  const std::chrono::steady_clock::time_point created_at_ = std::chrono::steady_clock::now();

  std::unique_ptr<pronunciation::LivePronunciation> live_pronunciation_;
  std::string pronunciation_text_;    // the target as written
  bool pronunciation_cut_ = false;    // the stream outlasted what is assessed
  bool pronunciation_awaited_ = false;
  bool pronunciation_ready_ = false;  // the final pass is in (or given up on)
  std::optional<speech::PronunciationAssessment> pronunciation_result_;
  std::optional<std::vector<speech::Word>> final_words_;

  bool finished_ = false;             // analysis finalised
  bool metrics_sent_ = false;         // the frame being analysed completed an interval
  std::optional<std::size_t> counted_codec_;  // counted in ServerMetrics::streams_active
  bool disconnected_ = false;         // the peer is gone: nothing more is sent
  std::optional<CloseCode> close_code_;
  std::string close_reason_;
};

}  // namespace orator::server::sessions
