// /v1/tags (tag presets) and translations of dictation items.
#include <boost/json.hpp>

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

json::object tag_json(const storage::TagPreset& t) {
  return {{"id", t.id}, {"name", t.name}, {"created_at", format_time(t.created_at)}};
}

json::object translation_json(const storage::Translation& t) {
  return {{"id", t.id},
          {"item_id", t.item_id},
          {"target_language", t.target_language},
          {"text", t.text},
          {"provider", t.provider},
          {"created_at", format_time(t.created_at)},
          {"updated_at", format_time(t.updated_at)}};
}

std::string target_language(const ApiRequest& req) {
  const auto v = req.query_value("target_language");
  if (!v) throw validation_error("target_language is required (an ISO 639-1 code such as es)", {{"field", "target_language"}});
  return dictation::language_of(canonical_locale(*v, "target_language"));
}

// The item's text in `target`, from the provider; stored over `existing` when given.
storage::Translation translate_item(dictation::DictationServices& d, const storage::DictationItem& item, const std::string& target,
                                    const std::optional<storage::Translation>& existing) {
  const std::string source = dictation::language_of(item.locale);
  if (source == target) throw validation_error("the item is already in " + target, {{"field", "target_language"}});
  const auto result = d.translator->translate(item.text, source, target);
  if (result.unsupported_pair) {
    json::array pairs;
    for (const auto& p : d.translator->pairs()) pairs.push_back(json::string(p));
    throw ApiError(422, "UNSUPPORTED_LANGUAGE_PAIR", result.error + "; available pairs are listed in details",
                   {{"source_language", source}, {"target_language", target}, {"available_pairs", std::move(pairs)}});
  }
  if (!result.text) throw ApiError(502, "TRANSLATION_FAILED", "the translation could not be made: " + result.error);
  storage::Translation t = existing.value_or(storage::Translation{});
  if (!existing) {
    t.id = random_id();
    t.user_id = item.user_id;
    t.item_id = item.id;
    t.target_language = target;
    t.created_at = Api::now_ms();
  }
  t.text = *result.text;
  t.provider = d.translator->name();
  t.updated_at = Api::now_ms();
  return d.store.save_translation(t);
}

}  // namespace

void Api::add_tag_and_translation_routes() {
  const RouteOptions user{};
  RouteOptions translating{};
  translating.long_running = true;  // the provider (a child process or an HTTP call) may take seconds

  router_.add("POST", "/v1/tags", user, [this](ApiRequest& req) {
    JsonBody body(req.body, {"name"});
    json::array one{json::string(body.required_string("name", 4 * kMaxTagCharacters))};
    const auto tag = parse_tags(one, "name").at(0);
    storage::TagPreset t{random_id(), req.user_id, tag.name, tag.folded, now_ms()};
    try {
      t = dictation().store.create_tag(t);
    } catch (const storage::StorageError& e) {
      if (!e.conflict()) throw;
      throw ApiError(409, "CONFLICT", "you already have a tag named '" + tag.name + "'", {{"field", "name"}});
    }
    ApiResponse r;
    r.status = 201;
    r.body = tag_json(t);
    return r;
  });

  router_.add("GET", "/v1/tags?search&sort_by&sort_order", user, [this](ApiRequest& req) {
    std::optional<std::string> search;
    if (auto v = req.query_value("search")) search = speech::fold_case(*v);
    const std::string sort_by = req.query_value("sort_by").value_or("name");
    if (sort_by != "name" && sort_by != "created_at") throw validation_error("sort_by must be name or created_at", {{"field", "sort_by"}});
    const std::string order = req.query_value("sort_order").value_or("asc");
    if (order != "asc" && order != "desc") throw validation_error("sort_order must be asc or desc", {{"field", "sort_order"}});
    json::array data;
    for (const auto& t : dictation().store.list_tags(req.user_id, search, sort_by, order == "desc")) data.push_back(tag_json(t));
    ApiResponse r;
    r.body = json::object{{"data", std::move(data)}};
    return r;
  });

  router_.add("DELETE", "/v1/tags/{id}", user, [this](ApiRequest& req) {
    // Items keep their labels: a preset is a suggestion, not a link.
    if (!dictation().store.delete_tag(req.user_id, req.params.at("id"))) throw not_found("tag");
    ApiResponse r;
    r.status = 204;
    return r;
  });

  router_.add("POST", "/v1/items/{id}/translations?target_language", translating, [this](ApiRequest& req) {
    auto& d = dictation();
    const std::string target = target_language(req);
    const auto item = d.store.find_item(req.user_id, req.params.at("id"));
    if (!item) throw not_found("item");
    ApiResponse r;
    if (auto cached = d.store.find_translation(req.user_id, item->id, target)) {
      r.body = translation_json(*cached);
      r.body.as_object()["cached"] = true;
      return r;
    }
    r.status = 201;
    r.body = translation_json(translate_item(d, *item, target, std::nullopt));
    r.body.as_object()["cached"] = false;
    return r;
  });

  router_.add("GET", "/v1/items/{id}/translations?target_language", user, [this](ApiRequest& req) {
    auto& d = dictation();
    const std::string target = target_language(req);
    if (!d.store.find_item(req.user_id, req.params.at("id"))) throw not_found("item");
    const auto cached = d.store.find_translation(req.user_id, req.params.at("id"), target);
    if (!cached) throw ApiError(404, "NOT_FOUND", "no translation to " + target + " yet: POST to make one");
    ApiResponse r;
    r.body = translation_json(*cached);
    return r;
  });

  router_.add("POST", "/v1/translations/{id}/refresh", translating, [this](ApiRequest& req) {
    auto& d = dictation();
    const auto existing = d.store.find_translation_by_id(req.user_id, req.params.at("id"));
    if (!existing) throw not_found("translation");
    const auto item = d.store.find_item(req.user_id, existing->item_id);
    if (!item) throw not_found("item");
    ApiResponse r;
    r.body = translation_json(translate_item(d, *item, existing->target_language, existing));
    return r;
  });
}

}  // namespace orator::server::api
