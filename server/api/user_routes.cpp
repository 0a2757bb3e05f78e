// /v1/users/me and /v1/api-keys.
#include <boost/json.hpp>

#include "server/api/api.hpp"
#include "server/api/json_body.hpp"
#include "server/auth/credentials_policy.hpp"
#include "server/api/time_zone.hpp"
#include "server/server_context.hpp"

namespace orator::server::api {
namespace json = boost::json;

namespace {

json::object key_json(const storage::ApiKey& k) {
  json::array scopes;
  std::string_view rest = k.scopes;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    scopes.emplace_back(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  const auto time_or_null = [](const std::optional<std::int64_t>& t) { return t ? json::value(format_time(*t)) : json::value(nullptr); };
  return {{"id", k.id}, {"name", k.name}, {"prefix", k.prefix}, {"scopes", std::move(scopes)},
          {"created_at", format_time(k.created_at)}, {"expires_at", time_or_null(k.expires_at)},
          {"last_used_at", time_or_null(k.last_used_at)}, {"revoked", k.revoked_at.has_value()}};
}

}  // namespace

void Api::add_user_routes() {
  const RouteOptions user{};

  router_.add("GET", "/v1/users/me", user, [this](ApiRequest& req) {
    const auto u = store_.find_user(req.user_id);
    if (!u) throw not_found("user");
    ApiResponse r;
    r.body = user_json(*u);
    return r;
  });

  router_.add("PUT", "/v1/users/me", user, [this](ApiRequest& req) {
    JsonBody body(req.body, {"display_name", "timezone", "password", "current_password"});
    auto u = store_.find_user(req.user_id);
    if (!u) throw not_found("user");
    if (auto name = body.optional_string("display_name", 100)) {
      if (name->empty()) throw validation_error("display_name must not be empty", {{"field", "display_name"}});
      u->display_name = *name;
    }
    if (auto tz = body.optional_string("timezone", 64)) {
      if (!TimeZone::load(*tz))
        throw validation_error("timezone must be an IANA time zone name such as Europe/Paris", {{"field", "timezone"}});
      u->timezone = *tz;
    }
    bool password_changed = false;
    if (auto password = body.optional_string("password", 128)) {
      const auto current = body.optional_string("current_password", 128);
      // A wrong current password counts as a failed sign-in (a stolen token must not make it a guessing oracle).
      if (!current || !verify_password_throttled(u->email, *current, u->password_hash))
        throw ApiError(403, "AUTHORIZATION_ERROR", "current_password is required and must be right to change the password");
      if (auto problem = auth::password_problem(*password, u->email)) throw validation_error(*problem, {{"field", "password"}});
      u->password_hash = auth::hash_password(*password, password_params_);
      password_changed = true;
    }
    u->updated_at = now_ms();
    store_.update_user(*u);
    ApiResponse r;
    auto out = user_json(*u);
    if (password_changed) {
      // Everyone holding the old credentials is signed out; this caller gets fresh tokens.
      store_.revoke_all_tokens(u->id, now_ms());
      out["tokens"] = issue_tokens(*store_.find_user(u->id));
    }
    r.body = std::move(out);
    return r;
  });

  router_.add("DELETE", "/v1/users/me", user, [this](ApiRequest& req) {
    JsonBody body(req.body, {"password"});
    const auto u = store_.find_user(req.user_id);
    if (!u) throw not_found("user");
    if (!verify_password_throttled(u->email, body.required_string("password", 128), u->password_hash))
      throw ApiError(403, "AUTHORIZATION_ERROR", "the password is wrong; the account was not deleted");
    store_.delete_user(u->id);  // cascades: sessions, tokens, keys
    ApiResponse r;
    r.status = 204;
    return r;
  });

  // Minting keys takes the admin scope (a signed-in user has it; a key only if made so).
  RouteOptions admin;
  admin.scope = "admin";
  router_.add("POST", "/v1/api-keys", admin, [this](ApiRequest& req) {
    JsonBody body(req.body, {"name", "scopes", "expires_in_days"});
    storage::ApiKey k;
    k.id = random_id();
    k.user_id = req.user_id;
    k.name = body.required_string("name", 100);
    if (auto scopes = body.optional_array("scopes", 4)) {
      std::string joined;
      for (const auto& v : *scopes) {
        const std::string scope = v.is_string() ? std::string(v.as_string()) : std::string();
        if (scope != "read" && scope != "write" && scope != "stream" && scope != "admin")
          throw validation_error("scopes are read, write, stream and admin", {{"field", "scopes"}});
        if (!has_scope(joined, scope)) joined += (joined.empty() ? "" : ",") + scope;
      }
      if (joined.empty()) throw validation_error("scopes must name at least one scope", {{"field", "scopes"}});
      k.scopes = joined;
    }
    if (auto days = body.optional_int("expires_in_days", 1, 3650)) k.expires_at = now_ms() + *days * 86400000LL;
    const std::string key = "ora_" + auth::random_token(32);
    k.prefix = key.substr(0, 10);
    k.key_hash = auth::sha256_hex(key);
    k.created_at = now_ms();
    store_.insert_api_key(k);
    ApiResponse r;
    r.status = 201;
    // The key itself is shown this once; only its hash is kept.
    auto out = key_json(k);
    out["key"] = key;
    r.body = std::move(out);
    return r;
  });

  router_.add("GET", "/v1/api-keys", user, [this](ApiRequest& req) {
    json::array keys;
    for (const auto& k : store_.list_api_keys(req.user_id)) keys.push_back(key_json(k));
    ApiResponse r;
    r.body = json::object{{"data", std::move(keys)}};
    return r;
  });

  router_.add("DELETE", "/v1/api-keys/{id}", user, [this](ApiRequest& req) {
    if (!store_.revoke_api_key(req.user_id, req.params.at("id"), now_ms())) throw not_found("API key");
    ApiResponse r;
    r.status = 204;
    return r;
  });
}

}  // namespace orator::server::api
