#pragma once
// One live analysis stream over WebSocket (docs/protocol.md).
//
// Every handler runs on the connection's strand, so the session's state
// needs no locks. Reads are one at a time; writes go through a bounded queue
// (messages and bytes): a client that stops reading is disconnected rather
// than growing server memory. Whatever ends the stream (stop, error, limit,
// idle timeout, server shutdown, disconnect), the analysis is finalised once.
//
// Templated on the transport below the WebSocket (PlainStream or TlsStream,
// server/transport.hpp); both are instantiated in stream_session.cpp.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <boost/asio/steady_timer.hpp>

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dsp/analyzer.hpp"
#include "protocol/audio_decoder.hpp"
#include "protocol/messages.hpp"
#include "protocol/recording.hpp"
#include "server/http_handler.hpp"
#include "server/server_context.hpp"
#include "server/stream_route.hpp"
#include "server/transcription/live_transcription.hpp"
#include "server/transport.hpp"
#include "storage/store.hpp"

namespace orator::server {

struct RecordingWrites;  // chunk writes in flight (stream_session.cpp)

template <class NextLayer>
class StreamSession final : public LiveStream,
                            public std::enable_shared_from_this<StreamSession<NextLayer>>,
                            private dsp::AnalysisSink {
 public:
  StreamSession(NextLayer&& stream, ServerContext& context, StreamIdentity identity);
  ~StreamSession() override;

  // Accepts the upgrade request and starts the stream.
  void run(HttpRequest request, StreamRoute route);
  void shutdown() override;

 private:
  using CloseCode = boost::beast::websocket::close_code;

  void on_accept(boost::beast::error_code ec);
  void do_read();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void handle_text(std::string_view text);
  void handle_audio(std::span<const std::uint8_t> frame);
  bool ensure_analyzer();
  // The session's own settings govern: fills them in, or says why `params`
  // contradict them (the mode is then the session's).
  [[nodiscard]] std::optional<protocol::ProtocolError> apply_session_settings(protocol::StreamParams& params) const;
  void arm_idle_timer();

  // Ends the stream: final analysis, assessment sent (when the socket is
  // still usable), then a close with `code`.
  void finish(bool completed, CloseCode code, std::string_view reason);
  // Ends the stream without sending anything (the peer is gone).
  void abandon(std::string_view why);
  // Finalising waits for a live recogniser to finish its words (bounded),
  // then complete_finalise makes, stores and sends the assessment once.
  void finalise(bool completed);
  void complete_finalise(bool completed, std::optional<std::vector<speech::Word>> words);
  // Decides what a stream that asks for a transcript gets (ready's "transcript").
  void decide_transcript();
  void send_ready();
  void on_transcript_update(speech::RecognizerUpdate update);
  [[nodiscard]] bool keeps_audio() const;
  // After the assessment of a deferred stream: report the transcription job's
  // status (processing messages) until it is done or failed, bounded, then close.
  void poll_transcription_job();
  void on_job_status(const std::string& status);
  void reject(std::string_view code, std::string_view message);  // counts toward the error limit
  // Persistence, on the database worker pool (never blocking the strand).
  void store_checkpoint();
  void store_final(const dsp::Assessment& assessment, const std::string& report_json,
                   std::optional<storage::TranscriptRecord> transcript, bool queue_transcription);
  void store_recording_chunk(protocol::PcmChunk&& chunk);

  void send(std::string message, bool final_message = false);
  // Drops queued messages, except one a write is still reading from.
  void discard_queue();
  void do_write();
  void on_write(boost::beast::error_code ec, std::size_t bytes);
  void do_close();

  dsp::AnalysisSink& sink() { return *this; }
  // dsp::AnalysisSink
  void on_vad(bool speech_start, double t) override;
  void on_nudge(const dsp::Nudge& nudge, const dsp::NudgeInputs& inputs) override;
  void on_metrics(const dsp::IntervalMetrics& metrics) override;
  void on_analysis_audio(std::span<const float> samples16k) override;

  boost::beast::websocket::stream<NextLayer> ws_;
  boost::beast::flat_buffer buffer_;
  boost::asio::steady_timer idle_timer_;
  ServerContext& ctx_;
  StreamIdentity identity_;
  double next_checkpoint_ = 0;

  protocol::StreamParams params_;
  std::optional<protocol::ProtocolError> query_error_;  // reported once the upgrade completes
  bool format_valid_ = true;   // false after a rejected start/query, until a valid start
  bool audio_started_ = false;
  std::unique_ptr<protocol::AudioDecoder> decoder_;
  std::unique_ptr<dsp::StreamAnalyzer> analyzer_;
  std::vector<float> pcm_;
  int errors_ = 0;
  std::optional<protocol::RecordingBuffer> recording_;  // record: true sessions
  std::shared_ptr<RecordingWrites> recording_writes_;

  // Recognition (docs/protocol.md, "transcript").
  protocol::TranscriptDelivery delivery_ = protocol::TranscriptDelivery::off;
  std::unique_ptr<transcription::LiveTranscription> live_asr_;
  bool asr_lagging_ = false;          // the recogniser fell behind: transcribed after the stream instead
  bool assessment_pending_ = false;   // finalised, waiting for the recogniser's last words
  bool assessment_done_ = false;
  bool awaiting_job_ = false;         // the close waits for the transcription job's outcome
  std::string job_status_ = "queued";
  std::chrono::steady_clock::time_point job_deadline_;

  std::deque<std::string> queue_;
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool registered_ = false;
  bool finished_ = false;       // analysis finalised
  bool dead_ = false;           // socket unusable or closed: nothing more is sent
  std::optional<CloseCode> close_after_writes_;
  std::string close_reason_;
};

extern template class StreamSession<PlainStream>;
extern template class StreamSession<TlsStream>;

}  // namespace orator::server
