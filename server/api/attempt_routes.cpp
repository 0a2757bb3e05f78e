// /v1/attempts: a typed attempt scored against its item by word error rate.
#include <boost/json.hpp>

#include "protocol/json_writer.hpp"
#include "server/api/api.hpp"
#include "server/api/dictation_common.hpp"
#include "server/api/json_body.hpp"
#include "server/api/time_zone.hpp"
#include "server/dictation/dictation_services.hpp"
#include "server/server_context.hpp"
#include "speech/dictation_scoring.hpp"

namespace orator::server::api {
namespace json = boost::json;
namespace {

constexpr std::int64_t kMaxDurationMs = 24LL * 3600 * 1000;
constexpr double kEstimatedWordsPerSecond = 2.5;  // no audio to measure: a listener's pace at 150 wpm

// What the client can draw: each word with its mark, as written on each side.
std::string alignment_json(const speech::DictationScore& s) {
  json::array words;
  for (const auto& a : s.alignment) {
    words.push_back(json::object{{"status", speech::word_mark_name(a.mark)},
                                 {"reference", a.ref >= 0 ? json::value(s.reference[static_cast<std::size_t>(a.ref)].display) : json::value(nullptr)},
                                 {"typed", a.typed >= 0 ? json::value(s.typed[static_cast<std::size_t>(a.typed)].display) : json::value(nullptr)}});
  }
  return protocol::to_json(json::object{{"substitutions", s.substitutions},
                                        {"deletions", s.deletions},
                                        {"insertions", s.insertions},
                                        {"words", std::move(words)}});
}

}  // namespace

void Api::add_attempt_routes() {
  const RouteOptions user{};

  router_.add("POST", "/v1/attempts?ignore_accents", user, [this](ApiRequest& req) {
    auto& d = dictation();
    JsonBody body(req.body, {"item_id", "text", "duration_ms", "ignore_accents"});
    const std::string item_id = body.required_string("item_id", 64);
    const std::string text = body.optional_string("text", 4 * kMaxItemCharacters).value_or("");
    check_text_length(text, "text", 0);
    bool ignore_accents = body.optional_bool("ignore_accents").value_or(false);
    if (auto q = req.query_value("ignore_accents")) {
      if (*q != "true" && *q != "false") throw validation_error("ignore_accents must be true or false", {{"field", "ignore_accents"}});
      ignore_accents = *q == "true";
    }
    const auto item = d.store.find_item(req.user_id, item_id);
    if (!item) throw not_found("item");
    const auto score = speech::score_dictation(item->text, text, {ignore_accents, item->locale});

    storage::DictationAttempt a;
    a.id = random_id();
    a.user_id = req.user_id;
    a.item_id = item->id;
    a.text = text;
    a.wer = score.wer;
    a.percentage = score.percentage;
    a.words_ref = score.words_ref;
    a.words_correct = score.words_correct;
    a.alignment_json = alignment_json(score);
    a.ignore_accents = ignore_accents;
    if (auto ms = body.optional_int("duration_ms", 0, kMaxDurationMs)) {
      a.duration_ms = *ms;
    } else {
      // Listening takes at least the audio's length.
      a.duration_estimated = true;
      const auto samples = d.store.audio_samples(req.user_id, item->audio_key, "normal");
      a.duration_ms = samples ? *samples * 1000 / 16000
                              : static_cast<std::int64_t>(score.words_ref / kEstimatedWordsPerSecond * 1000);
    }
    a.created_at = now_ms();
    ApiResponse r;
    r.status = 201;
    r.body = attempt_json(d.store.create_attempt(a));
    r.headers.emplace_back("Location", "/v1/attempts/" + a.id);
    return r;
  });

  router_.add("GET", "/v1/attempts?page&per_page&item_id&date_from&date_to", user, [this](ApiRequest& req) {
    auto& d = dictation();
    const int page = req.int_param("page", 1, 1, 1000000);
    const int per_page = req.per_page(20, 100);
    std::string zone_name;
    const auto zone = user_zone(req.user_id, zone_name);
    const auto result = d.store.list_attempts(req.user_id, req.query_value("item_id"), date_param(req, {"date_from"}, *zone, false),
                                              date_param(req, {"date_to"}, *zone, true), page, per_page);
    json::array data;
    for (const auto& a : result.attempts) data.push_back(attempt_json(a));
    return page_response(std::move(data), page, per_page, result.total);
  });

  router_.add("GET", "/v1/attempts/{id}", user, [this](ApiRequest& req) {
    const auto a = dictation().store.find_attempt(req.user_id, req.params.at("id"));
    if (!a) throw not_found("attempt");
    ApiResponse r;
    r.body = attempt_json(*a);
    return r;
  });
}

}  // namespace orator::server::api
