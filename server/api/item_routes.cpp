// /v1/items: the dictation library (create, bulk create, list with filters,
// read, delete, tags, difficulty).
#include <boost/json.hpp>

#include "server/api/api.hpp"
#include "server/api/dictation_common.hpp"
#include "server/api/json_body.hpp"
#include "server/auth/crypto.hpp"
#include "server/dictation/difficulty.hpp"
#include "server/dictation/dictation_services.hpp"
#include "server/server_context.hpp"
#include "speech/dictation_scoring.hpp"

namespace orator::server::api {
namespace json = boost::json;
namespace {

constexpr std::size_t kMaxBulkItems = 100;

// An item from a create request's fields (validated); its audio is pending,
// or failed at once when no engine speaks its locale.
storage::DictationItem new_item(const JsonBody& body, const std::string& user_id, dictation::SpeechSynthesis& synthesis) {
  storage::DictationItem i;
  i.id = random_id();
  i.user_id = user_id;
  i.locale = canonical_locale(body.required_string("locale", 35));
  i.text = body.required_string("text", 4 * kMaxItemCharacters);
  check_text_length(i.text, "text");
  const auto words = speech::dictation_words(i.text, {false, i.locale});
  if (words.empty()) throw validation_error("text has no words to write down", {{"field", "text"}});
  i.text_folded = speech::fold_case(i.text);
  if (auto d = body.optional_int("difficulty", 1, 5)) {
    i.difficulty = static_cast<int>(*d);
    i.difficulty_computed = false;
  } else {
    i.difficulty = dictation::estimate_difficulty(words, i.locale);
  }
  if (auto tags = body.optional_array("tags", kMaxTags + 1)) i.tags = parse_tags(*tags);
  const auto voice = synthesis.voice_for(i.locale);
  i.voice = voice.value_or("");
  if (!voice) {
    i.tts_status = storage::TtsStatus::failed;
    i.tts_error = "no speech engine speaks " + i.locale + " (English is spoken by flite, other languages by espeak-ng; "
                  "GET /metadata lists the locales)";
  }
  // The audio is the same for the same words in the same voice: one copy per user.
  i.audio_key = auth::sha256_hex(i.locale + '\n' + i.voice + '\n' + i.text);
  i.created_at = i.updated_at = Api::now_ms();
  return i;
}

JsonBody item_body(std::string_view text) { return JsonBody(text, {"locale", "text", "difficulty", "tags"}); }

}  // namespace

void Api::add_item_routes() {
  const RouteOptions user{};

  router_.add("POST", "/v1/items", user, [this](ApiRequest& req) {
    auto& d = dictation();
    const auto stored = d.store.create_item(new_item(item_body(req.body), req.user_id, *d.synthesis));
    if (d.jobs) d.jobs->wake();
    ApiResponse r;
    r.status = 202;  // accepted: the audio is made in the background
    r.body = item_json(stored);
    r.headers.emplace_back("Location", "/v1/items/" + stored.id);
    return r;
  });

  router_.add("POST", "/v1/items/bulk", user, [this](ApiRequest& req) {
    auto& d = dictation();
    JsonBody body(req.body, {"items"});
    const auto items = body.optional_array("items", kMaxBulkItems);
    if (!items || items->empty()) throw validation_error("items must be an array of 1-100 items", {{"field", "items"}});
    json::array created, failed;
    for (std::size_t index = 0; index < items->size(); ++index) {
      try {
        if (!(*items)[index].is_object()) throw validation_error("each item must be an object");
        const auto item = new_item(item_body(json::serialize((*items)[index])), req.user_id, *d.synthesis);
        created.push_back(item_json(d.store.create_item(item)));
      } catch (const ApiError& e) {
        failed.push_back(json::object{{"index", index},
                                      {"error", json::object{{"code", e.code}, {"message", e.what()}, {"details", e.details}}}});
      }
    }
    if (d.jobs && !created.empty()) d.jobs->wake();
    ApiResponse r;
    // 202 when anything was created; 400 when every item was refused.
    r.status = created.empty() ? 400 : 202;
    r.body = json::object{{"created", std::move(created)}, {"failed", std::move(failed)}};
    return r;
  });

  router_.add("GET", "/v1/items?page&per_page&locale&tags&difficulty&practiced&search&sort_by&sort_order", user,
              [this](ApiRequest& req) {
    auto& d = dictation();
    const int page = req.int_param("page", 1, 1, 1000000);
    const int per_page = req.per_page(20, 100);
    storage::ItemFilter f;
    if (auto v = req.query_value("locale")) f.locale = canonical_locale(*v);
    if (auto v = req.query_value("difficulty")) f.difficulty = req.int_param("difficulty", 1, 1, 5);
    if (auto v = req.query_value("practiced")) {
      if (*v != "true" && *v != "false") throw validation_error("practiced must be true or false", {{"field", "practiced"}});
      f.practiced = *v == "true";
    }
    if (auto v = req.query_value("search")) {
      if (v->empty() || speech::code_points(*v) > 200) throw validation_error("search must be 1-200 characters", {{"field", "search"}});
      f.search_folded = speech::fold_case(*v);
    }
    if (auto v = req.query_value("tags")) {
      json::array names;
      for (std::size_t start = 0; start <= v->size();) {
        const auto end = std::min(v->find(',', start), v->size());
        names.push_back(json::string(v->substr(start, end - start)));
        start = end + 1;
      }
      for (const auto& t : parse_tags(names)) f.tags_folded.push_back(t.folded);
    }
    f.sort_by = req.query_value("sort_by").value_or("created_at");
    if (f.sort_by != "created_at" && f.sort_by != "difficulty" && f.sort_by != "text" && f.sort_by != "last_practiced")
      throw validation_error("sort_by must be created_at, difficulty, text or last_practiced", {{"field", "sort_by"}});
    const std::string order = req.query_value("sort_order").value_or(f.sort_by == "text" ? "asc" : "desc");
    if (order != "asc" && order != "desc") throw validation_error("sort_order must be asc or desc", {{"field", "sort_order"}});
    f.descending = order == "desc";
    const auto result = d.store.list_items(req.user_id, f, page, per_page);
    json::array data;
    for (const auto& i : result.items) data.push_back(item_json(i));
    return page_response(std::move(data), page, per_page, result.total);
  });

  router_.add("GET", "/v1/items/{id}", user, [this](ApiRequest& req) {
    const auto item = dictation().store.find_item(req.user_id, req.params.at("id"));
    if (!item) throw not_found("item");
    ApiResponse r;
    r.body = item_json(*item);
    return r;
  });

  router_.add("DELETE", "/v1/items/{id}", user, [this](ApiRequest& req) {
    if (!dictation().store.delete_item(req.user_id, req.params.at("id"))) throw not_found("item");
    ApiResponse r;
    r.status = 204;
    return r;
  });

  router_.add("PATCH", "/v1/items/{id}/tags", user, [this](ApiRequest& req) {
    auto& d = dictation();
    JsonBody body(req.body, {"tags"});
    const auto tags = body.optional_array("tags", kMaxTags + 1);
    if (!tags) throw validation_error("tags is required (an array of strings; [] removes every tag)", {{"field", "tags"}});
    if (!d.store.set_item_tags(req.user_id, req.params.at("id"), parse_tags(*tags), now_ms())) throw not_found("item");
    ApiResponse r;
    r.body = item_json(*d.store.find_item(req.user_id, req.params.at("id")));
    return r;
  });

  router_.add("PATCH", "/v1/items/{id}/difficulty", user, [this](ApiRequest& req) {
    auto& d = dictation();
    JsonBody body(req.body, {"difficulty"});
    if (!body.has("difficulty")) throw validation_error("difficulty is required: 1-5, or null to compute it", {{"field", "difficulty"}});
    const auto item = d.store.find_item(req.user_id, req.params.at("id"));
    if (!item) throw not_found("item");
    const auto given = body.optional_int("difficulty", 1, 5);
    const int difficulty = given ? static_cast<int>(*given)
                                 : dictation::estimate_difficulty(speech::dictation_words(item->text, {false, item->locale}), item->locale);
    if (!d.store.set_item_difficulty(req.user_id, item->id, difficulty, !given, now_ms())) throw not_found("item");
    ApiResponse r;
    r.body = item_json(*d.store.find_item(req.user_id, item->id));
    return r;
  });
}

}  // namespace orator::server::api
