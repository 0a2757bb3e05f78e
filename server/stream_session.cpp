#include "server/stream_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket.hpp>
#include <spdlog/spdlog.h>

#include <boost/beast/websocket/ssl.hpp>

#include <algorithm>
#include <condition_variable>
#include <mutex>

#include "dsp/constants.hpp"
#include "server/sessions/session_events.hpp"
#include "server/transcription/decoder_pool.hpp"
#include "server/transcription/transcription_jobs.hpp"
#include "server/transcription/transcript_result.hpp"
#include "server/api/api.hpp"
#include "server/api/recordings.hpp"
#include "storage/store.hpp"
#include "storage/worker_pool.hpp"

namespace orator::server {
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;

// How long the assessment waits for a live recogniser's last words (plus
// time for any backlog); past it the transcript is made after the stream.
constexpr double kAsrFinishSeconds = 10;
// How long a deferred stream stays open after its assessment, reporting the
// transcription job's progress; the client may close sooner and poll REST.
constexpr int kProcessingWaitSeconds = 120;

// Recording chunks are written by the worker pool, possibly out of order; the
// final report waits for them, so a completed session has all its audio.
struct RecordingWrites {
  std::mutex mutex;
  std::condition_variable idle;
  int pending = 0;

  void started() {
    std::lock_guard lock(mutex);
    ++pending;
  }
  void finished() {
    std::lock_guard lock(mutex);
    if (--pending == 0) idle.notify_all();
  }
  // Tasks run in submission order, so the chunks this waits for are already
  // running on other workers: bounded, and cannot deadlock.
  void wait_idle() {
    std::unique_lock lock(mutex);
    idle.wait_for(lock, std::chrono::seconds(30), [this] { return pending == 0; });
  }
};

template <class NextLayer>
StreamSession<NextLayer>::StreamSession(NextLayer&& stream, ServerContext& context, StreamIdentity identity)
    : ws_(std::move(stream)), idle_timer_(ws_.get_executor()), ctx_(context), identity_(std::move(identity)),
      next_checkpoint_(context.config.checkpoint_seconds) {
  ++ctx_.connections;
}

template <class NextLayer>
StreamSession<NextLayer>::~StreamSession() {
  if (registered_) ctx_.streams.remove(this);
  --ctx_.connections;
}

template <class NextLayer>
void StreamSession<NextLayer>::run(HttpRequest request, StreamRoute route) {
  // Parameters: query string first, then the path's session id.
  for (const auto& [key, value] : route.query) {
    if (auto err = protocol::apply_param(params_, key, value); err && !query_error_) query_error_ = err;
  }
  if (!route.path_session_id.empty()) {
    if (auto err = protocol::apply_param(params_, "session_id", route.path_session_id); err && !query_error_) query_error_ = err;
  }
  if (identity_.persistent()) params_.session_id = identity_.session_id;  // authorised before the upgrade
  if (params_.session_id.empty()) params_.session_id = random_id();
  if (auto err = apply_session_settings(params_); err && !query_error_) query_error_ = err;
  format_valid_ = !query_error_;

  ws_.set_option(websocket::stream_base::timeout{std::chrono::seconds(10), websocket::stream_base::none(), false});
  ws_.read_message_max(ctx_.config.max_frame_bytes);
  ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
    res.set(beast::http::field::server, "orator");
  }));
  beast::get_lowest_layer(ws_).expires_never();  // the websocket timeout and our idle timer govern
  ws_.async_accept(request, beast::bind_front_handler(&StreamSession::on_accept, this->shared_from_this()));
}

template <class NextLayer>
void StreamSession<NextLayer>::on_accept(beast::error_code ec) {
  if (ec) {
    spdlog::debug("websocket accept failed: {}", ec.message());
    return;
  }
  registered_ = true;
  ctx_.streams.add(this->shared_from_this());
  ++ctx_.streams_started;
  if (ctx_.events && identity_.persistent())
    ctx_.events->publish({sessions::SessionEventKind::started, identity_.session_id, identity_.user_id, {}});
  spdlog::info("stream {} opened", params_.session_id);
  if (ctx_.stopping) {
    finish(false, CloseCode::going_away, "server shutting down");
    return;
  }
  if (query_error_) reject(query_error_->code, query_error_->message + " (from the query string; send a valid start message)");
  else send_ready();
  arm_idle_timer();
  do_read();
}

template <class NextLayer>
void StreamSession<NextLayer>::shutdown() {
  net::dispatch(ws_.get_executor(), [self = this->shared_from_this()] {
    if (!self->finished_) {
      self->finish(false, CloseCode::going_away, "server shutting down");
    } else if (self->awaiting_job_) {  // the job outlives this process; the client can poll REST
      self->awaiting_job_ = false;
      self->idle_timer_.cancel();
      if (self->close_after_writes_ && !self->writing_) self->do_close();
    }
  });
}

template <class NextLayer>
std::optional<protocol::ProtocolError> StreamSession<NextLayer>::apply_session_settings(protocol::StreamParams& params) const {
  if (const auto wanted = identity_.session_transcript) {
    if (params.transcript_given && params.transcript != *wanted) {
      params.transcript = *wanted;
      params.transcript_given = false;
      return protocol::ProtocolError{"SESSION_MISMATCH", std::string("this session's settings have transcript: ") +
                                                             (*wanted ? "true" : "false") + "; a stream into it cannot change that"};
    }
    params.transcript = *wanted;
  }
  if (!identity_.session_mode) return std::nullopt;
  const auto session_mode = *identity_.session_mode;
  if (params.mode_given && params.mode != session_mode) {
    params.mode = session_mode;
    params.mode_given = false;
    return protocol::ProtocolError{"SESSION_MISMATCH", "this session is of type '" + std::string(dsp::mode_name(session_mode)) +
                                                           "'; a stream into it cannot use mode '" +
                                                           std::string(dsp::mode_name(params.mode)) + "'"};
  }
  params.mode = session_mode;
  return std::nullopt;
}

template <class NextLayer>
void StreamSession<NextLayer>::send_ready() {
  decide_transcript();
  send(protocol::ready_json(params_, delivery_));
}

template <class NextLayer>
void StreamSession<NextLayer>::decide_transcript() {
  live_asr_.reset();
  delivery_ = protocol::TranscriptDelivery::off;
  if (!params_.transcript) return;
  if (!speech::RecognizerModels::supports_language(params_.lang)) {
    reject("UNSUPPORTED_LANGUAGE", "recognition speaks English (lang en, en-US, en-GB, ...), not '" + params_.lang +
                                       "': this stream is analysed without a transcript");
    return;
  }
  if (ctx_.decoders) {
    if (auto lease = ctx_.decoders->try_acquire()) {
      // Updates come from the decoder's thread: back to this strand, and
      // only while the session lives.
      auto weak = this->weak_from_this();
      auto executor = ws_.get_executor();
      live_asr_ = std::make_unique<transcription::LiveTranscription>(
          std::move(lease), [weak, executor](speech::RecognizerUpdate update) {
            net::post(executor, [weak, update = std::move(update)]() mutable {
              if (auto self = weak.lock()) self->on_transcript_update(std::move(update));
            });
          });
      delivery_ = protocol::TranscriptDelivery::live;
      return;
    }
  }
  // Every decoder is busy (or recognition is off): keep the audio and
  // transcribe it after the stream, when there is somewhere to keep it.
  if (identity_.persistent() && ctx_.jobs && ctx_.workers) delivery_ = protocol::TranscriptDelivery::deferred;
}

template <class NextLayer>
void StreamSession<NextLayer>::on_transcript_update(speech::RecognizerUpdate update) {
  if (assessment_done_) return;
  if (analyzer_)
    for (const auto& w : update.finals) analyzer_->note_word(w.start, w.end, w.filler);
  if (!update.finals.empty()) send(protocol::transcript_json(update.finals, true));
  if (update.partial_changed) send(protocol::transcript_json(update.partial, false));
}

template <class NextLayer>
bool StreamSession<NextLayer>::keeps_audio() const {
  // A transcript request keeps the audio too, so the transcript can be made
  // (or made again) from it after the stream.
  return identity_.record || (identity_.persistent() && params_.transcript && delivery_ != protocol::TranscriptDelivery::off);
}

template <class NextLayer>
void StreamSession<NextLayer>::arm_idle_timer() {
  idle_timer_.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(ctx_.config.idle_timeout_seconds)));
  idle_timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
    if (ec || self->finished_) return;  // re-armed or cancelled
    self->send(protocol::error_json("IDLE_TIMEOUT", "no message from the client within the idle timeout"));
    self->finish(false, CloseCode::policy_error, "idle timeout");
  });
}

template <class NextLayer>
void StreamSession<NextLayer>::do_read() {
  ws_.async_read(buffer_, beast::bind_front_handler(&StreamSession::on_read, this->shared_from_this()));
}

template <class NextLayer>
void StreamSession<NextLayer>::on_read(beast::error_code ec, std::size_t) {
  if (ec) {
    if (finished_) return;  // the close handshake we started
    if (ec == websocket::error::message_too_big) abandon("frame larger than max-frame-bytes (closed with 1009)");
    else if (ec == websocket::error::closed) abandon("client closed without stop");
    else abandon(ec.message());
    return;
  }
  // A read in flight when the stream ended (idle, shutdown) may still bring
  // data: the assessment is already the last message, so it is ignored.
  if (finished_) return;
  try {
    arm_idle_timer();
    if (ws_.got_text()) {
      handle_text(beast::buffers_to_string(buffer_.data()));
    } else {
      const auto data = buffer_.data();
      handle_audio(std::span<const std::uint8_t>(static_cast<const std::uint8_t*>(data.data()), data.size()));
    }
  } catch (const std::exception& e) {
    spdlog::error("stream {}: internal error: {}", params_.session_id, e.what());
    send(protocol::error_json("INTERNAL_ERROR", "internal error while analysing the stream"));
    finish(false, CloseCode::internal_error, "internal error");
  }
  buffer_.consume(buffer_.size());
  if (!finished_) do_read();
}

template <class NextLayer>
void StreamSession<NextLayer>::handle_text(std::string_view text) {
  const auto msg = protocol::parse_client_message(text, params_);
  switch (msg.kind) {
    case protocol::ClientMessage::Kind::stop:
      finish(true, CloseCode::normal, "stream complete");
      return;
    case protocol::ClientMessage::Kind::start:
      if (audio_started_) {
        reject("START_AFTER_AUDIO", "start must come before the first audio frame; this one was ignored");
        return;
      }
      if (identity_.persistent() && msg.params.session_id != identity_.session_id) {
        reject("INVALID_PARAMETER", "session_id is fixed when the stream opens (put it in the URL); this start was ignored");
        return;
      }
      if (auto params = msg.params; auto err = apply_session_settings(params)) {
        reject(err->code, err->message + "; this start was ignored");
        return;
      } else {
        params_ = params;
      }
      format_valid_ = true;
      send_ready();
      return;
    case protocol::ClientMessage::Kind::invalid:
      // A rejected start leaves the stream waiting for a valid one.
      if (!audio_started_ && (msg.error.code == "INVALID_PARAMETER" || msg.error.code == "UNSUPPORTED_CODEC"))
        format_valid_ = false;
      reject(msg.error.code, msg.error.message);
      return;
  }
}

template <class NextLayer>
void StreamSession<NextLayer>::handle_audio(std::span<const std::uint8_t> frame) {
  if (!format_valid_) {
    reject("AUDIO_BEFORE_START", "no valid audio format yet: send a valid start message before audio; the frame was dropped");
    return;
  }
  if (!ensure_analyzer()) return;
  if (const auto status = decoder_->decode(frame, pcm_); status != protocol::DecodeStatus::ok) {
    reject("INVALID_AUDIO", std::string(protocol::describe(status)) + "; the frame was dropped");
    return;
  }
  analyzer_->push(pcm_);
  if (!finished_ && analyzer_->received_seconds() >= ctx_.config.max_stream_seconds) {
    send(protocol::error_json("STREAM_LIMIT", "the stream reached max-stream-seconds of audio and was ended"));
    finish(true, CloseCode::policy_error, "stream length limit");
  }
}

template <class NextLayer>
bool StreamSession<NextLayer>::ensure_analyzer() {
  if (analyzer_) return true;
  decoder_ = protocol::AudioDecoder::create(params_.format);
  if (!decoder_) {
    reject("UNSUPPORTED_FORMAT", "the audio format could not be set up");
    format_valid_ = false;
    return false;
  }
  dsp::AnalyzerConfig cfg{params_.mode, decoder_->output_rate(), params_.interval_ms};
  analyzer_ = std::make_unique<dsp::StreamAnalyzer>(ctx_.analysis, cfg, sink());
  audio_started_ = true;
  if (keeps_audio() && ctx_.workers) {
    recording_writes_ = std::make_shared<RecordingWrites>();
    recording_.emplace(dsp::kAnalysisRate, ctx_.config.max_record_seconds, api::kRecordingChunkSeconds,
                       [this](protocol::PcmChunk&& chunk) { store_recording_chunk(std::move(chunk)); });
  }
  spdlog::info("stream {} audio: {} {} Hz {} ch, mode {}", params_.session_id, protocol::codec_name(params_.format.codec),
               params_.format.sample_rate, params_.format.channels, dsp::mode_name(params_.mode));
  return true;
}

template <class NextLayer>
void StreamSession<NextLayer>::reject(std::string_view code, std::string_view message) {
  ++errors_;
  send(protocol::error_json(code, message));
  if (errors_ >= ctx_.config.max_errors_per_stream && !finished_) {
    send(protocol::error_json("TOO_MANY_ERRORS", "too many rejected messages; the stream was ended"));
    finish(false, CloseCode::policy_error, "too many errors");
  }
}

template <class NextLayer>
void StreamSession<NextLayer>::finalise(bool completed) {
  if (finished_) return;
  finished_ = true;
  idle_timer_.cancel();
  if (!analyzer_) {
    // No audio: still a (empty) report, in the format the client asked for.
    if (!format_valid_) params_.format = {};
    decoder_ = protocol::AudioDecoder::create(params_.format);
    analyzer_ = std::make_unique<dsp::StreamAnalyzer>(
        ctx_.analysis, dsp::AnalyzerConfig{params_.mode, decoder_ ? decoder_->output_rate() : 16000, params_.interval_ms}, sink());
  }
  if (live_asr_ && !asr_lagging_) {
    // The recogniser still holds the last utterance: wait for its words, at
    // most kAsrFinishSeconds (then the transcript is made after the stream).
    assessment_pending_ = true;
    auto weak = this->weak_from_this();
    auto executor = ws_.get_executor();
    live_asr_->finish([weak, executor, completed](std::vector<speech::Word> words, bool ok) {
      net::post(executor, [weak, completed, ok, words = std::move(words)]() mutable {
        if (auto self = weak.lock()) self->complete_finalise(completed, ok ? std::optional(std::move(words)) : std::nullopt);
      });
    });
    // Audio still queued for the decoder gets time too (a client may send
    // faster than real time), at a pessimistic two seconds per second.
    const double wait = kAsrFinishSeconds + 2.0 * live_asr_->backlog_seconds();
    idle_timer_.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(wait)));
    idle_timer_.async_wait([self = this->shared_from_this(), completed](beast::error_code ec) {
      if (!ec) self->complete_finalise(completed, std::nullopt);  // holds the session until then
    });
    return;
  }
  complete_finalise(completed, std::nullopt);
}

template <class NextLayer>
void StreamSession<NextLayer>::complete_finalise(bool completed, std::optional<std::vector<speech::Word>> words) {
  if (assessment_done_) return;
  assessment_done_ = true;
  assessment_pending_ = false;
  idle_timer_.cancel();
  dsp::Assessment a = analyzer_->finish(completed);
  if (recording_) recording_->flush();
  std::optional<transcription::TranscriptResult> transcript;
  if (words) {
    transcript = transcription::make_transcript(*words, params_.session_id, identity_.user_id, params_.lang, "live",
                                                api::Api::now_ms());
    dsp::rescore_with_words(a, transcript->evidence);
  }
  // Asked for, not made live, and the audio is kept: a background job makes it.
  const bool queue_transcription = params_.transcript && !words && recording_ && ctx_.jobs;
  spdlog::info("stream {} {}: {:.1f} s audio, {:.1f} s speech, {} pauses, overall score {}{}", params_.session_id,
               completed ? "completed" : "interrupted", a.duration, a.speaking_time, a.pauses.size(), a.scores.overall,
               transcript ? fmt::format(", {} words", transcript->fluency.words) : std::string());
  std::string report = protocol::assessment_json(params_.session_id, a, transcript ? &transcript->fluency : nullptr);
  if (identity_.persistent())
    store_final(a, report, transcript ? std::optional(transcript->record) : std::nullopt, queue_transcription);
  if (ctx_.events && identity_.persistent())
    ctx_.events->publish({completed ? sessions::SessionEventKind::finished : sessions::SessionEventKind::interrupted,
                          identity_.session_id, identity_.user_id, {}});
  live_asr_.reset();
  if (dead_) return;
  send(std::move(report), /*final_message=*/true);
  if (queue_transcription) {
    send(protocol::processing_json("transcript", "queued"), /*final_message=*/true);
    awaiting_job_ = true;
    job_deadline_ = std::chrono::steady_clock::now() + std::chrono::seconds(kProcessingWaitSeconds);
    poll_transcription_job();
  }
  if (close_after_writes_ && !writing_) do_close();
}

template <class NextLayer>
void StreamSession<NextLayer>::poll_transcription_job() {
  idle_timer_.expires_after(std::chrono::seconds(1));
  idle_timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
    if (ec || self->dead_ || !self->awaiting_job_) return;
    storage::Store* store = self->ctx_.store;
    auto executor = self->ws_.get_executor();  // read here, on the strand
    const bool queued = self->ctx_.workers->submit([self, store, executor] {
      std::string status = "queued";  // the job row may not be written yet
      try {
        if (auto job = store->latest_job(self->identity_.user_id, self->identity_.session_id, "")) status = job->status;
      } catch (const std::exception&) {
      }
      net::post(executor, [self, status] { self->on_job_status(status); });
    });
    if (!queued) self->on_job_status(self->job_status_);
  });
}

template <class NextLayer>
void StreamSession<NextLayer>::on_job_status(const std::string& status) {
  if (dead_ || !awaiting_job_) return;
  if (status != job_status_) {
    job_status_ = status;
    send(protocol::processing_json("transcript", status), /*final_message=*/true);
  }
  const bool over = status == "done" || status == "failed" || std::chrono::steady_clock::now() >= job_deadline_;
  if (!over) return poll_transcription_job();
  awaiting_job_ = false;
  if (close_after_writes_ && !writing_) do_close();
}

template <class NextLayer>
void StreamSession<NextLayer>::store_checkpoint() {
  if (!ctx_.workers || !analyzer_) return;
  auto report = std::make_shared<std::string>(protocol::assessment_json(params_.session_id, analyzer_->snapshot()));
  storage::Store* store = ctx_.store;
  const std::string id = identity_.session_id;
  // A dropped checkpoint is harmless (the next one or the final report follows).
  if (!ctx_.workers->submit([store, id, report] { store->save_checkpoint(id, *report, api::Api::now_ms()); }))
    spdlog::warn("stream {}: database queue full; checkpoint skipped", id);
}

template <class NextLayer>
void StreamSession<NextLayer>::store_final(const dsp::Assessment& a, const std::string& report_json,
                                           std::optional<storage::TranscriptRecord> transcript, bool queue_transcription) {
  if (!ctx_.workers) return;
  storage::Store* store = ctx_.store;
  const std::string id = identity_.session_id;
  storage::SessionOutcome outcome{a.completed ? "completed" : "interrupted", a.duration, a.speaking_time,
                                  a.scores.overall, a.scores.clarity, a.scores.pace, a.scores.engagement,
                                  a.scores.confidence, report_json, 0, std::string(dsp::mode_name(a.mode))};
  auto* jobs = ctx_.jobs;
  if (!ctx_.workers->submit([store, id, outcome, writes = recording_writes_, transcript = std::move(transcript), jobs,
                             queue_transcription]() mutable {
        if (writes) writes->wait_idle();
        // Words first: once the session reads as ended, its transcript (or
        // its job) is there. A job is claimed only once its session has ended.
        if (transcript) store->save_transcript(*transcript);
        if (queue_transcription) store->enqueue_job(id, "deferred", api::Api::now_ms());
        outcome.ended_at = api::Api::now_ms();
        store->finish_session(id, outcome);
        if (queue_transcription) jobs->wake();
      }))
    spdlog::error("stream {}: database queue full; the report was not stored (its last checkpoint stays)", id);
}

template <class NextLayer>
void StreamSession<NextLayer>::store_recording_chunk(protocol::PcmChunk&& chunk) {
  storage::Store* store = ctx_.store;
  const std::string id = identity_.session_id;
  auto shared_chunk = std::make_shared<protocol::PcmChunk>(std::move(chunk));
  auto writes = recording_writes_;
  writes->started();
  const bool queued = ctx_.workers->submit([store, id, shared_chunk, writes] {
    try {
      store->append_recording_chunk(id, api::to_stored_chunk(*shared_chunk, dsp::kAnalysisRate));
    } catch (const std::exception& e) {
      spdlog::error("stream {}: recording chunk {} not stored: {}", id, shared_chunk->seq, e.what());
    }
    writes->finished();
  });
  if (!queued) {
    writes->finished();
    // The recording keeps its timeline: the missing stretch plays as silence.
    spdlog::warn("stream {}: database queue full; recording chunk {} dropped", id, shared_chunk->seq);
  }
}

template <class NextLayer>
void StreamSession<NextLayer>::finish(bool completed, CloseCode code, std::string_view reason) {
  if (finished_) return;
  close_after_writes_ = code;  // before finalise: a finalise that completes at once closes
  close_reason_ = reason;
  finalise(completed);
}

template <class NextLayer>
void StreamSession<NextLayer>::abandon(std::string_view why) {
  const bool was_finished = finished_;
  dead_ = true;
  discard_queue();
  if (!was_finished) {
    spdlog::info("stream {} ended abruptly: {}", params_.session_id, why);
    finalise(false);
  }
}

template <class NextLayer>
void StreamSession<NextLayer>::send(std::string message, bool final_message) {
  if (dead_) return;
  const bool over = queue_.size() >= ctx_.config.max_queue_messages ||
                    queued_bytes_ + message.size() > ctx_.config.max_queue_bytes;
  if (over && !final_message) {
    spdlog::warn("stream {}: client is not reading ({} messages, {} bytes queued); disconnecting", params_.session_id,
                 queue_.size(), queued_bytes_);
    // This may run inside the analyser's callback, so do not finalise here:
    // closing the socket fails the pending read, and on_read finalises.
    dead_ = true;
    discard_queue();
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
    return;
  }
  queued_bytes_ += message.size();
  queue_.push_back(std::move(message));
  if (!writing_) do_write();
}

template <class NextLayer>
void StreamSession<NextLayer>::do_write() {
  writing_ = true;
  ws_.text(true);
  ws_.async_write(net::buffer(queue_.front()), beast::bind_front_handler(&StreamSession::on_write, this->shared_from_this()));
}

template <class NextLayer>
void StreamSession<NextLayer>::on_write(beast::error_code ec, std::size_t) {
  writing_ = false;
  if (ec) {
    // Nothing more can be sent, but audio the client sent before leaving may
    // still be buffered: keep reading; the failing read (or the idle timer)
    // finalises the stream.
    spdlog::debug("stream {}: write failed: {}", params_.session_id, ec.message());
    dead_ = true;
    discard_queue();
    return;
  }
  queued_bytes_ -= queue_.front().size();
  queue_.pop_front();
  if (dead_) return;  // abandoned while this write was in flight
  if (!queue_.empty()) do_write();
  else if (close_after_writes_ && !assessment_pending_ && !awaiting_job_) do_close();
}

template <class NextLayer>
void StreamSession<NextLayer>::discard_queue() {
  // A write in flight still reads from the front message: it stays until on_write.
  const std::size_t keep = writing_ ? 1 : 0;
  while (queue_.size() > keep) {
    queued_bytes_ -= queue_.back().size();
    queue_.pop_back();
  }
}

template <class NextLayer>
void StreamSession<NextLayer>::do_close() {
  if (dead_ || !close_after_writes_ || assessment_pending_ || awaiting_job_) return;
  const websocket::close_reason reason(*close_after_writes_, close_reason_);
  close_after_writes_.reset();
  dead_ = true;
  ws_.async_close(reason, [self = this->shared_from_this()](beast::error_code) {});
}

template <class NextLayer>
void StreamSession<NextLayer>::on_vad(bool speech_start, double t) { send(protocol::vad_json(speech_start, t)); }

template <class NextLayer>
void StreamSession<NextLayer>::on_nudge(const dsp::Nudge& nudge, const dsp::NudgeInputs& inputs) {
  send(protocol::nudge_json(nudge, inputs));
}

template <class NextLayer>
void StreamSession<NextLayer>::on_metrics(const dsp::IntervalMetrics& metrics) {
  send(protocol::metrics_json(metrics));
  if (identity_.persistent() && metrics.t >= next_checkpoint_) {
    // A checkpoint is the whole report, which grows with the stream: spacing
    // them by at least 1/60 of the stream so far keeps their cost per second
    // of audio constant (5 s apart at first, a minute apart after an hour).
    next_checkpoint_ = metrics.t + std::max(ctx_.config.checkpoint_seconds, metrics.t / 60.0);
    store_checkpoint();
  }
}

template <class NextLayer>
void StreamSession<NextLayer>::on_analysis_audio(std::span<const float> samples16k) {
  if (recording_) recording_->append(samples16k);
  if (live_asr_ && !asr_lagging_ && !live_asr_->push(samples16k)) {
    asr_lagging_ = true;
    spdlog::warn("stream {}: the recogniser fell behind; the transcript will be made after the stream", params_.session_id);
    send(protocol::processing_json("transcript", recording_ ? "queued" : "failed"));
  }
}

template class StreamSession<PlainStream>;
template class StreamSession<TlsStream>;

}  // namespace orator::server
