// Authorising a WebSocket stream before the upgrade: who is streaming, and
// into which stored session.
#include "server/api/api.hpp"
#include "server/api/stream_auth.hpp"
#include "server/server_context.hpp"

#include <boost/json.hpp>

#include "dsp/mode.hpp"
#include "server/sessions/session_service.hpp"

namespace orator::server::api {

StreamAuthorization authorize_stream(Api& api, const ApiRequest& req, const std::string& requested_session,
                                     bool allow_anonymous) {
  StreamAuthorization out;
  const auto refuse = [&](int status, std::string code, std::string message, int retry_after = 0) {
    out.status = status;
    out.code = std::move(code);
    out.message = std::move(message);
    out.retry_after = retry_after;
    return out;
  };
  const bool has_credentials = req.header("authorization") || req.header("x-api-key") || req.query_value("access_token");
  if (!has_credentials) {
    if (allow_anonymous) return out;  // analysed, not stored
    return refuse(401, "AUTHENTICATION_ERROR",
                  "authentication required: Authorization: Bearer <token>, access_token=<token>, or X-API-Key");
  }
  std::string error, scopes;
  const auto user = api.authenticate(req, error, /*opening_stream=*/true, &scopes);
  if (!user) return refuse(401, "AUTHENTICATION_ERROR", error);
  if (!Api::has_scope(scopes, "stream")) return refuse(403, "AUTHORIZATION_ERROR", "this API key lacks the 'stream' scope");
  auto& store = api.store();
  auto& sessions = api.sessions();
  if (auto wait = api.rate_limit(*user)) return refuse(429, "RATE_LIMIT_EXCEEDED", "rate limit exceeded; retry later", *wait);
  out.identity.stream_slot = sessions.claim_stream(*user);
  if (!out.identity.stream_slot)
    return refuse(429, "TOO_MANY_STREAMS", "you already have the most concurrent streams allowed; end one first", 10);
  out.identity.user_id = *user;
  if (const auto practice = req.query_value("practice_session_id")) {
    if (auto refused = api.practice_session_refusal(*user, *practice)) return refuse(refused->status, refused->code, refused->message);
    out.identity.practice_session_id = *practice;
  }
  if (!requested_session.empty()) {
    const auto s = store.find_session(*user, requested_session);
    // Another user's session looks exactly like a missing one.
    if (!s) return refuse(404, "NOT_FOUND", "session not found");
    if (s->status != storage::SessionStatus::created)
      return refuse(409, "CONFLICT",
                    "session already " + std::string(storage::status_name(s->status)) + "; create a new session to stream again");
    if (auto refused = sessions.quota_refusal(*user, false, s->record))
      return refuse(refused->status, refused->code, refused->message, refused->retry_after);
    out.identity.session_id = s->id;
    out.identity.record = s->record;
    out.identity.session_mode = s->mode;
    boost::system::error_code ec;
    const auto settings = boost::json::parse(s->settings, ec);
    const auto* object = !ec && settings.is_object() ? &settings.as_object() : nullptr;
    if (const auto* t = object ? object->if_contains("transcript") : nullptr; t && t->is_bool())
      out.identity.session_transcript = t->as_bool();
    if (const auto* t = object ? object->if_contains("target_text") : nullptr; t && t->is_string())
      out.identity.session_target_text = t->as_string();
    if (const auto* t = object ? object->if_contains("sentence_id") : nullptr; t && t->is_string())
      out.identity.session_sentence_id = t->as_string();
  } else {
    sessions::NewSession s;
    s.user_id = *user;
    s.title = "Live session";
    const auto mode = dsp::parse_mode(req.query_value("mode").value_or("presentation"));
    // The same answer POST /v1/sessions gives.
    if (!mode) return refuse(400, "VALIDATION_ERROR", "mode must be one of " + std::string(dsp::mode_choices()));
    s.mode = *mode;
    s.record = req.query_value("record").value_or("") == "true";
    if (auto refused = sessions.quota_refusal(*user, true, s.record))
      return refuse(refused->status, refused->code, refused->message, refused->retry_after);
    out.identity.session_id = sessions.create(s).id;
    out.identity.record = s.record;
  }
  // Checked above, taken here: of two streams racing into one session, one wins.
  if (!sessions.begin_stream(out.identity.session_id, out.identity.practice_session_id))
    return refuse(409, "CONFLICT", "another stream has just started in this session; create a new session to stream again");
  return out;
}

}  // namespace orator::server::api
