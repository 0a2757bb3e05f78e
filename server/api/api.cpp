#include "server/api/api.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <algorithm>
#include <filesystem>

#include "server/server_context.hpp"
#include "server/sessions/session_service.hpp"

namespace orator::server::api {
namespace json = boost::json;

Api::Api(storage::Store& store, const auth::JwtSigner& signer, const ServerConfig& config, sessions::SessionService& sessions,
         auth::ScryptParams password_params, dictation::DictationServices* dictation)
    : store_(store),
      signer_(signer),
      config_(config),
      password_params_(password_params),
      dummy_hash_(auth::hash_password(auth::random_token(), password_params)),
      limits_(store.pool()),
      user_limiter_(config.rate_limit_per_minute, config.limits_shared() ? &limits_ : nullptr, "request:"),
      credential_limiter_(config.auth_rate_limit_per_minute, config.limits_shared() ? &limits_ : nullptr, "credential:"),
      login_throttle_(100000, config.limits_shared() ? &limits_ : nullptr),
      sessions_(sessions),
      dictation_(dictation) {
  add_auth_routes();
  add_user_routes();
  add_session_routes();
  add_analytics_routes();
  add_upload_routes();
  add_recording_routes();
  add_transcript_routes();
  add_item_routes();
  add_item_audio_routes();
  add_attempt_routes();
  add_dictation_stats_routes();
  add_tag_and_translation_routes();
  add_metadata_routes();
  add_pronunciation_routes();
  add_pronunciation_assessment_routes();
}

dictation::DictationServices& Api::dictation() {
  if (!dictation_) throw ApiError(503, "UNAVAILABLE", "dictation is not available on this server");
  return *dictation_;
}

std::shared_ptr<const TimeZone> Api::user_zone(const std::string& user_id, std::string& name) {
  const auto user = store_.find_user(user_id);
  name = user ? user->timezone : "UTC";
  auto tz = TimeZone::load(name);
  if (!tz) {
    name = "UTC";
    tz = TimeZone::load("UTC");
  }
  return tz;
}

std::optional<std::int64_t> Api::date_param(const ApiRequest& req, std::initializer_list<const char*> names, const TimeZone& zone,
                                            bool end_of_day) {
  for (const char* key : names) {
    const auto v = req.query_value(key);
    if (!v) continue;
    const auto t = parse_date_param(*v, zone, end_of_day);
    if (!t) throw validation_error(std::string(key) + " must be an ISO 8601 date or UTC date-time", {{"field", key}});
    return t;
  }
  return std::nullopt;
}

std::int64_t Api::now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

json::object Api::user_json(const storage::User& u) {
  return {{"id", u.id}, {"email", u.email}, {"display_name", u.display_name}, {"timezone", u.timezone},
          {"created_at", format_time(u.created_at)}};
}

json::object Api::issue_tokens(const storage::User& user, const std::string& family_id) {
  const std::int64_t now = now_ms();
  auth::AccessClaims claims;
  claims.subject = user.id;
  claims.issued_at = now / 1000;
  claims.expires_at = claims.issued_at + static_cast<std::int64_t>(config_.access_token_seconds);
  claims.token_id = random_id();
  claims.generation = user.token_generation;
  const std::string refresh = auth::random_token();
  storage::RefreshToken t;
  t.id = random_id();
  t.family_id = family_id.empty() ? random_id() : family_id;
  t.user_id = user.id;
  t.token_hash = auth::sha256_hex(refresh);
  t.created_at = now;
  t.expires_at = now + static_cast<std::int64_t>(config_.refresh_token_seconds * 1000);
  store_.insert_refresh_token(t);
  return {{"access_token", signer_.sign(claims)},
          {"token_type", "Bearer"},
          {"expires_in", static_cast<std::int64_t>(config_.access_token_seconds)},
          {"refresh_token", refresh},
          {"refresh_expires_in", static_cast<std::int64_t>(config_.refresh_token_seconds)},
          {"user", user_json(user)}};
}

bool Api::has_scope(const std::string& scopes, std::string_view scope) {
  std::string_view rest = scopes;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    if (rest.substr(0, comma) == scope) return true;
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  return false;
}

std::optional<std::string> Api::authenticate(const ApiRequest& req, std::string& error, bool opening_stream, std::string* scopes) {
  if (auto key = req.header("x-api-key")) {
    const auto found = store_.find_api_key(auth::sha256_hex(*key));
    const std::int64_t now = now_ms();
    if (!found || found->revoked_at || (found->expires_at && *found->expires_at <= now)) {
      error = "invalid, revoked or expired API key";
      return std::nullopt;
    }
    store_.touch_api_key(found->id, now);
    if (scopes) *scopes = found->scopes;
    return found->user_id;
  }
  if (scopes) *scopes = "read,write,stream,admin";
  std::optional<std::string> token;
  if (auto h = req.header("authorization")) {
    if (h->size() > 7 && (h->rfind("Bearer ", 0) == 0 || h->rfind("bearer ", 0) == 0)) token = h->substr(7);
    else {
      error = "Authorization must be 'Bearer <token>'";
      return std::nullopt;
    }
  } else if (auto q = req.query_value("access_token")) {
    if (!opening_stream) {
      error = "access_token in the query string is accepted only when opening a stream; send 'Authorization: Bearer <token>'";
      return std::nullopt;
    }
    token = *q;
  }
  if (!token) {
    error = "authentication required: send 'Authorization: Bearer <token>' or 'X-API-Key'";
    return std::nullopt;
  }
  const auto verified = signer_.verify(*token, now_ms() / 1000);
  if (!verified.claims) {
    error = verified.error;
    return std::nullopt;
  }
  // A deleted account's tokens die with it; signing out everywhere voids the older generations.
  const auto user = store_.find_user(verified.claims->subject);
  if (!user) {
    error = "the account no longer exists";
    return std::nullopt;
  }
  if (verified.claims->generation != user->token_generation) {
    error = "the token was revoked (signed out, or the password changed); sign in again";
    return std::nullopt;
  }
  return verified.claims->subject;
}

bool Api::verify_password_throttled(const std::string& account, const std::string& password, const std::string& hash) {
  if (auto wait = login_throttle_.wait(account))
    throw ApiError(429, "RATE_LIMIT_EXCEEDED",
                   "too many failed sign-ins for this account; retry in " + std::to_string(*wait) + " s",
                   {{"retry_after", *wait}});
  const bool ok = auth::verify_password(password, hash);
  if (ok) login_throttle_.succeeded(account);
  else login_throttle_.failed(account);
  return ok;
}

void Api::refuse(int status, const std::string& code, const std::string& message, int retry_after) {
  json::object details;
  if (status == 429) details["retry_after"] = retry_after > 0 ? retry_after : 60;
  throw ApiError(status, code, message, std::move(details));
}

void Api::admit(ApiRequest& req, const RouteOptions& opts) {
  if (opts.credential_endpoint) {
    if (auto wait = credential_limiter_.acquire(req.client_address))
      throw ApiError(429, "RATE_LIMIT_EXCEEDED", "too many attempts; retry later", {{"retry_after", *wait}});
  }
  if (opts.authenticated) {
    std::string error, scopes;
    const auto user = authenticate(req, error, false, &scopes);
    if (!user) throw unauthorized(error);
    const std::string_view needed = *opts.scope ? std::string_view(opts.scope) : req.method == "GET" ? "read" : "write";
    if (!has_scope(scopes, needed))
      throw ApiError(403, "AUTHORIZATION_ERROR", "this API key lacks the '" + std::string(needed) + "' scope");
    req.user_id = *user;
    req.scopes = std::move(scopes);
  }
  const std::string limit_key = req.user_id.empty() ? "addr:" + req.client_address : "user:" + req.user_id;
  if (auto wait = user_limiter_.acquire(limit_key))
    throw ApiError(429, "RATE_LIMIT_EXCEEDED", "rate limit exceeded; retry later", {{"retry_after", *wait}});
}

void Api::reject_unknown_query(const ApiRequest& req, const Router::Route& route) {
  for (const auto& [name, value] : req.query) {
    // A token in the URL gets its own explanation from authenticate().
    if (name == "access_token") continue;
    if (std::find(route.query.begin(), route.query.end(), name) != route.query.end()) continue;
    std::string known;
    for (const auto& q : route.query) known += (known.empty() ? "" : ", ") + q;
    throw validation_error("unknown query parameter '" + name + "'" +
                               (known.empty() ? "; this endpoint takes none" : "; this endpoint takes " + known),
                           {{"field", name}});
  }
}

ApiResponse Api::handle(ApiRequest& req) {
  auto response = guarded(req, [&] {
    const auto match = router_.match(req);
    if (!match.route) {
      if (match.path_exists) throw ApiError(405, "METHOD_NOT_ALLOWED", "method not allowed on this path");
      throw not_found("endpoint");
    }
    reject_unknown_query(req, *match.route);
    admit(req, match.route->options);
    return match.route->handler(req);
  });
  // A body received to disk is gone after its request unless a session kept it (moved it away).
  if (!req.body_file.empty()) {
    std::error_code ignored;
    std::filesystem::remove(req.body_file, ignored);
  }
  return response;
}

bool Api::is_long_running(ApiRequest& req) const {
  const auto match = router_.match(req);
  return match.route && match.route->options.long_running;
}

std::optional<ApiResponse> Api::admit_upload(ApiRequest& req) {
  bool admitted = false;
  auto response = guarded(req, [&] {
    const auto match = router_.match(req);
    if (!match.route) throw not_found("endpoint");
    admit(req, match.route->options);
    const auto s = store_.find_session(req.user_id, req.params.at("id"));
    if (!s) throw not_found("session");
    if (auto refused = sessions_.upload_refusal(*s)) refuse(refused->status, refused->code, refused->message, refused->retry_after);
    if (auto refused = sessions_.quota_refusal(req.user_id, false, true))
      refuse(refused->status, refused->code, refused->message, refused->retry_after);
    admitted = true;
    return ApiResponse{};
  });
  if (admitted) return std::nullopt;
  return response;
}

ApiResponse Api::guarded(const ApiRequest& req, const std::function<ApiResponse()>& respond) {
  ApiResponse response;
  // A delete frees space, but SQLite must first write its WAL: on a full
  // disk it gets the space held back for this, once.
  const auto respond_or_make_room = [&] {
    try {
      return respond();
    } catch (const storage::StorageError& e) {
      if (!e.full() || req.method != "DELETE" || !sessions_.release_disk_reserve()) throw;
      return respond();
    }
  };
  try {
    response = respond_or_make_room();
  } catch (const ApiError& e) {
    response = error_body(e.status, e.code, e.what(), e.details);
    if (e.status == 429) response.headers.emplace_back("Retry-After", std::to_string(e.details.at("retry_after").as_int64()));
    if (e.status == 401) response.headers.emplace_back("WWW-Authenticate", "Bearer");
  } catch (const storage::StorageError& e) {
    if (e.conflict()) {
      response = error_body(409, "CONFLICT", "the resource already exists");
    } else if (e.full()) {
      // Reads still work; the statement that failed wrote nothing.
      spdlog::error("{} {}: the database's disk is full: {}", req.method, req.path, e.what());
      response = error_body(507, "INSUFFICIENT_STORAGE", "the server's storage is full: reading works, changes are refused until space is freed");
    } else {
      spdlog::error("{} {}: storage error: {}", req.method, req.path, e.what());
      response = error_body(503, "INTERNAL_ERROR", "the database is unavailable; retry later");
    }
  } catch (const std::exception& e) {
    spdlog::error("{} {}: internal error: {}", req.method, req.path, e.what());
    response = error_body(500, "INTERNAL_ERROR", "internal error");
  }
  return response;
}

}  // namespace orator::server::api
