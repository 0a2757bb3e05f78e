#include "server/sessions/stream_controller.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "dsp/constants.hpp"
#include "server/api/api.hpp"
#include "server/api/recordings.hpp"
#include "server/pronunciation/assessments.hpp"
#include "server/pronunciation/library.hpp"
#include "server/pronunciation/live_pronunciation.hpp"
#include "server/sessions/session_service.hpp"
#include "server/transcription/decoder_pool.hpp"
#include "server/transcription/live_transcription.hpp"
#include "server/transcription/transcript_result.hpp"

namespace orator::server::sessions {
namespace {

// How long the assessment waits for a live recogniser's last words (plus
// time for any backlog); past it the transcript is made after the stream.
constexpr double kAsrFinishSeconds = 10;
// How long a deferred stream stays open after its assessment, reporting the
// transcription job's progress; the client may close sooner and poll REST.
constexpr int kProcessingWaitSeconds = 120;
// How long the assessment waits for the pronunciation of the whole attempt
// (an assessment costs up to ~0.3 s per second of audio, and may queue
// behind others).
constexpr double kPronunciationFinishSeconds = 20;


}  // namespace

StreamController::StreamController(ServerContext& context, StreamIdentity identity, StreamTransport& transport)
    : ctx_(context), identity_(std::move(identity)), transport_(transport), next_checkpoint_(context.config.checkpoint_seconds) {}

StreamController::~StreamController() { stop_counting(); }

// The stream counts among the active ones of its codec from its first audio to its end.
void StreamController::stop_counting() {
  if (!counted_codec_) return;
  ctx_.metrics.streams_active[*counted_codec_].fetch_sub(1, std::memory_order_relaxed);
  counted_codec_.reset();
}

void StreamController::configure(const StreamRoute& route) {
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
}

void StreamController::on_open() {
  ++ctx_.streams_started;
  if (ctx_.sessions && identity_.persistent()) ctx_.sessions->stream_opened(identity_.session_id, identity_.user_id);
  spdlog::info("stream {} opened", params_.session_id);
  if (ctx_.stopping) {
    finish(false, CloseCode::going_away, "server shutting down");
    return;
  }
  if (query_error_) reject(query_error_->code, query_error_->message + " (from the query string; send a valid start message)");
  else send_ready();
  arm_idle_timer();
}

template <class Handler>
void StreamController::guarded(Handler&& handler) {
  // A message arriving after the stream ended (idle, shutdown) is ignored:
  // the assessment was the last message.
  if (finished_) return;
  try {
    // A trickle of messages keeps the idle timer happy; the wall clock is not fooled.
    if (std::chrono::steady_clock::now() - created_at_ >= std::chrono::duration<double>(ctx_.config.max_stream_wall_seconds)) {
      send(protocol::error_json("STREAM_LIMIT", "the stream reached max-stream-wall-seconds of wall-clock time and was ended"));
      finish(true, CloseCode::policy, "stream time limit");
      return;
    }
    arm_idle_timer();
    handler();
  } catch (const std::exception& e) {
    spdlog::error("stream {}: internal error: {}", params_.session_id, e.what());
    send(protocol::error_json("INTERNAL_ERROR", "internal error while analysing the stream"));
    finish(false, CloseCode::internal_error, "internal error");
  }
}

void StreamController::on_text(std::string_view text) {
  guarded([&] { handle_text(text); });
}

void StreamController::on_audio(std::span<const std::uint8_t> frame) {
  guarded([&] { handle_audio(frame); });
}

void StreamController::on_disconnect(std::string_view why) {
  disconnected_ = true;
  if (finished_) return;
  spdlog::info("stream {} ended abruptly: {}", params_.session_id, why);
  finalise(false);
}

void StreamController::on_shutdown() {
  if (!finished_) {
    finish(false, CloseCode::going_away, "server shutting down");
  } else if (awaiting_job_) {  // the job outlives this process; the client can poll REST
    awaiting_job_ = false;
    transport_.cancel_timer();
    close_when_done();
  }
}

std::optional<protocol::ProtocolError> StreamController::apply_session_settings(protocol::StreamParams& params) const {
  if (const auto wanted = identity_.session_transcript) {
    if (params.transcript_given && params.transcript != *wanted) {
      params.transcript = *wanted;
      params.transcript_given = false;
      return protocol::ProtocolError{"SESSION_MISMATCH", std::string("this session's settings have transcript: ") +
                                                             (*wanted ? "true" : "false") + "; a stream into it cannot change that"};
    }
    params.transcript = *wanted;
  }
  const bool session_has_target = !identity_.session_target_text.empty() || !identity_.session_sentence_id.empty();
  if (session_has_target) {
    const bool names_target = !params.target_text.empty() || !params.sentence_id.empty();
    if (names_target && (params.target_text != identity_.session_target_text || params.sentence_id != identity_.session_sentence_id)) {
      params.target_text = identity_.session_target_text;
      params.sentence_id = identity_.session_sentence_id;
      return protocol::ProtocolError{"SESSION_MISMATCH", "this session's settings name its target; a stream into it cannot read another"};
    }
    params.target_text = identity_.session_target_text;
    params.sentence_id = identity_.session_sentence_id;
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

void StreamController::arm_idle_timer() {
  transport_.arm_timer(ctx_.config.idle_timeout_seconds, [this] {
    if (finished_) return;
    send(protocol::error_json("IDLE_TIMEOUT", "no message from the client within the idle timeout"));
    finish(false, CloseCode::policy, "idle timeout");
  });
}

void StreamController::handle_text(std::string_view text) {
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

void StreamController::handle_audio(std::span<const std::uint8_t> frame) {
  const auto arrived = std::chrono::steady_clock::now();
  ctx_.metrics.frames_in.fetch_add(1, std::memory_order_relaxed);
  ctx_.metrics.audio_bytes_in.fetch_add(frame.size(), std::memory_order_relaxed);
  if (!format_valid_) {
    reject("AUDIO_BEFORE_START", "no valid audio format yet: send a valid start message before audio; the frame was dropped");
    return;
  }
  if (!ensure_analyzer()) return;
  if (const auto status = decoder_->decode(frame, pcm_); status != protocol::DecodeStatus::ok) {
    ctx_.metrics.decode_errors.fetch_add(1, std::memory_order_relaxed);
    reject("INVALID_AUDIO", std::string(protocol::describe(status)) + "; the frame was dropped");
    return;
  }
  metrics_sent_ = false;
  analyzer_->push(pcm_);
  if (metrics_sent_)
    ctx_.metrics.metrics_latency.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - arrived).count());
  if (!finished_ && analyzer_->received_seconds() >= ctx_.config.max_stream_seconds) {
    send(protocol::error_json("STREAM_LIMIT", "the stream reached max-stream-seconds of audio and was ended"));
    finish(true, CloseCode::policy, "stream length limit");
  }
}

bool StreamController::ensure_analyzer() {
  if (analyzer_) return true;
  decoder_ = protocol::AudioDecoder::create(params_.format);
  if (!decoder_) {
    reject("UNSUPPORTED_FORMAT", "the audio format could not be set up");
    format_valid_ = false;
    return false;
  }
  dsp::AnalyzerConfig cfg{params_.mode, decoder_->output_rate(), params_.interval_ms};
  analyzer_ = std::make_unique<dsp::StreamAnalyzer>(ctx_.analysis, cfg, sink());
  // Past a few minutes the report's timeline and pauses go to a file: a stream's memory stays flat at any length.
  analyzer_->set_report_spill(&report_spill_.emplace(ctx_.config.data_dir));
  audio_started_ = true;
  counted_codec_ = static_cast<std::size_t>(params_.format.codec);
  ctx_.metrics.streams_active[*counted_codec_].fetch_add(1, std::memory_order_relaxed);
  if (keeps_audio() && ctx_.sessions) recording_writer_ = ctx_.sessions->recording_writer(identity_.session_id);
  if (recording_writer_)
    recording_.emplace(dsp::kAnalysisRate, ctx_.config.max_record_seconds, api::kRecordingChunkSeconds,
                       [this](protocol::PcmChunk&& chunk) { recording_writer_->append(std::move(chunk)); });
  spdlog::info("stream {} audio: {} {} Hz {} ch, mode {}", params_.session_id, protocol::codec_name(params_.format.codec),
               params_.format.sample_rate, params_.format.channels, dsp::mode_name(params_.mode));
  return true;
}

void StreamController::reject(std::string_view code, std::string_view message) {
  ++errors_;
  send(protocol::error_json(code, message));
  if (errors_ >= ctx_.config.max_errors_per_stream && !finished_) {
    send(protocol::error_json("TOO_MANY_ERRORS", "too many rejected messages; the stream was ended"));
    finish(false, CloseCode::policy, "too many errors");
  }
}

void StreamController::send(std::string message, bool final_message) {
  if (disconnected_) return;
  ctx_.metrics.messages_out.fetch_add(1, std::memory_order_relaxed);
  ctx_.metrics.bytes_out.fetch_add(message.size(), std::memory_order_relaxed);
  transport_.send(std::move(message), final_message);
}

void StreamController::finish(bool completed, CloseCode code, std::string_view reason) {
  if (finished_) return;
  close_code_ = code;  // before finalise: a finalise that completes at once closes
  close_reason_ = reason;
  finalise(completed);
}

void StreamController::finalise(bool completed) {
  if (finished_) return;
  finished_ = true;
  stop_counting();
  transport_.cancel_timer();
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
    live_asr_->finish([post = transport_.poster(), this, completed](std::vector<speech::Word> words, bool ok) {
      post([this, completed, ok, words = std::move(words)]() mutable {
        complete_finalise(completed, ok ? std::optional(std::move(words)) : std::nullopt);
      });
    });
    // Audio still queued for the decoder gets time too (a client may send
    // faster than real time), at a pessimistic two seconds per second.
    transport_.arm_timer(kAsrFinishSeconds + 2.0 * live_asr_->backlog_seconds(),
                         [this, completed] { complete_finalise(completed, std::nullopt); });
    return;
  }
  complete_finalise(completed, std::nullopt);
}

bool StreamController::await_pronunciation(bool completed, std::optional<std::vector<speech::Word>>& words) {
  if (!live_pronunciation_ || pronunciation_ready_) return false;
  if (pronunciation_awaited_) return true;  // the recogniser's late words: the pass already started
  pronunciation_awaited_ = true;
  assessment_pending_ = true;
  final_words_ = std::move(words);
  transport_.cancel_timer();
  auto resume = [this, completed] {
    if (pronunciation_ready_) return;
    pronunciation_ready_ = true;
    complete_finalise(completed, std::move(final_words_));
  };
  live_pronunciation_->finish(final_words_.value_or(std::vector<speech::Word>{}),
                              [this, resume](std::optional<speech::PronunciationAssessment> result) {
                                pronunciation_result_ = std::move(result);
                                resume();
                              });
  transport_.arm_timer(kPronunciationFinishSeconds, resume);
  return true;
}

std::optional<boost::json::object> StreamController::pronunciation_report(const dsp::Assessment& a, StreamEnding* ending) const {
  if (!live_pronunciation_) return std::nullopt;
  if (!pronunciation_result_)
    return boost::json::object{{"error", "the pronunciation of this attempt could not be assessed in time"}, {"target_text", pronunciation_text_}};
  const std::optional<int> prosody = a.pitch_std_semitones ? std::optional(a.scores.engagement) : std::nullopt;
  auto attempt = pronunciation::stored_attempt(*pronunciation_result_, prosody, std::min(a.duration, pronunciation::LivePronunciation::kMaxSeconds));
  auto report = pronunciation::result_json(*pronunciation_result_, prosody, attempt.record.overall);
  report["target_text"] = pronunciation_text_;
  report["sentence_id"] = params_.sentence_id.empty() ? boost::json::value(nullptr) : boost::json::value(params_.sentence_id);
  if (pronunciation_cut_) report["assessed_seconds"] = pronunciation::LivePronunciation::kMaxSeconds;
  if (ending) {
    auto& r = attempt.record;
    r.user_id = identity_.user_id;
    r.session_id = identity_.practice_session_id.empty() ? identity_.session_id : identity_.practice_session_id;
    if (!params_.sentence_id.empty()) r.sentence_id = params_.sentence_id;
    r.target_text = pronunciation_text_;
    report["assessment_id"] = r.id;
    ending->pronunciation = std::move(attempt.record);
    ending->pronunciation_phones = std::move(attempt.phones);
  }
  return report;
}

void StreamController::complete_finalise(bool completed, std::optional<std::vector<speech::Word>> words) {
  if (assessment_done_) return;
  if (await_pronunciation(completed, words)) return;
  assessment_done_ = true;
  assessment_pending_ = false;
  transport_.cancel_timer();
  dsp::Assessment a = analyzer_->finish(completed);
  if (recording_) recording_->flush();
  std::optional<transcription::TranscriptResult> transcript;
  if (words) {
    transcript = transcription::make_transcript(*words, params_.session_id, identity_.user_id, params_.lang, "live", api::Api::now_ms());
    dsp::rescore_with_words(a, transcript->evidence);
  }
  // Asked for, not made live, and the audio is kept: a background job makes it.
  const bool queue_transcription = params_.transcript && !words && recording_ && ctx_.sessions && ctx_.sessions->transcribes();
  spdlog::info("stream {} {}: {:.1f} s audio, {:.1f} s speech, {} pauses, overall score {}{}", params_.session_id,
               completed ? "completed" : "interrupted", a.duration, a.speaking_time, a.pauses.size(), a.scores.overall,
               transcript ? fmt::format(", {} words", transcript->fluency.words) : std::string());
  const bool stores = identity_.persistent() && ctx_.sessions;
  StreamEnding ending;
  ending.session_id = identity_.session_id;
  ending.user_id = identity_.user_id;
  if (transcript) ending.transcript = transcript->record;
  ending.queue_transcription = queue_transcription;
  const auto pronunciation = pronunciation_report(a, stores ? &ending : nullptr);
  std::string report = protocol::assessment_json(params_.session_id, a, transcript ? &transcript->fluency : nullptr,
                                                 pronunciation ? &*pronunciation : nullptr);
  if (stores) {
    ending.outcome = storage::SessionOutcome{a.completed ? storage::SessionStatus::completed : storage::SessionStatus::interrupted,
                                             a.duration, a.speaking_time, a.scores.overall, a.scores.clarity, a.scores.pace,
                                             a.scores.engagement, a.scores.confidence, report, 0, a.mode};
    ctx_.sessions->finish_stream(std::move(ending), std::move(recording_writer_));
  }
  live_asr_.reset();
  live_pronunciation_.reset();
  if (disconnected_ || !transport_.connected()) return;
  send(std::move(report), /*final_message=*/true);
  if (queue_transcription) {
    send(protocol::processing_json("transcript", "queued"), /*final_message=*/true);
    awaiting_job_ = true;
    job_deadline_ = std::chrono::steady_clock::now() + std::chrono::seconds(kProcessingWaitSeconds);
    poll_transcription_job();
  }
  close_when_done();
}

void StreamController::close_when_done() {
  if (!close_code_ || assessment_pending_ || awaiting_job_ || disconnected_) return;
  const auto code = *close_code_;
  close_code_.reset();
  transport_.close(code, close_reason_);
}

void StreamController::send_ready() {
  decide_transcript();
  decide_pronunciation();
  send(protocol::ready_json(params_, delivery_, live_pronunciation_ != nullptr));
}

void StreamController::decide_pronunciation() {
  live_pronunciation_.reset();
  pronunciation_text_.clear();
  if (params_.target_text.empty() && params_.sentence_id.empty()) return;
  if (params_.mode != dsp::Mode::pronunciation) return;  // other modes keep a target for the record only
  if (!params_.target_text.empty() && !params_.sentence_id.empty()) {
    reject("INVALID_PARAMETER", "give one of target_text and sentence_id: this stream is analysed without a pronunciation assessment");
    return;
  }
  std::string text = params_.target_text;
  if (!params_.sentence_id.empty()) {
    const auto* library = pronunciation::library();
    const auto* sentence = library ? library->sentence(params_.sentence_id) : nullptr;
    if (!sentence) {
      reject("UNKNOWN_SENTENCE", "no sentence '" + params_.sentence_id + "' (GET /v1/sentences): this stream is analysed without a pronunciation assessment");
      return;
    }
    text = sentence->text;
  }
  std::string why;
  const auto models = pronunciation::AssessorPool::instance().models(&why);
  if (!models) {
    reject("PRONUNCIATION_UNAVAILABLE", "pronunciation models could not be loaded (" + why + "): this stream is analysed without it");
    return;
  }
  auto target = models->prepare(text, why);
  if (!target) {
    reject("INVALID_TARGET", why + ": this stream is analysed without a pronunciation assessment");
    return;
  }
  pronunciation_text_ = std::move(text);
  live_pronunciation_ = std::make_unique<pronunciation::LivePronunciation>(
      std::move(*target), transport_.poster(), [this](const speech::WordAssessment& word) { send(protocol::pronunciation_json(word)); });
}

void StreamController::decide_transcript() {
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
      // only while the stream lives.
      live_asr_ = std::make_unique<transcription::LiveTranscription>(
          std::move(lease), [post = transport_.poster(), this](speech::RecognizerUpdate update) {
            post([this, update = std::move(update)]() mutable { on_transcript_update(std::move(update)); });
          });
      delivery_ = protocol::TranscriptDelivery::live;
      return;
    }
  }
  // Every decoder is busy (or recognition is off): keep the audio and
  // transcribe it after the stream, when there is somewhere to keep it.
  if (identity_.persistent() && ctx_.sessions && ctx_.sessions->transcribes()) delivery_ = protocol::TranscriptDelivery::deferred;
}

void StreamController::on_transcript_update(speech::RecognizerUpdate update) {
  if (assessment_done_) return;
  if (analyzer_)
    for (const auto& w : update.finals) analyzer_->note_word(w.start, w.end, w.filler);
  if (!update.finals.empty()) send(protocol::transcript_json(update.finals, true));
  if (update.partial_changed) send(protocol::transcript_json(update.partial, false));
}

bool StreamController::keeps_audio() const {
  // A transcript request keeps the audio too, so the transcript can be made
  // (or made again) from it after the stream.
  return identity_.record || (identity_.persistent() && params_.transcript && delivery_ != protocol::TranscriptDelivery::off);
}

void StreamController::poll_transcription_job() {
  // The timer is re-armed before each query: a pending timer is what keeps
  // the stream alive while the query runs on a worker.
  transport_.arm_timer(1.0, [this] {
    if (disconnected_ || !awaiting_job_) return;
    poll_transcription_job();
    if (job_query_in_flight_) return;  // a slow database: one query at a time
    job_query_in_flight_ = true;
    ctx_.sessions->job_status(identity_.user_id, identity_.session_id, [post = transport_.poster(), this](std::string status) {
      post([this, status = std::move(status)] { on_job_status(status); });
    });
  });
}

void StreamController::on_job_status(const std::string& status) {
  job_query_in_flight_ = false;
  if (disconnected_ || !awaiting_job_) return;
  if (status != job_status_) {
    job_status_ = status;
    send(protocol::processing_json("transcript", status), /*final_message=*/true);
  }
  const bool over = status == "done" || status == "failed" || std::chrono::steady_clock::now() >= job_deadline_;
  if (!over) return;
  awaiting_job_ = false;
  transport_.cancel_timer();
  close_when_done();
}

void StreamController::on_vad(bool speech_start, double t) {
  send(protocol::vad_json(speech_start, t));
  if (live_pronunciation_ && !finished_) speech_start ? live_pronunciation_->on_speech() : live_pronunciation_->on_pause();
}

void StreamController::on_nudge(const dsp::Nudge& nudge, const dsp::NudgeInputs& inputs) {
  ctx_.metrics.nudges[static_cast<std::size_t>(nudge.code)].fetch_add(1, std::memory_order_relaxed);
  send(protocol::nudge_json(nudge, inputs));
}

void StreamController::on_metrics(const dsp::IntervalMetrics& metrics) {
  send(protocol::metrics_json(metrics));
  metrics_sent_ = true;
  if (identity_.persistent() && ctx_.sessions && metrics.t >= next_checkpoint_) {
    // A checkpoint is the whole report, which grows with the stream: spacing
    // them by at least 1/60 of the stream so far keeps their cost per second
    // of audio constant (5 s apart at first, a minute apart after an hour).
    next_checkpoint_ = metrics.t + std::max(ctx_.config.checkpoint_seconds, metrics.t / 60.0);
    ctx_.sessions->checkpoint(identity_.session_id, protocol::assessment_json(params_.session_id, analyzer_->snapshot()));
  }
}

void StreamController::on_analysis_audio(std::span<const float> samples16k) {
  if (recording_) recording_->append(samples16k);
  if (live_pronunciation_ && !pronunciation_cut_ && !live_pronunciation_->push(samples16k)) {
    pronunciation_cut_ = true;
    send(protocol::error_json("PRONUNCIATION_LIMIT", "pronunciation is assessed over the first 30 s of a stream; the rest is analysed without it"));
  }
  if (live_asr_ && !asr_lagging_ && !live_asr_->push(samples16k)) {
    asr_lagging_ = true;
    spdlog::warn("stream {}: the recogniser fell behind; the transcript will be made after the stream", params_.session_id);
    send(protocol::processing_json("transcript", recording_ ? "queued" : "failed"));
  }
}

}  // namespace orator::server::sessions
