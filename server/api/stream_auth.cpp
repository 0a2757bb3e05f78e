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
  const bool has_credentials = req.header("authorization") || req.header("x-api-key") || req.query_value("access_token");
  if (!has_credentials) {
    if (allow_anonymous) return out;  // analysed, not stored
    out.status = 401;
    out.code = "AUTHENTICATION_ERROR";
    out.message = "authentication required: Authorization: Bearer <token>, access_token=<token>, or X-API-Key";
    return out;
  }
  std::string error;
  const auto user = api.authenticate(req, error, /*opening_stream=*/true);
  if (!user) {
    out.status = 401;
    out.code = "AUTHENTICATION_ERROR";
    out.message = error;
    return out;
  }
  auto& store = api.store();
  auto& sessions = api.sessions();
  out.identity.user_id = *user;
  if (!requested_session.empty()) {
    const auto s = store.find_session(*user, requested_session);
    if (!s) {  // another user's session looks exactly like a missing one
      out.status = 404;
      out.code = "NOT_FOUND";
      out.message = "session not found";
      return out;
    }
    if (s->status != storage::SessionStatus::created) {
      out.status = 409;
      out.code = "CONFLICT";
      out.message = "session already " + std::string(storage::status_name(s->status)) + "; create a new session to stream again";
      return out;
    }
    out.identity.session_id = s->id;
    out.identity.record = s->record;
    out.identity.session_mode = s->mode;
    boost::system::error_code ec;
    const auto settings = boost::json::parse(s->settings, ec);
    if (const auto* t = !ec && settings.is_object() ? settings.as_object().if_contains("transcript") : nullptr; t && t->is_bool())
      out.identity.session_transcript = t->as_bool();
  } else {
    sessions::NewSession s;
    s.user_id = *user;
    s.title = "Live session";
    const auto mode = dsp::parse_mode(req.query_value("mode").value_or("presentation"));
    if (!mode) {  // the same answer POST /v1/sessions gives
      out.status = 400;
      out.code = "VALIDATION_ERROR";
      out.message = "mode must be one of " + std::string(dsp::mode_choices());
      return out;
    }
    s.mode = *mode;
    s.record = req.query_value("record").value_or("") == "true";
    out.identity.session_id = sessions.create(s).id;
    out.identity.record = s.record;
  }
  sessions.begin_stream(out.identity.session_id);
  return out;
}

}  // namespace orator::server::api
