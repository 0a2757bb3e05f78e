// GET /metadata (and /v1/metadata): what this server is and can do, for
// clients and operators. Public: no user data, no secrets, no usage counts.
#include <boost/json.hpp>

#include <chrono>
#include <cmath>

#include "server/api/api.hpp"
#include "server/api/dictation_common.hpp"
#include "server/dictation/dictation_services.hpp"
#include "storage/migrations.hpp"

#ifndef ORATOR_GIT_COMMIT
#define ORATOR_GIT_COMMIT "unknown"
#endif
#ifndef ORATOR_BUILD_TIME
#define ORATOR_BUILD_TIME "unknown"
#endif

namespace orator::server::api {
namespace json = boost::json;
namespace {

json::array strings(const std::vector<std::string>& v) {
  json::array out;
  for (const auto& s : v) out.push_back(json::string(s));
  return out;
}

}  // namespace

json::object Api::metadata(const std::string& detail) {
  json::object out{{"name", "orator"},
                   {"version", "0.1.0"},
                   {"schema_version", storage::migrations().back().version},
                   {"build", json::object{{"commit", ORATOR_GIT_COMMIT}, {"time", ORATOR_BUILD_TIME}}},
                   {"features", json::array{"live_stream", "sessions", "uploads", "recordings", "transcripts", "analytics",
                                            "api_keys", "dictation", "translations"}}};
  if (detail == "core") return out;
  const double uptime = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  out["runtime"] = json::object{{"uptime_s", std::round(uptime)}, {"database", store_.backend()}, {"instance", config_.instance_id}};
  out["limits"] = json::object{{"rate_limit_per_minute", config_.rate_limit_per_minute},
                               {"max_item_characters", kMaxItemCharacters},
                               {"max_bulk_items", 100},
                               {"max_tags_per_item", kMaxTags},
                               {"max_per_page", 100},
                               {"max_sessions_per_hour", config_.max_sessions_per_hour},
                               {"max_concurrent_streams_per_user", config_.max_streams_per_user}};
  if (detail == "runtime") return out;
  json::object providers;
  if (dictation_) {
    json::object voices{{"en", "flite:cmu_us_slt"}};
    for (const auto& language : dictation_->synthesis->espeak_languages())
      if (language.rfind("en", 0) != 0) voices[language] = "espeak-ng:" + language;
    providers["tts"] = json::object{{"engines", json::array{"flite", "espeak-ng"}},
                                    {"espeak_ng_available", dictation_->synthesis->espeak_available()},
                                    {"voices", std::move(voices)},
                                    {"rates", json::array{"normal", "slow"}}};
    providers["translation"] = json::object{{"provider", dictation_->translator->name()},
                                            {"pairs", strings(dictation_->translator->pairs())}};
  }
  providers["recogniser"] = json::object{
      {"engine", config_.asr_threads == 0 ? json::value(nullptr) : json::value("pocketsphinx")},
      {"model", config_.asr_threads == 0 ? json::value(nullptr)
                                         : json::value(config_.asr_model_dir.empty() ? "en-us (pocketsphinx-en-us)" : config_.asr_model_dir)},
      {"transcription_provider", config_.transcription_provider_url.empty() ? json::value(nullptr) : json::value("openai-compatible")}};
  out["providers"] = std::move(providers);
  return out;
}

void Api::add_metadata_routes() {
  const RouteOptions open{false, false};
  const auto answer = [this](ApiRequest& req) {
    const std::string detail = req.query_value("detail").value_or("core");
    if (detail != "core" && detail != "runtime" && detail != "full")
      throw validation_error("detail must be core, runtime or full", {{"field", "detail"}});
    auto all = metadata(detail);
    ApiResponse r;
    if (auto fields = req.query_value("fields")) {
      json::object picked;
      for (std::size_t start = 0; start <= fields->size();) {
        const auto end = std::min(fields->find(',', start), fields->size());
        const std::string name = fields->substr(start, end - start);
        if (!all.contains(name))
          throw validation_error("fields: '" + name + "' is not a metadata field at detail=" + detail, {{"field", "fields"}});
        picked[name] = all.at(name);
        start = end + 1;
      }
      r.body = std::move(picked);
    } else {
      r.body = std::move(all);
    }
    return r;
  };
  router_.add("GET", "/metadata?fields&detail", open, answer);
  router_.add("GET", "/v1/metadata?fields&detail", open, answer);
}

}  // namespace orator::server::api
