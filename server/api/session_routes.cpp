// /v1/sessions: create, list, read, delete, and the stored report's views.
#include <boost/json.hpp>

#include <algorithm>
#include <cmath>

#include "dsp/mode.hpp"
#include "protocol/json_writer.hpp"
#include "server/api/api.hpp"
#include "server/api/json_body.hpp"
#include "server/api/time_zone.hpp"
#include "server/server_context.hpp"

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
          {"type", s.mode},
          {"status", s.status},
          {"settings", s.settings.empty() ? json::value(json::object{}) : json::parse(s.settings, ec)},
          {"created_at", format_time(s.created_at)},
          {"started_at", s.started_at ? json::value(format_time(*s.started_at)) : json::value(nullptr)},
          {"ended_at", s.ended_at ? json::value(format_time(*s.ended_at)) : json::value(nullptr)},
          {"duration", optional_number(s.duration)},
          {"speaking_time", optional_number(s.speaking_time)},
          {"overall_score", s.overall_score ? json::value(*s.overall_score) : json::value(nullptr)},
          {"error", s.error ? json::value(*s.error) : json::value(nullptr)},
          {"record", s.record},
          {"audioUrl", s.record ? json::value("/v1/sessions/" + s.id + "/audio") : json::value(nullptr)},
          {"websocketUrl", std::string(secure ? "wss://" : "ws://") + host + "/v1/sessions/" + s.id + "/stream"}};
}

// One page of a listing, in the shape every listing answers with.
ApiResponse page_response(json::array data, int page, int limit, std::int64_t total) {
  ApiResponse r;
  r.body = json::object{{"data", std::move(data)},
                        {"pagination", json::object{{"page", page}, {"limit", limit}, {"total", total},
                                                    {"pages", (total + limit - 1) / limit}}}};
  return r;
}

}  // namespace

void Api::add_session_routes() {
  const RouteOptions user{};

  router_.add("POST", "/v1/sessions", user, [this](ApiRequest& req) {
    JsonBody body(req.body, {"title", "description", "type", "mode", "settings", "record"}, true);
    storage::SessionRecord s;
    s.id = random_id();
    s.user_id = req.user_id;
    s.title = body.optional_string("title", 200).value_or("Practice session");
    s.description = body.optional_string("description", 2000).value_or("");
    s.mode = body.optional_string("type", 32).value_or(body.optional_string("mode", 32).value_or("presentation"));
    if (!dsp::parse_mode(s.mode))
      throw validation_error("type must be one of " + std::string(dsp::mode_choices()), {{"field", "type"}});
    s.settings = protocol::to_json(body.optional_object("settings", 16 * 1024).value_or(json::object{}));
    s.record = body.optional_bool("record").value_or(false);
    s.status = "created";
    s.created_at = now_ms();
    const auto stored = store_.create_session(s);
    ApiResponse r;
    r.status = 201;
    r.body = session_json(stored, req);
    return r;
  });

  router_.add("GET", "/v1/sessions", user, [this](ApiRequest& req) {
    const int page = req.int_param("page", 1, 1, 1000000);
    const int limit = req.int_param("limit", 20, 1, 100);
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
      if (*v != "created" && *v != "live" && *v != "completed" && *v != "interrupted" && *v != "processing" && *v != "failed")
        throw validation_error("status must be created, live, processing, completed, interrupted or failed", {{"field", "status"}});
      f.status = *v;
    }
    if (auto v = req.query_value("type")) {
      if (!dsp::parse_mode(*v)) throw validation_error("unknown type", {{"field", "type"}});
      f.mode = *v;
    }
    const auto owner = store_.find_user(req.user_id);
    const auto zone = TimeZone::load(owner ? owner->timezone : "UTC");
    for (const char* key : {"startDate", "endDate"}) {
      if (auto v = req.query_value(key)) {
        // A bare date is a whole day in the user's time zone.
        const bool end = std::string_view(key) == "endDate";
        const auto t = zone ? parse_date_param(*v, *zone, end) : parse_time(*v);
        if (!t) throw validation_error(std::string(key) + " must be an ISO 8601 date or UTC date-time", {{"field", key}});
        (end ? f.to : f.from) = *t;
      }
    }
    const auto result = store_.list_sessions(req.user_id, f, page, limit);
    json::array data;
    for (const auto& s : result.sessions) data.push_back(session_json(s, req));
    return page_response(std::move(data), page, limit, result.total);
  });

  router_.add("GET", "/v1/sessions/{id}", user, [this](ApiRequest& req) {
    const auto s = store_.find_session(req.user_id, req.params.at("id"));
    if (!s) throw not_found("session");
    ApiResponse r;
    r.body = session_json(*s, req);
    return r;
  });

  router_.add("DELETE", "/v1/sessions/{id}", user, [this](ApiRequest& req) {
    if (!store_.delete_session(req.user_id, req.params.at("id"))) throw not_found("session");
    ApiResponse r;
    r.status = 204;
    return r;
  });

  // The report and its views: from the final report, or the last checkpoint while live.
  auto report_of = [this](ApiRequest& req) {
    const auto s = store_.find_session(req.user_id, req.params.at("id"));
    if (!s) throw not_found("session");
    const auto& text = s->report ? s->report : s->checkpoint;
    if (!text) throw ApiError(409, "CONFLICT", "this session has no report yet", {{"status", s->status}});
    boost::system::error_code ec;
    auto v = json::parse(*text, ec);
    if (ec || !v.is_object()) throw std::runtime_error("stored report is not a JSON object");
    return std::move(v.as_object());
  };

  router_.add("GET", "/v1/sessions/{id}/report", user, [report_of](ApiRequest& req) {
    ApiResponse r;
    r.body = report_of(req);
    return r;
  });

  router_.add("GET", "/v1/sessions/{id}/scores", user, [report_of](ApiRequest& req) {
    auto report = report_of(req);
    ApiResponse r;
    r.body = json::object{{"session_id", report["session_id"]}, {"status", report["status"]}, {"scores", report["scores"]}};
    return r;
  });

  router_.add("GET", "/v1/sessions/{id}/timeline", user, [report_of](ApiRequest& req) {
    auto report = report_of(req);
    json::array events;
    for (const auto& p : report["metrics"].as_object()["pauses"].as_array())
      events.push_back(json::object{{"type", "pause"}, {"start", p.at("start")}, {"end", p.at("end")}, {"duration", p.at("duration")}});
    ApiResponse r;
    r.body = json::object{{"session_id", report["session_id"]}, {"points", report["timeline"]}, {"events", std::move(events)}};
    return r;
  });

  router_.add("GET", "/v1/sessions/{id}/metrics", user, [report_of](ApiRequest& req) {
    const std::string g = req.query_value("granularity").value_or("second");
    const int width = g == "second" ? 1 : g == "5second" ? 5 : g == "10second" ? 10 : g == "minute" ? 60 : 0;
    if (width == 0) throw validation_error("granularity must be second, 5second, 10second or minute", {{"field", "granularity"}});
    auto report = report_of(req);
    // Re-bucket the per-second timeline: mean level (in power), mean voiced pitch,
    // mean speech ratio, last pace.
    json::array points;
    const auto& timeline = report["timeline"].as_array();
    for (std::size_t i = 0; i < timeline.size(); i += static_cast<std::size_t>(width)) {
      double power = 0, pitch = 0, speech = 0;
      int n = 0, voiced = 0;
      json::value wpm = nullptr;
      for (std::size_t k = i; k < std::min(timeline.size(), i + static_cast<std::size_t>(width)); ++k) {
        const auto& p = timeline[k].as_object();
        power += std::pow(10.0, p.at("volume_db").to_number<double>() / 10.0);
        speech += p.at("speech_ratio").to_number<double>();
        if (!p.at("pitch").is_null()) { pitch += p.at("pitch").to_number<double>(); ++voiced; }
        if (!p.at("wpm").is_null()) wpm = p.at("wpm");
        ++n;
      }
      points.push_back(json::object{{"t", static_cast<std::int64_t>(i)},
                                    {"volume_db", std::round(100.0 * std::log10(std::max(power / n, 1e-12))) / 10.0},
                                    {"pitch", voiced ? json::value(std::round(10.0 * pitch / voiced) / 10.0) : json::value(nullptr)},
                                    {"speech_ratio", std::round(100.0 * speech / n) / 100.0},
                                    {"wpm", wpm}});
    }
    ApiResponse r;
    r.body = json::object{{"session_id", report["session_id"]}, {"granularity", g}, {"points", std::move(points)}};
    return r;
  });
}

}  // namespace orator::server::api
