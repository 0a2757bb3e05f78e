// /v1/sessions: create, list, read, delete, and the stored report's views.
#include <boost/json.hpp>

#include <algorithm>
#include <cmath>

#include "dsp/mode.hpp"
#include "protocol/json_writer.hpp"
#include "protocol/stored_report.hpp"
#include "server/api/api.hpp"
#include "server/api/json_body.hpp"
#include "server/api/time_zone.hpp"
#include "server/server_context.hpp"
#include "server/sessions/session_service.hpp"

namespace orator::server::api {
namespace json = boost::json;
namespace {


json::value optional_number(const std::optional<double>& v) { return v ? json::value(*v) : json::value(nullptr); }

json::object session_json(const storage::SessionRecord& s, const ApiRequest& req) {
  // Where to stream: same host, ws or wss as the request came in.
  const std::string host = req.header("host").value_or("localhost");
  const bool secure = req.tls || req.header("x-forwarded-proto").value_or("") == "https";
  boost::system::error_code ec;
  return {{"id", s.id},
          {"title", s.title},
          {"description", s.description},
          {"type", dsp::mode_name(s.mode)},
          {"status", storage::status_name(s.status)},
          {"settings", s.settings.empty() ? json::value(json::object{}) : json::parse(s.settings, ec)},
          {"created_at", format_time(s.created_at)},
          {"started_at", s.started_at ? json::value(format_time(*s.started_at)) : json::value(nullptr)},
          {"ended_at", s.ended_at ? json::value(format_time(*s.ended_at)) : json::value(nullptr)},
          {"duration", optional_number(s.duration)},
          {"speaking_time", optional_number(s.speaking_time)},
          {"overall_score", s.overall_score ? json::value(*s.overall_score) : json::value(nullptr)},
          {"error", s.error ? json::value(*s.error) : json::value(nullptr)},
          {"record", s.record},
          // A reading streamed into a practice session (?practice_session_id=).
          {"practice_session_id", s.practice_session_id ? json::value(*s.practice_session_id) : json::value(nullptr)},
          {"audioUrl", s.record ? json::value("/v1/sessions/" + s.id + "/audio") : json::value(nullptr)},
          {"websocketUrl", std::string(secure ? "wss://" : "ws://") + host + "/v1/sessions/" + s.id + "/stream"}};
}

}  // namespace

void Api::add_session_routes() {
  const RouteOptions user{};

  router_.add("POST", "/v1/sessions", user, [this](ApiRequest& req) {
    JsonBody body(req.body, {"title", "description", "type", "mode", "settings", "record"}, true);
    sessions::NewSession s;
    s.user_id = req.user_id;
    s.title = body.optional_string("title", 200).value_or("Practice session");
    s.description = body.optional_string("description", 2000).value_or("");
    const auto mode = dsp::parse_mode(body.optional_string("type", 32).value_or(body.optional_string("mode", 32).value_or("presentation")));
    if (!mode) throw validation_error("type must be one of " + std::string(dsp::mode_choices()), {{"field", "type"}});
    s.mode = *mode;
    s.settings = protocol::to_json(body.optional_object("settings", 16 * 1024).value_or(json::object{}));
    s.record = body.optional_bool("record").value_or(false);
    if (auto refused = sessions_.quota_refusal(req.user_id, true, s.record))
      refuse(refused->status, refused->code, refused->message, refused->retry_after);
    const auto stored = sessions_.create(s);
    ApiResponse r;
    r.status = 201;
    r.body = session_json(stored, req);
    return r;
  });

  router_.add("GET", "/v1/sessions?page&per_page&limit&q&sort&status&type&date_from&date_to&startDate&endDate", user, [this](ApiRequest& req) {
    const int page = req.int_param("page", 1, 1, 1000000);
    const int limit = req.per_page(20, 100);
    if (auto q = req.query_value("q")) {
      // Full-text search over the user's transcripts.
      if (q->empty() || q->size() > 200) throw validation_error("q must be 1-200 characters", {{"field", "q"}});
      const std::string sort = req.query_value("sort").value_or("relevance");
      if (sort != "relevance" && sort != "date" && sort != "score")
        throw validation_error("sort must be relevance, date or score", {{"field", "sort"}});
      const auto found = store_.search_transcripts(req.user_id, *q, sort, page, limit);
      json::array data;
      for (const auto& hit : found.hits) {
        auto s = session_json(hit.session, req);
        s["snippet"] = hit.snippet;
        s["rank"] = hit.rank;
        data.push_back(std::move(s));
      }
      return page_response(std::move(data), page, limit, found.total);
    }
    storage::SessionFilter f;
    if (auto v = req.query_value("status")) {
      f.status = storage::parse_status(*v);
      if (!f.status) throw validation_error("status must be one of " + std::string(storage::status_choices()), {{"field", "status"}});
    }
    if (auto v = req.query_value("type")) {
      f.mode = dsp::parse_mode(*v);
      if (!f.mode) throw validation_error("type must be one of " + std::string(dsp::mode_choices()), {{"field", "type"}});
    }
    std::string zone_name;
    const auto zone = user_zone(req.user_id, zone_name);
    // A bare date is a whole day in the user's time zone.
    f.from = date_param(req, {"date_from", "startDate"}, *zone, false);
    f.to = date_param(req, {"date_to", "endDate"}, *zone, true);
    const auto result = store_.list_sessions(req.user_id, f, page, limit);
    json::array data;
    for (const auto& s : result.sessions) data.push_back(session_json(s, req));
    return page_response(std::move(data), page, limit, result.total);
  });

  router_.add("GET", "/v1/sessions/{id}", user, [this](ApiRequest& req) {
    const auto s = store_.find_session(req.user_id, req.params.at("id"));
    if (!s) throw not_found("session");
    ApiResponse r;
    auto body = session_json(*s, req);
    if (s->mode == dsp::Mode::pronunciation) body["practice"] = practice_summary_json(req.user_id, s->id);
    r.body = std::move(body);
    return r;
  });

  // A pronunciation practice session ends here (a stream ends with its stop
  // message): its attempts summed up become its report.
  router_.add("POST", "/v1/sessions/{id}/end", user, [this](ApiRequest& req) {
    const auto s = store_.find_session(req.user_id, req.params.at("id"));
    if (!s) throw not_found("session");
    if (s->mode != dsp::Mode::pronunciation)
      throw ApiError(409, "CONFLICT", "only pronunciation practice sessions are ended here; a stream ends with its stop message");
    auto practice = end_practice_session(*s);
    const auto ended = store_.find_session(req.user_id, s->id);
    if (!ended) throw not_found("session");
    auto body = session_json(*ended, req);
    body["practice"] = std::move(practice);
    ApiResponse r;
    r.body = std::move(body);
    return r;
  });

  router_.add("DELETE", "/v1/sessions/{id}", user, [this](ApiRequest& req) {
    if (!store_.delete_session(req.user_id, req.params.at("id"))) throw not_found("session");
    ApiResponse r;
    r.status = 204;
    return r;
  });

  // The report and its views: from the final report, or the last checkpoint while live.
  auto report_text_of = [this](ApiRequest& req) {
    const auto s = store_.find_session(req.user_id, req.params.at("id"));
    if (!s) throw not_found("session");
    const auto& text = s->report ? s->report : s->checkpoint;
    if (!text) throw ApiError(409, "CONFLICT", "this session has no report yet", {{"status", storage::status_name(s->status)}});
    return *text;
  };
  auto report_of = [report_text_of](ApiRequest& req) {
    std::string error;
    const auto text = report_text_of(req);
    auto report = protocol::read_stored_report(text, error);
    if (!report && text.starts_with(R"({"type":"practice")"))
      throw ApiError(409, "CONFLICT", "a practice session's report is its summary (GET /v1/sessions/{id}/report): it has no timeline or scores of speech");
    if (!report) throw std::runtime_error(error);
    return std::move(*report);
  };

  router_.add("GET", "/v1/sessions/{id}/report", user, [report_text_of](ApiRequest& req) {
    boost::system::error_code ec;
    auto v = json::parse(report_text_of(req), ec);
    if (ec || !v.is_object()) throw std::runtime_error("stored report is not a JSON object");
    ApiResponse r;
    r.body = std::move(v);
    return r;
  });

  router_.add("GET", "/v1/sessions/{id}/scores", user, [report_of](ApiRequest& req) {
    const auto report = report_of(req);
    const auto& s = report.scores;
    ApiResponse r;
    r.body = json::object{{"session_id", report.session_id},
                          {"status", report.status},
                          {"scores", json::object{{"overall", s.overall}, {"clarity", s.clarity}, {"pace", s.pace},
                                                  {"engagement", s.engagement}, {"confidence", s.confidence}}}};
    return r;
  });

  router_.add("GET", "/v1/sessions/{id}/timeline", user, [report_of](ApiRequest& req) {
    const auto report = report_of(req);
    json::array points, events;
    for (const auto& p : report.timeline)
      points.push_back(json::object{{"t", p.t}, {"volume_db", p.volume_db}, {"pitch", optional_number(p.pitch)},
                                    {"speech_ratio", p.speech_ratio}, {"wpm", optional_number(p.wpm)}});
    for (const auto& p : report.pauses)
      events.push_back(json::object{{"type", "pause"}, {"start", p.start}, {"end", p.end}, {"duration", p.duration}});
    ApiResponse r;
    r.body = json::object{{"session_id", report.session_id}, {"points", std::move(points)}, {"events", std::move(events)}};
    return r;
  });

  router_.add("GET", "/v1/sessions/{id}/metrics?granularity", user, [report_of](ApiRequest& req) {
    const std::string g = req.query_value("granularity").value_or("second");
    const int width = g == "second" ? 1 : g == "5second" ? 5 : g == "10second" ? 10 : g == "minute" ? 60 : 0;
    if (width == 0) throw validation_error("granularity must be second, 5second, 10second or minute", {{"field", "granularity"}});
    const auto report = report_of(req);
    // Re-bucket the per-second timeline: mean level (in power), mean voiced pitch,
    // mean speech ratio, last pace.
    json::array points;
    const auto& timeline = report.timeline;
    for (std::size_t i = 0; i < timeline.size(); i += static_cast<std::size_t>(width)) {
      double power = 0, pitch = 0, speech = 0;
      int n = 0, voiced = 0;
      std::optional<double> wpm;
      for (std::size_t k = i; k < std::min(timeline.size(), i + static_cast<std::size_t>(width)); ++k) {
        const auto& p = timeline[k];
        power += std::pow(10.0, p.volume_db / 10.0);
        speech += p.speech_ratio;
        if (p.pitch) { pitch += *p.pitch; ++voiced; }
        if (p.wpm) wpm = p.wpm;
        ++n;
      }
      points.push_back(json::object{{"t", static_cast<std::int64_t>(i)},
                                    {"volume_db", std::round(100.0 * std::log10(std::max(power / n, 1e-12))) / 10.0},
                                    {"pitch", voiced ? json::value(std::round(10.0 * pitch / voiced) / 10.0) : json::value(nullptr)},
                                    {"speech_ratio", std::round(100.0 * speech / n) / 100.0},
                                    {"wpm", optional_number(wpm)}});
    }
    ApiResponse r;
    r.body = json::object{{"session_id", report.session_id}, {"granularity", g}, {"points", std::move(points)}};
    return r;
  });
}

}  // namespace orator::server::api
