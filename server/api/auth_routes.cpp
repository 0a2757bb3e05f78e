// /v1/auth/*: register, login, OAuth2 password token, refresh (rotating;
// reuse revokes the family), logout.
#include <boost/json.hpp>
#include <spdlog/spdlog.h>
#include <boost/url/encoding_opts.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <algorithm>
#include <cctype>

#include "server/api/api.hpp"
#include "server/auth/credentials_policy.hpp"
#include "server/api/json_body.hpp"
#include "server/api/time_zone.hpp"
#include "server/server_context.hpp"

namespace orator::server::api {
namespace json = boost::json;
namespace {

constexpr std::size_t kMaxPassword = auth::kMaxPasswordLength;

// NFKC with case folding: one account per address however it is typed.
std::string normalise_email(const std::string& typed) {
  const auto folded = auth::fold_email(typed);
  if (!folded || auth::forbidden_character(*folded)) throw validation_error("email is not a valid address", {{"field", "email"}});
  const std::string& email = *folded;
  const auto at = email.find('@');
  if (at == std::string::npos || at == 0 || at + 1 >= email.size() || email.find('.', at) == std::string::npos ||
      email.find_first_of(" \t\r\n<>()[]\\,;:\"") != std::string::npos || email.find('@', at + 1) != std::string::npos)
    throw validation_error("email is not a valid address", {{"field", "email"}});
  return email;
}

void check_timezone(const std::string& tz) {
  if (!TimeZone::load(tz))
    throw validation_error("timezone must be an IANA time zone name such as Europe/Paris", {{"field", "timezone"}});
}

ApiResponse created(json::object body) {
  ApiResponse r;
  r.status = 201;
  r.body = std::move(body);
  return r;
}

}  // namespace

void Api::add_auth_routes() {
  const RouteOptions credentials{false, true};

  router_.add("POST", "/v1/auth/register", credentials, [this](ApiRequest& req) {
    JsonBody body(req.body, {"email", "password", "display_name", "timezone"});
    storage::User u;
    u.email = normalise_email(body.required_string("email", 254));
    const std::string password = body.required_string("password", kMaxPassword);
    if (auto problem = auth::password_problem(password, u.email)) throw validation_error(*problem, {{"field", "password"}});
    u.display_name = body.optional_string("display_name", 100).value_or(u.email.substr(0, u.email.find('@')));
    u.timezone = body.optional_string("timezone", 64).value_or("UTC");
    check_timezone(u.timezone);
    u.id = random_id();
    u.password_hash = auth::hash_password(password, password_params_);
    u.created_at = u.updated_at = now_ms();
    try {
      store_.create_user(u);
    } catch (const storage::StorageError& e) {
      if (e.conflict()) throw ApiError(409, "CONFLICT", "an account with this email already exists");
      throw;
    }
    return created(issue_tokens(u));
  });

  auto login = [this](const std::string& email_in, const std::string& password) {
    const std::string email = normalise_email(email_in);
    const auto user = store_.find_user_by_email(email);
    // Verify even for unknown emails so timing (and throttling) does not reveal which exist.
    const bool ok = verify_password_throttled(email, password, user ? user->password_hash : dummy_hash_) && user;
    if (!ok) throw unauthorized("wrong email or password");
    return *user;
  };

  router_.add("POST", "/v1/auth/login", credentials, [this, login](ApiRequest& req) {
    JsonBody body(req.body, {"email", "password"});
    const auto user = login(body.required_string("email", 254), body.required_string("password", kMaxPassword));
    ApiResponse r;
    r.body = issue_tokens(user);
    return r;
  });

  // OAuth2 resource-owner password grant (application/x-www-form-urlencoded).
  router_.add("POST", "/v1/auth/token", credentials, [this, login](ApiRequest& req) {
    const std::string query = "?" + req.body;
    const auto parsed = boost::urls::parse_uri_reference(query);
    if (!parsed) throw validation_error("body must be application/x-www-form-urlencoded");
    std::map<std::string, std::string> form;
    boost::urls::encoding_opts opts;
    opts.space_as_plus = true;
    for (auto p : parsed->params(opts)) form[p.key] = p.value;
    if (form.count("grant_type") && form["grant_type"] != "password")
      throw ApiError(400, "VALIDATION_ERROR", "unsupported grant_type", {{"field", "grant_type"}});
    if (form["username"].empty() || form["password"].empty())
      throw validation_error("username and password are required");
    if (form["password"].size() > kMaxPassword) throw validation_error("password is too long");
    const auto user = login(form["username"], form["password"]);
    ApiResponse r;
    auto tokens = issue_tokens(user);
    tokens["token_type"] = "bearer";  // OAuth2 spells it in lower case
    r.body = std::move(tokens);
    return r;
  });

  router_.add("POST", "/v1/auth/refresh", credentials, [this](ApiRequest& req) {
    JsonBody body(req.body, {"refresh_token"});
    const auto token = store_.find_refresh_token(auth::sha256_hex(body.required_string("refresh_token", 512)));
    const std::int64_t now = now_ms();
    if (!token || token->revoked_at || token->expires_at <= now) throw unauthorized("invalid or expired refresh token");
    if (!store_.use_refresh_token(token->id, now)) {
      // Used already. Within a few seconds, that is two tabs refreshing at
      // once: both get tokens. Later, someone replayed it: revoke the family.
      const auto again = store_.find_refresh_token(token->token_hash);
      // A grace of 0 allows no second use at all, even within the same millisecond.
      const auto grace_ms = static_cast<std::int64_t>(config_.refresh_grace_seconds * 1000);
      const bool concurrent = grace_ms > 0 && again && !again->revoked_at && again->used_at && now - *again->used_at <= grace_ms;
      if (!concurrent) {
        store_.revoke_token_family(token->family_id, now);
        spdlog::warn("refresh token reuse for user {}; token family revoked", token->user_id);
        throw unauthorized("refresh token reuse detected; sign in again");
      }
    }
    const auto user = store_.find_user(token->user_id);
    if (!user) throw unauthorized("the account no longer exists");
    ApiResponse r;
    r.body = issue_tokens(*user, token->family_id);
    return r;
  });

  // Signing out signs out everywhere: every refresh token of the user, and
  // every access token issued so far (the token generation moves on).
  router_.add("POST", "/v1/auth/logout", RouteOptions{false, false}, [this](ApiRequest& req) {
    JsonBody body(req.body, {"refresh_token"});
    if (const auto token = store_.find_refresh_token(auth::sha256_hex(body.required_string("refresh_token", 512))))
      store_.revoke_all_tokens(token->user_id, now_ms());
    ApiResponse r;
    r.status = 204;
    return r;
  });
}

}  // namespace orator::server::api
