// A session's words: GET /v1/sessions/{id}/transcript and /fluency, and
// POST /v1/sessions/{id}/transcribe to (re)make the transcript from the kept
// audio on the durable job queue.
#include <boost/json.hpp>

#include "server/api/api.hpp"
#include "server/api/time_zone.hpp"
#include "server/sessions/session_service.hpp"

namespace orator::server::api {
namespace json = boost::json;
namespace {

// Utterances: words split where the speaker paused this long.
constexpr double kSegmentGapSeconds = 0.5;

json::array segments_of(const json::array& words) {
  json::array out;
  json::object seg;
  std::string text;
  double last_end = -1;
  auto close = [&] {
    if (text.empty()) return;
    seg["text"] = text;
    out.push_back(std::move(seg));
    seg = {};
    text.clear();
  };
  for (const auto& v : words) {
    const auto& w = v.as_object();
    const double start = w.at("start").to_number<double>(), end = w.at("end").to_number<double>();
    if (last_end >= 0 && start - last_end >= kSegmentGapSeconds) close();
    if (text.empty()) seg["start"] = start;
    seg["end"] = end;
    if (!text.empty()) text += ' ';
    const std::string_view word = w.at("word").as_string();
    text.append(word.data(), word.size());
    last_end = end;
  }
  close();
  return out;
}

json::value parse_stored(const std::string& text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec) throw std::runtime_error("stored transcript JSON is corrupt");
  return v;
}

}  // namespace

// The transcript, or why there is none yet: 409 while it is being made, 422
// when making it failed, 404 when it was never asked for.
storage::TranscriptRecord Api::transcript_or_explain(const std::string& user_id, const std::string& session_id) {
  const auto s = store_.find_session(user_id, session_id);
  if (!s) throw not_found("session");
  if (auto t = store_.find_transcript(user_id, session_id)) return *t;
  if (s->status == storage::SessionStatus::live || s->status == storage::SessionStatus::processing) {
    const std::string status(storage::status_name(s->status));
    throw ApiError(409, "CONFLICT", "the session is still " + status + "; its transcript follows when it ends",
                   {{"status", status}});
  }
  if (const auto job = store_.latest_job(user_id, session_id, /*any kind*/ ""); job) {
    if (job->status == "queued" || job->status == "running")
      throw ApiError(409, "CONFLICT", "the transcript is still being made (" + job->status + "); try again shortly",
                     {{"status", job->status}, {"attempts", job->attempts}});
    if (job->status == "failed")
      throw ApiError(422, "TRANSCRIPTION_FAILED", "the transcript could not be made: " + job->error.value_or("unknown reason"),
                     {{"status", "failed"}});
  }
  throw ApiError(404, "NOT_FOUND",
                 "this session has no transcript: stream with \"transcript\": true, or POST /v1/sessions/{id}/transcribe "
                 "when its audio was kept");
}

void Api::add_transcript_routes() {
  const RouteOptions user{};

  router_.add("GET", "/v1/sessions/{id}/transcript", user, [this](ApiRequest& req) {
    const auto t = transcript_or_explain(req.user_id, req.params.at("id"));
    auto words = parse_stored(t.words_json);
    ApiResponse r;
    r.body = json::object{{"session_id", t.session_id},
                          {"language", t.language},
                          {"text", t.text},
                          {"confidence", t.confidence ? json::value(*t.confidence) : json::value(nullptr)},
                          {"source", t.source},
                          {"created_at", format_time(t.created_at)},
                          {"segments", segments_of(words.as_array())},
                          {"words", std::move(words)}};
    return r;
  });

  router_.add("GET", "/v1/sessions/{id}/fluency", user, [this](ApiRequest& req) {
    const auto t = transcript_or_explain(req.user_id, req.params.at("id"));
    auto fluency = parse_stored(t.fluency_json);
    fluency.as_object()["session_id"] = t.session_id;
    ApiResponse r;
    r.body = std::move(fluency);
    return r;
  });

  router_.add("POST", "/v1/sessions/{id}/transcribe", user, [this](ApiRequest& req) {
    const auto s = store_.find_session(req.user_id, req.params.at("id"));
    if (!s) throw not_found("session");
    if (!sessions_.transcribes()) throw ApiError(503, "UNAVAILABLE", "speech recognition is off on this server");
    if (s->status != storage::SessionStatus::completed && s->status != storage::SessionStatus::interrupted) {
      const std::string status(storage::status_name(s->status));
      throw ApiError(409, "CONFLICT", "the session is " + status + "; transcribe it once it has ended", {{"status", status}});
    }
    if (store_.recording_chunks(req.user_id, s->id).empty())
      throw ApiError(409, "CONFLICT", "no audio was kept for this session (create it with record: true or transcript: true)");
    auto job = store_.latest_job(req.user_id, s->id, /*any kind*/ "");
    if (!job || (job->status != "queued" && job->status != "running")) job = sessions_.queue_transcription(s->id, "retranscribe");
    ApiResponse r;
    r.status = 202;
    r.body = json::object{{"session_id", s->id},
                          {"job", json::object{{"id", job->id}, {"status", job->status}, {"attempts", job->attempts}}},
                          {"transcriptUrl", "/v1/sessions/" + s->id + "/transcript"}};
    return r;
  });
}

}  // namespace orator::server::api
