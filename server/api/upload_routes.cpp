// POST /v1/sessions/{id}/upload: a recording (WAV or Ogg Opus) analysed
// asynchronously by the same pipeline as live streams. The session is
// "processing" meanwhile, then "completed" with its report, or "failed" with
// the reason.
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "protocol/audio_file.hpp"
#include "protocol/messages.hpp"
#include "dsp/constants.hpp"
#include "server/api/api.hpp"
#include "server/api/recordings.hpp"
#include "server/transcription/transcription_jobs.hpp"

namespace orator::server::api {
namespace json = boost::json;
namespace {

// Live messages have no reader here; the audio is kept when the session asks.
struct UploadSink final : dsp::AnalysisSink {
  std::optional<protocol::RecordingBuffer> recording;
  void on_vad(bool, double) override {}
  void on_nudge(const dsp::Nudge&, const dsp::NudgeInputs&) override {}
  void on_metrics(const dsp::IntervalMetrics&) override {}
  void on_analysis_audio(std::span<const float> samples16k) override {
    if (recording) recording->append(samples16k);
  }
};

void analyse_recording(storage::Store& store, const std::shared_ptr<const dsp::AnalysisContext>& analysis,
                       const std::string& id, dsp::Mode mode, const std::string& body, double max_seconds,
                       std::optional<double> record_seconds, transcription::TranscriptionJobs* jobs) {
  const auto audio = protocol::decode_audio_file(
      std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(body.data()), body.size()), max_seconds);
  if (!audio.ok()) {
    store.set_session_status(id, "failed", audio.error);
    return;
  }
  UploadSink sink;
  if (record_seconds)
    sink.recording.emplace(dsp::kAnalysisRate, *record_seconds, kRecordingChunkSeconds, [&](protocol::PcmChunk&& chunk) {
      store.append_recording_chunk(id, to_stored_chunk(chunk, dsp::kAnalysisRate));
    });
  dsp::StreamAnalyzer analyzer(analysis, {mode, audio.sample_rate, 1000}, sink);
  analyzer.push(audio.samples);
  const auto a = analyzer.finish(true);
  if (sink.recording) sink.recording->flush();
  store.finish_session(id, {"completed", a.duration, a.speaking_time, a.scores.overall, a.scores.clarity, a.scores.pace,
                            a.scores.engagement, a.scores.confidence, protocol::assessment_json(id, a), Api::now_ms(), {}});
  spdlog::info("upload {} analysed: {:.1f} s audio, overall score {}", id, a.duration, a.scores.overall);
  if (jobs && sink.recording) {  // words come from the durable queue, like a deferred stream's
    store.enqueue_job(id, "upload", Api::now_ms());
    jobs->wake();
  }
}

}  // namespace

void Api::add_upload_routes() {
  router_.add("POST", "/v1/sessions/{id}/upload", RouteOptions{}, [this](ApiRequest& req) {
    const auto s = store_.find_session(req.user_id, req.params.at("id"));
    if (!s) throw not_found("session");
    if (s->status != "created" && s->status != "failed")
      throw ApiError(409, "CONFLICT", "session already " + s->status + "; create a new session for another recording");
    if (req.body.empty()) throw validation_error("the request body must be the recording (WAV or Ogg Opus)");
    if (!processing_) throw ApiError(503, "INTERNAL_ERROR", "recording analysis is not available");
    const auto mode = dsp::parse_mode(s->mode).value_or(dsp::Mode::presentation);
    store_.set_session_status(s->id, "processing", std::nullopt);
    auto body = std::make_shared<std::string>(std::move(req.body));
    storage::Store* store = &store_;
    const auto analysis = analysis_;
    const double max_seconds = config_.max_stream_seconds;
    // The audio is kept when asked, and for transcription when recognition is on.
    const auto record_seconds =
        s->record || jobs_ ? std::optional<double>(config_.max_record_seconds) : std::nullopt;
    auto* jobs = jobs_;
    const std::string id = s->id;
    const bool queued = processing_->submit([store, analysis, id, mode, body, max_seconds, record_seconds, jobs] {
      try {
        analyse_recording(*store, analysis, id, mode, *body, max_seconds, record_seconds, jobs);
      } catch (const std::exception& e) {
        spdlog::error("upload {}: {}", id, e.what());
        store->set_session_status(id, "failed", std::string("internal error while analysing the recording"));
      }
    });
    if (!queued) {
      store_.set_session_status(s->id, s->status, s->error);
      throw ApiError(503, "INTERNAL_ERROR", "too many recordings are waiting for analysis; retry later");
    }
    ApiResponse r;
    r.status = 202;
    r.body = json::object{{"id", s->id}, {"status", "processing"}, {"statusUrl", "/v1/sessions/" + s->id},
                          {"reportUrl", "/v1/sessions/" + s->id + "/report"}};
    return r;
  });
}

}  // namespace orator::server::api
