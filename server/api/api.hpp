#pragma once
// The REST API. handle() authenticates, rate-limits, routes and maps every
// failure to the one error shape. It blocks on the database, so the server
// calls it from the storage worker pool, never from an event-loop thread.
// Thread-safe.
#include <boost/json/object.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "server/api/api_types.hpp"
#include "server/api/login_throttle.hpp"
#include "server/api/rate_limiter.hpp"
#include "server/api/router.hpp"
#include "server/api/time_zone.hpp"
#include "server/auth/crypto.hpp"
#include "server/auth/jwt.hpp"
#include "server/config.hpp"
#include "storage/store.hpp"

namespace orator::server::sessions {
class SessionService;
}
namespace orator::server::dictation {
struct DictationServices;
}
namespace orator::server::transcription {
class DecoderPool;
}

namespace orator::server::api {

class Api {
 public:
  // Sessions are created, uploaded into and transcribed through `sessions`,
  // which owns their lifecycle; the API reads the store directly.
  // Dictation (items, attempts, tags, translations) answers 503 without `dictation`.
  Api(storage::Store& store, const auth::JwtSigner& signer, const ServerConfig& config, sessions::SessionService& sessions,
      auth::ScryptParams password_params = {}, dictation::DictationServices* dictation = nullptr);

  [[nodiscard]] ApiResponse handle(ApiRequest& request);
  // Whether the request's route takes seconds (RouteOptions::long_running),
  // so the server runs it apart from the database workers. Thread-safe.
  [[nodiscard]] bool is_long_running(ApiRequest& request) const;
  // A recording upload judged on its header alone, before any of its body
  // is read (authenticated, within the rate limit, the caller's session,
  // which can take a recording): nullopt to go on, else the answer.
  [[nodiscard]] std::optional<ApiResponse> admit_upload(ApiRequest& request);
  // Who is calling (Bearer token, X-API-Key, or, when `opening_stream`, an
  // access_token query parameter: browsers cannot set headers on a WebSocket
  // upgrade, and tokens in REST URLs end up in logs and histories): the user
  // id, or nullopt with `error` set.
  // `scopes` (when given) receives what the credentials may do: every scope
  // for a Bearer token, the key's for an API key ("read,write,stream,admin").
  [[nodiscard]] std::optional<std::string> authenticate(const ApiRequest& request, std::string& error,
                                                        bool opening_stream = false, std::string* scopes = nullptr);
  [[nodiscard]] static bool has_scope(const std::string& scopes, std::string_view scope);
  [[nodiscard]] const Router& router() const { return router_; }
  [[nodiscard]] storage::Store& store() { return store_; }
  [[nodiscard]] sessions::SessionService& sessions() { return sessions_; }
  // The recogniser's decoders (none: recognition is off). Set once at start,
  // before requests: uploaded pronunciation attempts are also transcribed.
  void use_decoders(transcription::DecoderPool* decoders) { decoders_ = decoders; }

  // Shared by the route files.
  [[nodiscard]] boost::json::object issue_tokens(const storage::User& user, const std::string& family_id = {});
  [[nodiscard]] static boost::json::object user_json(const storage::User& user);
  [[nodiscard]] static std::int64_t now_ms();
  // The user's time zone (UTC when theirs cannot be read) and its name.
  [[nodiscard]] std::shared_ptr<const TimeZone> user_zone(const std::string& user_id, std::string& name);
  // A date query parameter under the first of `names` present (later names
  // are older aliases): a bare date is that day in `zone`.
  [[nodiscard]] static std::optional<std::int64_t> date_param(const ApiRequest& req, std::initializer_list<const char*> names,
                                                              const TimeZone& zone, bool end_of_day);
  // Stream upgrades draw on the same per-user budget as REST requests:
  // nullopt when allowed, else the seconds to wait.
  [[nodiscard]] std::optional<int> rate_limit(const std::string& user_id) { return user_limiter_.acquire("user:" + user_id); }

  // Pronunciation practice sessions (practice_sessions.cpp). Why `session_id`
  // cannot take another attempt of `user_id` (not theirs: 404; not of type
  // pronunciation, or ended: 409), or nullopt.
  struct Refusal {
    int status;
    std::string code, message;
  };
  [[nodiscard]] std::optional<Refusal> practice_session_refusal(const std::string& user_id, const std::string& session_id);
  // The session's attempts summed up: attempts, average and best overall, weak phonemes.
  [[nodiscard]] boost::json::object practice_summary_json(const std::string& user_id, const std::string& session_id);
  // POST /v1/sessions/{id}/end for a pronunciation session `s`: ends it (or
  // throws 404/409 with what it found) and returns its summary.
  boost::json::object end_practice_session(const storage::SessionRecord& s);

 private:
  void add_auth_routes();
  void add_user_routes();
  void add_session_routes();
  void add_analytics_routes();
  void add_upload_routes();
  void add_recording_routes();
  void add_transcript_routes();
  void add_item_routes();
  void add_item_audio_routes();
  void add_attempt_routes();
  void add_dictation_stats_routes();
  void add_tag_and_translation_routes();
  void add_metadata_routes();
  void add_pronunciation_routes();
  void add_pronunciation_assessment_routes();
  // GET /metadata's document at `detail` (core | runtime | full).
  [[nodiscard]] boost::json::object metadata(const std::string& detail);
  // The dictation services, or 503 when this server runs without them.
  dictation::DictationServices& dictation();
  // `password` against `hash` for `account` (a normalised email), throttled
  // per account: throws 429 while the account must wait; a wrong password
  // counts as a failed sign-in, a right one clears them.
  [[nodiscard]] bool verify_password_throttled(const std::string& account, const std::string& password, const std::string& hash);
  // A quota's or the session service's refusal (from quota_refusal, submit_upload), as an ApiError.
  [[noreturn]] static void refuse(int status, const std::string& code, const std::string& message, int retry_after);
  // Runs `respond`, mapping every failure to the one error shape.
  ApiResponse guarded(const ApiRequest& request, const std::function<ApiResponse()>& respond);
  // 400 for a query parameter the route does not take (a typo must not be ignored silently).
  static void reject_unknown_query(const ApiRequest& req, const Router::Route& route);
  // Throttles, authenticates (sets user_id) and rate-limits; throws ApiError.
  void admit(ApiRequest& request, const RouteOptions& options);
  // Throws practice_session_refusal's answer as an ApiError.
  void check_practice_session(const std::string& user_id, const std::string& session_id);
  storage::TranscriptRecord transcript_or_explain(const std::string& user_id, const std::string& session_id);

  storage::Store& store_;
  const auth::JwtSigner& signer_;
  const ServerConfig& config_;
  auth::ScryptParams password_params_;
  std::string dummy_hash_;  // verified against when the user does not exist (equal timing)
  storage::LimitStore limits_;  // the database's share of the limits below, when they are shared
  RateLimiter user_limiter_, credential_limiter_;
  LoginThrottle login_throttle_;
  Router router_;
  sessions::SessionService& sessions_;
  dictation::DictationServices* dictation_;
  transcription::DecoderPool* decoders_ = nullptr;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};


}  // namespace orator::server::api
