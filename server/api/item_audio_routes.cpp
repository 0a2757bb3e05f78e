// /v1/items/{id}/audio, /tts-status and /audio/refresh: an item's
// synthesised speech (WAV or Ogg Opus, normal or slow).
#include <boost/json.hpp>

#include "protocol/ogg_opus_writer.hpp"
#include "protocol/recording.hpp"
#include "server/api/api.hpp"
#include "server/api/dictation_common.hpp"
#include "server/auth/crypto.hpp"
#include "server/dictation/dictation_services.hpp"

namespace orator::server::api {
namespace json = boost::json;
namespace {

dictation::SpeakingRate rate_of(const ApiRequest& req) {
  const auto rate = dictation::parse_rate(req.query_value("rate").value_or("normal"));
  if (!rate) throw validation_error("rate must be normal or slow", {{"field", "rate"}});
  return *rate;
}

// ?format= wins; else Accept naming Ogg or Opus before WAV; else WAV.
bool wants_opus(const ApiRequest& req) {
  if (auto f = req.query_value("format")) {
    if (*f != "wav" && *f != "opus") throw validation_error("format must be wav or opus", {{"field", "format"}});
    return *f == "opus";
  }
  const std::string accept = req.header("accept").value_or("");
  const auto opus = std::min(accept.find("audio/ogg"), accept.find("audio/opus"));
  return opus != std::string::npos && opus < accept.find("audio/wav");
}

json::object status_json(const storage::DictationItem& i) {
  auto item = item_json(i);
  return {{"item_id", i.id},
          {"tts_status", item.at("tts_status")},
          {"error", item.at("tts_error")},
          {"voice", item.at("voice")},
          {"attempts", i.tts_attempts},
          {"audio_url", item.at("audio_url")},
          {"slow_audio_url", item.at("slow_audio_url")},
          {"updated_at", item.at("updated_at")}};
}

}  // namespace

void Api::add_item_audio_routes() {
  const RouteOptions user{};

  router_.add("GET", "/v1/items/{id}/tts-status", user, [this](ApiRequest& req) {
    const auto item = dictation().store.find_item(req.user_id, req.params.at("id"));
    if (!item) throw not_found("item");
    ApiResponse r;
    r.body = status_json(*item);
    return r;
  });

  router_.add("GET", "/v1/items/{id}/audio?rate&format", user, [this](ApiRequest& req) {
    auto& d = dictation();
    const auto rate = rate_of(req);
    const bool opus = wants_opus(req);
    const auto item = d.store.find_item(req.user_id, req.params.at("id"));
    if (!item) throw not_found("item");
    if (item->tts_status != storage::TtsStatus::ready) {
      const bool failed = item->tts_status == storage::TtsStatus::failed;
      json::object details{{"tts_status", storage::tts_status_name(item->tts_status)}};
      if (!failed) details["retry_after"] = 1;
      throw ApiError(409, failed ? "AUDIO_FAILED" : "AUDIO_NOT_READY",
                     failed ? "the audio could not be made: " + item->tts_error.value_or("unknown reason")
                            : "the audio is still being made; retry shortly (GET .../tts-status)",
                     std::move(details));
    }
    const auto audio = d.store.find_audio(req.user_id, item->audio_key, std::string(dictation::rate_name(rate)));
    if (!audio) throw ApiError(409, "AUDIO_NOT_READY", "the audio is being made again; retry shortly", {{"retry_after", 1}});
    const auto pcm = auth::base64url_decode(audio->pcm_base64);
    if (!pcm || pcm->size() % 2 != 0) throw ApiError(500, "INTERNAL_ERROR", "the stored audio is corrupt; refresh it");
    ApiResponse r;
    const std::span samples(reinterpret_cast<const std::int16_t*>(pcm->data()), pcm->size() / 2);
    if (opus) {
      r.raw_body = protocol::encode_ogg_opus(samples, audio->sample_rate);
      r.content_type = "audio/ogg; codecs=opus";
    } else {
      r.raw_body = protocol::wav_header(audio->sample_rate, static_cast<std::int64_t>(samples.size())) +
                   std::string(reinterpret_cast<const char*>(pcm->data()), pcm->size());
      r.content_type = "audio/wav";
    }
    r.headers.emplace_back("Content-Disposition", "inline; filename=\"item-" + item->id + (opus ? ".ogg\"" : ".wav\""));
    return r;
  });

  router_.add("POST", "/v1/items/{id}/audio/refresh", user, [this](ApiRequest& req) {
    auto& d = dictation();
    const auto item = d.store.find_item(req.user_id, req.params.at("id"));
    if (!item) throw not_found("item");
    if (item->voice.empty()) throw ApiError(422, "UNSUPPORTED_LOCALE", item->tts_error.value_or("no speech engine speaks this locale"));
    if (!d.store.requeue_tts(req.user_id, item->id, now_ms())) throw not_found("item");
    if (d.jobs) d.jobs->wake();
    ApiResponse r;
    r.status = 202;
    r.body = status_json(*d.store.find_item(req.user_id, item->id));
    return r;
  });
}

}  // namespace orator::server::api
