// The REST API end to end: the real server over real HTTP (and WebSocket),
// on SQLite and on PostgreSQL.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>

#include <boost/json.hpp>

#include <signal.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <ctime>
#include <thread>

#include "storage/store.hpp"
#include "support/api_fixture.hpp"
#include "support/postgres_server.hpp"
#include "support/server_process.hpp"
#include "support/signals.hpp"
#include "support/stream_checks.hpp"
#include "support/wav.hpp"
#include "support/ws_client.hpp"

namespace {
using namespace orator::test_support;
namespace json = boost::json;

TEST_P(ApiTest, RegisterLoginAndValidation) {
  const auto t = signup("Ada@Example.com");
  EXPECT_EQ(t.at("token_type").as_string(), "Bearer");
  EXPECT_EQ(t.at("user").at("email").as_string(), "ada@example.com");
  EXPECT_EQ(t.at("expires_in").as_int64(), 900);
  auto r = call("POST", "/v1/auth/register", R"({"email":"ada@example.com","password":"another password"})");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(error_code(r), "CONFLICT");
  for (const char* bad : {R"({"email":"not-an-email","password":"long enough pw"})", R"({"email":"b@example.com","password":"short"})",
                          R"({"email":"b@example.com"})", R"({"email":42,"password":"long enough pw"})", "[1,2]", "{not json",
                          R"({"email":"b@example.com","password":"long enough pw","admin":true})"}) {
    r = call("POST", "/v1/auth/register", bad);
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_EQ(error_code(r), "VALIDATION_ERROR") << bad;
    EXPECT_TRUE(r.json().at_pointer("/error/details").is_object());
  }
  r = call("POST", "/v1/auth/register", R"({"email":"b@example.com","password":"long enough pw","admin":true})");
  EXPECT_EQ(r.json().at_pointer("/error/details/unknown_fields/0").as_string(), "admin");

  r = call("POST", "/v1/auth/login", R"({"email":"ADA@example.com","password":"a long enough password"})");
  EXPECT_EQ(r.status, 200) << r.body;
  r = call("POST", "/v1/auth/login", R"({"email":"ada@example.com","password":"wrong password!"})");
  EXPECT_EQ(r.status, 401);
  const auto wrong_password = r.json().at_pointer("/error/message");
  r = call("POST", "/v1/auth/login", R"({"email":"nobody@example.com","password":"wrong password!"})");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.json().at_pointer("/error/message"), wrong_password) << "unknown emails are not revealed";
  EXPECT_FALSE(r.headers["x-request-id"].empty());

  // OAuth2 password form.
  r = http_request(port(), "POST", "/v1/auth/token", "grant_type=password&username=ada%40example.com&password=a+long+enough+password", {},
                   "application/x-www-form-urlencoded");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json().at("token_type").as_string(), "bearer");
}

TEST_P(ApiTest, TokensAreCheckedAndRefreshRotates) {
  // Without a grace window, any second use of a refresh token is a replay.
  server_.reset();
  start({"--refresh-grace-seconds", "0"});
  const auto t = signup("ada@example.com");
  const std::string access = token_of(t);
  EXPECT_EQ(call("GET", "/v1/users/me", "", access).status, 200);
  auto r = call("GET", "/v1/users/me");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(error_code(r), "AUTHENTICATION_ERROR");
  EXPECT_EQ(r.headers["www-authenticate"], "Bearer");
  std::string tampered = access;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_EQ(call("GET", "/v1/users/me", "", tampered).status, 401);
  const auto dot1 = access.find('.'), dot2 = access.rfind('.');
  const std::string none = "eyJhbGciOiJub25lIn0" + access.substr(dot1, dot2 - dot1) + ".";  // {"alg":"none"}
  EXPECT_EQ(call("GET", "/v1/users/me", "", none).status, 401);

  const std::string refresh1(t.at("refresh_token").as_string());
  r = call("POST", "/v1/auth/refresh", json::serialize(json::object{{"refresh_token", refresh1}}));
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string refresh2(r.json().at("refresh_token").as_string());
  EXPECT_NE(refresh1, refresh2);
  // Replaying the first one revokes the family: the second is dead too.
  EXPECT_EQ(call("POST", "/v1/auth/refresh", json::serialize(json::object{{"refresh_token", refresh1}})).status, 401);
  EXPECT_EQ(call("POST", "/v1/auth/refresh", json::serialize(json::object{{"refresh_token", refresh2}})).status, 401);

  // Logout revokes.
  const auto t2 = call("POST", "/v1/auth/login", R"({"email":"ada@example.com","password":"a long enough password"})").json();
  const std::string refresh3(t2.at("refresh_token").as_string());
  EXPECT_EQ(call("POST", "/v1/auth/logout", json::serialize(json::object{{"refresh_token", refresh3}})).status, 204);
  EXPECT_EQ(call("POST", "/v1/auth/refresh", json::serialize(json::object{{"refresh_token", refresh3}})).status, 401);
}

// Signing out (or changing the password) signs out everywhere; two tabs
// refreshing one token at once both stay signed in.
TEST_P(ApiTest, SignOutEverywhereAndConcurrentRefreshes) {
  const auto first = signup("ada@example.com");
  const std::string login = R"({"email":"ada@example.com","password":"a long enough password"})";
  const auto second = call("POST", "/v1/auth/login", login).json().as_object();
  const std::string refresh(first.at("refresh_token").as_string());
  const auto tab1 = call("POST", "/v1/auth/refresh", json::serialize(json::object{{"refresh_token", refresh}}));
  const auto tab2 = call("POST", "/v1/auth/refresh", json::serialize(json::object{{"refresh_token", refresh}}));
  EXPECT_EQ(tab1.status, 200);
  EXPECT_EQ(tab2.status, 200) << "the same token refreshed twice within the grace window: " << tab2.body;
  EXPECT_EQ(call("GET", "/v1/users/me", "", std::string(tab2.json().at("access_token").as_string())).status, 200);
  // Logging out on one device voids every access and refresh token.
  EXPECT_EQ(call("POST", "/v1/auth/logout", json::serialize(json::object{{"refresh_token", second.at("refresh_token")}})).status, 204);
  for (const auto& access : {token_of(first), token_of(second), std::string(tab1.json().at("access_token").as_string())}) {
    const auto r = call("GET", "/v1/users/me", "", access);
    EXPECT_EQ(r.status, 401);
    EXPECT_NE(r.body.find("revoked"), std::string::npos) << r.body;
  }
  EXPECT_EQ(call("POST", "/v1/auth/refresh", json::serialize(json::object{{"refresh_token", tab1.json().at("refresh_token")}})).status, 401);
  // A password change does the same, and hands its caller fresh tokens.
  const auto third = call("POST", "/v1/auth/login", login).json().as_object();
  const auto fourth = call("POST", "/v1/auth/login", login).json().as_object();
  const auto changed = call("PUT", "/v1/users/me", R"({"password":"another long password","current_password":"a long enough password"})",
                            token_of(third));
  ASSERT_EQ(changed.status, 200) << changed.body;
  EXPECT_EQ(call("GET", "/v1/users/me", "", token_of(fourth)).status, 401) << "other devices are signed out";
  EXPECT_EQ(call("GET", "/v1/users/me", "", token_of(third)).status, 401);
  const auto fresh = changed.json().at("tokens").as_object();
  EXPECT_EQ(call("GET", "/v1/users/me", "", token_of(fresh)).status, 200) << "the caller goes on with its fresh tokens";
}

// API keys carry scopes and may expire; only an admin-scoped key mints keys;
// last use is shown.
TEST_P(ApiTest, ApiKeyScopesExpiryAndLastUse) {
  const std::string token = token_of(signup("ada@example.com"));
  auto r = call("POST", "/v1/api-keys", R"({"name":"dashboard","scopes":["read"],"expires_in_days":30})", token);
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string reader(r.json().at("key").as_string());
  EXPECT_EQ(r.json().at("scopes").as_array().size(), 1u);
  EXPECT_FALSE(r.json().at("expires_at").is_null());
  const Headers as_reader = {{"X-API-Key", reader}};
  EXPECT_EQ(http_request(port(), "GET", "/v1/sessions", "", as_reader).status, 200);
  r = http_request(port(), "POST", "/v1/sessions", "{}", as_reader);
  EXPECT_EQ(r.status, 403) << "read-only";
  EXPECT_NE(r.body.find("'write' scope"), std::string::npos) << r.body;
  EXPECT_EQ(http_request(port(), "POST", "/v1/api-keys", R"({"name":"escalate"})", as_reader).status, 403);
  EXPECT_EQ(http_request(port(), "GET", "/v1/stream", "", {{"X-API-Key", reader}, {"Connection", "Upgrade"}, {"Upgrade", "websocket"},
                                                           {"Sec-WebSocket-Version", "13"}, {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}}).status,
            403) << "no stream scope";
  const std::string writer(call("POST", "/v1/api-keys", R"({"name":"ci"})", token).json().at("key").as_string());
  EXPECT_EQ(http_request(port(), "POST", "/v1/sessions", "{}", {{"X-API-Key", writer}}).status, 201) << "the default scopes write";
  EXPECT_EQ(http_request(port(), "POST", "/v1/api-keys", R"({"name":"escalate"})", {{"X-API-Key", writer}}).status, 403);
  const std::string admin(call("POST", "/v1/api-keys", R"({"name":"ops","scopes":["admin","read"]})", token).json().at("key").as_string());
  EXPECT_EQ(http_request(port(), "POST", "/v1/api-keys", R"({"name":"minted"})", {{"X-API-Key", admin}}).status, 201);
  EXPECT_EQ(call("POST", "/v1/api-keys", R"({"name":"x","scopes":["root"]})", token).status, 400);
  bool used_shown = false;
  const auto listed = call("GET", "/v1/api-keys", "", token).json();
  for (const auto& k : listed.at("data").as_array())
    if (k.at("name").as_string() == "dashboard") used_shown = !k.at("last_used_at").is_null();
  EXPECT_TRUE(used_shown) << "a key's last use is recorded and listed";
}

// Passwords: 10+ characters, not the email, not guessable; emails fold
// (NFKC, case); control and invisible characters are refused in text.
TEST_P(ApiTest, PasswordPolicyEmailFoldingAndInvisibleCharacters) {
  for (const char* weak : {"password1234", "short pw", "grace.hopper@example.com", "abcdefghijkl"}) {
    const auto r = call("POST", "/v1/auth/register", json::serialize(json::object{{"email", "grace.hopper@example.com"}, {"password", weak}}));
    EXPECT_EQ(r.status, 400) << weak;
    EXPECT_EQ(r.json().at_pointer("/error/details/field").as_string(), "password") << r.body;
  }
  const auto t = signup("Grace.Hopper@Example.com");
  EXPECT_EQ(t.at("user").at("email").as_string(), "grace.hopper@example.com");
  // Full-width letters and another case are the same account.
  EXPECT_EQ(call("POST", "/v1/auth/register", R"({"email":"\uff27race.hopper@example.com","password":"a long enough password"})").status, 409);
  EXPECT_EQ(call("POST", "/v1/auth/login", R"({"email":"GRACE.HOPPER@\uff25xample.com","password":"a long enough password"})").status, 200);
  for (const char* title : {R"({"title":"cut\u0000here"})", R"({"title":"pay\u200bpal"})", R"({"title":"abc\u202ecba"})"}) {
    const auto r = call("POST", "/v1/sessions", title, token_of(t));
    EXPECT_EQ(r.status, 400) << title;
    EXPECT_NE(r.body.find("invisible character"), std::string::npos) << r.body;
  }
  EXPECT_EQ(call("POST", "/v1/sessions", R"({"title":"Practice \ud83d\udc69\u200d\ud83d\udcbb\tnotes"})", token_of(t)).status, 201)
      << "emoji with ZWJ and tabs stay";
}

TEST_P(ApiTest, ProfileApiKeysAndAccountDeletion) {
  const std::string token = token_of(signup("ada@example.com"));
  auto r = call("PUT", "/v1/users/me", R"({"display_name":"Ada Lovelace","timezone":"Europe/London"})", token);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json().at("timezone").as_string(), "Europe/London");
  EXPECT_EQ(call("PUT", "/v1/users/me", R"({"timezone":"Mars/Olympus Mons"})", token).status, 400);
  EXPECT_EQ(call("PUT", "/v1/users/me", R"({"password":"new password here"})", token).status, 403);

  r = call("POST", "/v1/api-keys", R"({"name":"ci"})", token);
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string key(r.json().at("key").as_string());
  const std::string key_id(r.json().at("id").as_string());
  EXPECT_EQ(http_request(port(), "GET", "/v1/users/me", "", {{"X-API-Key", key}}).status, 200);
  r = call("GET", "/v1/api-keys", "", token);
  EXPECT_EQ(r.body.find(key), std::string::npos) << "listing never shows the key";
  EXPECT_EQ(r.json().at("data").as_array().size(), 1u);
  EXPECT_EQ(call("DELETE", "/v1/api-keys/" + key_id, "", token).status, 204);
  EXPECT_EQ(http_request(port(), "GET", "/v1/users/me", "", {{"X-API-Key", key}}).status, 401);

  EXPECT_EQ(call("DELETE", "/v1/users/me", R"({"password":"not the password"})", token).status, 403);
  EXPECT_EQ(call("DELETE", "/v1/users/me", R"({"password":"a long enough password"})", token).status, 204);
  EXPECT_EQ(call("GET", "/v1/users/me", "", token).status, 401) << "a deleted account's tokens stop working";
  EXPECT_EQ(call("POST", "/v1/auth/login", R"({"email":"ada@example.com","password":"a long enough password"})").status, 401);
}

TEST_P(ApiTest, SessionsAreIsolatedBetweenUsers) {
  const std::string alice = token_of(signup("alice@example.com"));
  const std::string bob = token_of(signup("bob@example.com"));
  auto r = call("POST", "/v1/sessions", R"({"title":"Pitch","type":"interview","settings":{"goal":"calm"}})", alice);
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string id(r.json().at("id").as_string());
  EXPECT_EQ(r.json().at("websocketUrl").as_string(), "ws://127.0.0.1:" + std::to_string(port()) + "/v1/sessions/" + id + "/stream");
  EXPECT_EQ(r.json().at("status").as_string(), "created");
  EXPECT_EQ(call("POST", "/v1/sessions", R"({"type":"karaoke"})", alice).status, 400);
  for (const std::string suffix : {"", "/report", "/scores", "/timeline", "/metrics"}) {
    const auto other = call("GET", "/v1/sessions/" + id + suffix, "", bob);
    EXPECT_EQ(other.status, 404) << suffix;
    EXPECT_EQ(other.body.find("Pitch"), std::string::npos) << "nothing leaks";
  }
  EXPECT_EQ(call("DELETE", "/v1/sessions/" + id, "", bob).status, 404);
  EXPECT_EQ(call("GET", "/v1/sessions", "", bob).json().at_pointer("/pagination/total").as_int64(), 0);
  // Bob cannot stream into Alice's session either.
  try {
    WsClient ws(port(), "/v1/sessions/" + id + "/stream?access_token=" + bob);
    ADD_FAILURE() << "upgrade accepted for another user's session";
  } catch (const std::exception&) {
  }
  EXPECT_EQ(call("GET", "/v1/sessions/" + id, "", alice).status, 200);
  EXPECT_EQ(call("GET", "/v1/sessions/" + id + "/report", "", alice).status, 409) << "no report before streaming";
  EXPECT_EQ(call("DELETE", "/v1/sessions/" + id, "", alice).status, 204);
  EXPECT_EQ(call("GET", "/v1/sessions/" + id, "", alice).status, 404);
}

TEST_P(ApiTest, ListingPaginatesAndFilters) {
  const std::string token = token_of(signup("ada@example.com"));
  for (int i = 0; i < 7; ++i)
    ASSERT_EQ(call("POST", "/v1/sessions", json::serialize(json::object{{"title", std::string("t") + std::to_string(i)}, {"type", i % 2 ? "interview" : "speech"}}), token).status, 201);
  auto r = call("GET", "/v1/sessions?page=2&limit=3", "", token);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json().at("data").as_array().size(), 3u);
  EXPECT_EQ(r.json().at_pointer("/pagination/total").as_int64(), 7);
  EXPECT_EQ(r.json().at_pointer("/pagination/pages").as_int64(), 3);
  EXPECT_EQ(call("GET", "/v1/sessions?type=interview", "", token).json().at_pointer("/pagination/total").as_int64(), 3);
  EXPECT_EQ(call("GET", "/v1/sessions?status=completed", "", token).json().at_pointer("/pagination/total").as_int64(), 0);
  EXPECT_EQ(call("GET", "/v1/sessions?startDate=2000-01-01&endDate=2999-12-31", "", token).json().at_pointer("/pagination/total").as_int64(), 7);
  EXPECT_EQ(call("GET", "/v1/sessions?startDate=2999-01-01", "", token).json().at_pointer("/pagination/total").as_int64(), 0);
  for (const char* bad : {"?limit=101", "?limit=0", "?page=x", "?status=weird", "?startDate=yesterday", "?type=karaoke"})
    EXPECT_EQ(call("GET", std::string("/v1/sessions") + bad, "", token).status, 400) << bad;
}

TEST_P(ApiTest, StreamedSessionIsStoredWithItsReport) {
  const std::string token = token_of(signup("ada@example.com"));
  const std::string id(call("POST", "/v1/sessions", R"({"type":"presentation"})", token).json().at("id").as_string());
  const auto sc = scenario(16000);
  {
    WsClient ws(port(), "/v1/sessions/" + id + "/stream", 0, {{"Authorization", "Bearer " + token}});
    send_f32_frames(ws, sc.audio, 16000, 1, 20);
    const auto messages = stop_and_collect(ws);
    check_scenario_stream(messages, sc, {0.25, id, false});
  }
  // The store write happens off the event loop: poll briefly.
  HttpResult r;
  for (int i = 0; i < 100; ++i) {
    r = call("GET", "/v1/sessions/" + id, "", token);
    if (r.json().at("status") == "completed") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(r.json().at("status").as_string(), "completed");
  EXPECT_NEAR(number(r.json().at("duration")), 9.0, 0.01);
  const auto report = call("GET", "/v1/sessions/" + id + "/report", "", token);
  ASSERT_EQ(report.status, 200);
  EXPECT_EQ(report.json().at("session_id").as_string(), id);
  EXPECT_EQ(report.json().at("timeline").as_array().size(), 9u);
  EXPECT_EQ(call("GET", "/v1/sessions/" + id + "/scores", "", token).json().at_pointer("/scores/overall"),
            report.json().at_pointer("/scores/overall"));
  EXPECT_EQ(call("GET", "/v1/sessions/" + id + "/timeline", "", token).json().at("events").as_array().size(), 1u);  // the pause
  const auto minute = call("GET", "/v1/sessions/" + id + "/metrics?granularity=5second", "", token);
  EXPECT_EQ(minute.json().at("points").as_array().size(), 2u);
  EXPECT_EQ(call("GET", "/v1/sessions/" + id + "/metrics?granularity=hour", "", token).status, 400);
  // A stream without a session id creates one; the same session cannot be streamed twice.
  {
    WsClient ws(port(), "/v1/stream?mode=interview&access_token=" + token);
    send_f32_frames(ws, sc.audio, 16000, 1, 20);
    (void)stop_and_collect(ws);
  }
  EXPECT_EQ(call("GET", "/v1/sessions?type=interview", "", token).json().at_pointer("/pagination/total").as_int64(), 1);
  EXPECT_THROW(WsClient(port(), "/v1/sessions/" + id + "/stream?access_token=" + token), std::exception);
}

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST_P(ApiTest, SessionTypeGovernsItsStreamAndModesAreValidatedAlike) {
  const std::string token = token_of(signup("ada@example.com"));
  // A session created as an interview streams with interview targets even
  // when the stream names no mode.
  const auto created = call("POST", "/v1/sessions", R"({"type":"interview"})", token).json();
  const std::string id(created.at("id").as_string());
  const std::string url(created.at("websocketUrl").as_string());
  const auto sc = scenario(16000);
  {
    WsClient ws(port(), url.substr(url.find("/v1/")) + "?access_token=" + token);
    const auto ready = ws.read();
    ASSERT_TRUE(ready);
    EXPECT_EQ(ready->json().at("mode").as_string(), "interview") << ready->data;
    send_f32_frames(ws, sc.audio, 16000, 1, 20);
    const auto messages = stop_and_collect(ws);
    ASSERT_FALSE(messages.empty());
    EXPECT_EQ(messages.back().json().at("mode").as_string(), "interview");
  }
  // Naming another mode is refused, from the query and from start alike.
  const std::string other(call("POST", "/v1/sessions", R"({"type":"interview"})", token).json().at("id").as_string());
  {
    WsClient ws(port(), "/v1/sessions/" + other + "/stream?mode=presentation&access_token=" + token);
    const auto first = ws.read();
    ASSERT_TRUE(first);
    EXPECT_EQ(first->json().at("code").as_string(), "SESSION_MISMATCH") << first->data;
    ws.send_text(R"({"type":"start","codec":"f32","sample_rate":16000,"mode":"dictation"})");
    const auto second = ws.read();
    ASSERT_TRUE(second);
    EXPECT_EQ(second->json().at("code").as_string(), "SESSION_MISMATCH") << second->data;
    ws.send_text(R"({"type":"start","codec":"f32","sample_rate":16000})");
    const auto ready = ws.read();
    ASSERT_TRUE(ready);
    EXPECT_EQ(ready->json().at("mode").as_string(), "interview") << ready->data;
  }
  // An invalid mode is the same 400 on both paths.
  auto rest = call("POST", "/v1/sessions", R"({"type":"keynote"})", token);
  EXPECT_EQ(rest.status, 400);
  EXPECT_EQ(error_code(rest), "VALIDATION_ERROR");
  const auto stream = http_request(port(), "GET", "/v1/stream?mode=keynote&access_token=" + token, "",
                                   {{"Upgrade", "websocket"}, {"Connection", "Upgrade"}, {"Sec-WebSocket-Version", "13"},
                                    {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}});
  EXPECT_EQ(stream.status, 400);
  EXPECT_EQ(error_code(stream), "VALIDATION_ERROR");
  EXPECT_NE(stream.json().at_pointer("/error/message").as_string().find("presentation, interview"), std::string::npos);
  // A stream that creates its own session stores the mode its start chose.
  {
    WsClient ws(port(), "/v1/stream?access_token=" + token);
    ws.send_text(R"({"type":"start","codec":"f32","sample_rate":16000,"mode":"dictation"})");
    send_f32_frames(ws, sc.audio, 16000, 1, 20);
    (void)stop_and_collect(ws);
  }
  HttpResult listed;
  for (int i = 0; i < 100; ++i) {
    listed = call("GET", "/v1/sessions?type=dictation", "", token);
    if (listed.json().at_pointer("/pagination/total").as_int64() == 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(listed.json().at_pointer("/pagination/total").as_int64(), 1);
}

TEST_P(ApiTest, UploadsCutOffByACrashResumeFromTheirBytesOrFailWithAReason) {
  const std::string token = token_of(signup("ada@example.com"));
  const std::string lost = std::string(call("POST", "/v1/sessions", "{}", token).json().at("id").as_string());
  const std::string kept = std::string(call("POST", "/v1/sessions", "{}", token).json().at("id").as_string());
  // What SIGKILL leaves behind mid-analysis: sessions still 'processing'
  // (the analysis itself takes well under a second, too quick to kill
  // inside); one upload's bytes are in the uploads directory, as they are
  // from before its 202 until its analysis ends, the other's are gone.
  const std::string data_dir = server_->dir() + "/data";
  EXPECT_EQ(server_->stop(SIGKILL), -SIGKILL);
  {
    auto store = orator::storage::Store::open(database_.empty() ? "sqlite:" + data_dir + "/orator.db" : database_, 1);
    store->set_session_status(lost, orator::storage::SessionStatus::processing, std::nullopt);
    store->set_session_status(kept, orator::storage::SessionStatus::processing, std::nullopt);
  }
  const auto sc = scenario(16000);
  write_wav(data_dir + "/uploads/" + kept + ".upload", Wav{16000, 1, sc.audio});
  std::ofstream(data_dir + "/uploads/incoming-partial") << "half a body";
  auto old = std::move(server_);
  std::vector<std::string> extra = {"--data-dir", data_dir};
  if (!database_.empty()) extra.insert(extra.end(), {"--database", database_});
  server_ = std::make_unique<ServerProcess>(extra);
  const auto s = call("GET", "/v1/sessions/" + lost, "", token).json();
  EXPECT_EQ(s.at("status").as_string(), "failed") << s;
  EXPECT_NE(s.at("error").as_string().find("upload it again"), std::string::npos) << s;
  EXPECT_TRUE(server_->wait_for_log("uploads were cut off by an unclean stop"));
  EXPECT_TRUE(server_->wait_for_log("1 uploads cut off by an unclean stop are analysed again"));
  std::string status;
  for (int i = 0; i < 200 && status != "completed" && status != "failed"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    status = call("GET", "/v1/sessions/" + kept, "", token).json().at("status").as_string();
  }
  EXPECT_EQ(status, "completed") << "the upload whose bytes survived is resumed";
  EXPECT_FALSE(std::filesystem::exists(data_dir + "/uploads/" + kept + ".upload")) << "analysed: its bytes go";
  EXPECT_FALSE(std::filesystem::exists(data_dir + "/uploads/incoming-partial")) << "a body cut off mid-way goes";
  // The failed one can be uploaded again.
  const std::string wav_path = server_->dir() + "/again.wav";
  write_wav(wav_path, Wav{16000, 1, sc.audio});
  EXPECT_EQ(http_request(port(), "POST", "/v1/sessions/" + lost + "/upload", file_bytes(wav_path),
                         {{"Authorization", "Bearer " + token}}, "audio/wav").status, 202);
}

TEST_P(ApiTest, StreamsRefuseMissingOrBadCredentialsBeforeTheUpgrade) {
  EXPECT_THROW(WsClient(port(), "/v1/stream"), std::exception);
  EXPECT_THROW(WsClient(port(), "/v1/stream?access_token=not.a.token"), std::exception);
  // The refusal is an HTTP 401 with the error shape.
  const auto r = http_request(port(), "GET", "/v1/stream", "",
                              {{"Upgrade", "websocket"}, {"Connection", "Upgrade"}, {"Sec-WebSocket-Version", "13"},
                               {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}});
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(error_code(r), "AUTHENTICATION_ERROR");
}

TEST_P(ApiTest, AbruptDisconnectAndSigkillLeaveInterruptedReports) {
  const std::string token = token_of(signup("ada@example.com"));
  const auto speech = intoned_syllables(16000, 8.0, 150, 30, 0.1);
  // Abrupt disconnect: stored as interrupted with everything analysed.
  const std::string a(call("POST", "/v1/sessions", "{}", token).json().at("id").as_string());
  {
    WsClient ws(port(), "/v1/sessions/" + a + "/stream?interval_ms=1000&access_token=" + token);
    send_f32_frames(ws, speech, 16000, 1, 20);
    read_until_analysed(ws, 8.0);
    ws.drop();
  }
  HttpResult r;
  for (int i = 0; i < 100 && (r.status != 200 || r.json().at("status") != "interrupted"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    r = call("GET", "/v1/sessions/" + a, "", token);
  }
  EXPECT_EQ(r.json().at("status").as_string(), "interrupted");
  EXPECT_NEAR(number(call("GET", "/v1/sessions/" + a + "/report", "", token).json().at("duration")), 8.0, 0.01);

  // SIGKILL mid-stream: after restart the session is interrupted with its last checkpoint.
  const std::string b(call("POST", "/v1/sessions", "{}", token).json().at("id").as_string());
  {
    WsClient ws(port(), "/v1/sessions/" + b + "/stream?interval_ms=1000&access_token=" + token);
    send_f32_frames(ws, speech, 16000, 1, 20);  // 8 s: checkpoints at 5 s
    read_until_analysed(ws, 8.0);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the checkpoint write is asynchronous
    EXPECT_EQ(server_->stop(SIGKILL), -SIGKILL);
  }
  // Same data directory (SQLite) or database (PostgreSQL).
  const std::string data_dir = server_->dir() + "/data";
  auto old = std::move(server_);
  std::vector<std::string> extra = {"--data-dir", data_dir};
  if (!database_.empty()) extra.insert(extra.end(), {"--database", database_});
  server_ = std::make_unique<ServerProcess>(extra);
  r = call("GET", "/v1/sessions/" + b, "", token);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json().at("status").as_string(), "interrupted");
  // Lists show what was kept, not blanks: the length and score come from the checkpoint.
  EXPECT_GE(number(r.json().at("duration")), 5.0) << r.body;
  EXPECT_TRUE(r.json().at("overall_score").is_int64()) << r.body;
  const auto report = call("GET", "/v1/sessions/" + b + "/report", "", token);
  ASSERT_EQ(report.status, 200) << report.body;
  EXPECT_EQ(report.json().at("status").as_string(), "interrupted");
  EXPECT_GE(number(report.json().at("duration")), 5.0) << "the last checkpoint";
  EXPECT_TRUE(server_->wait_for_log("marked interrupted with their last checkpoint"));
}

// Throttling per account, not only per address: guesses spread over many
// addresses still slow down, and a wrong current_password counts too.
TEST_P(ApiTest, FailedSignInsSlowAnAccountDownWithoutLockingItOut) {
  const auto t = signup("ada@example.com");
  const std::string right = R"({"email":"ada@example.com","password":"a long enough password"})";
  const std::string wrong = R"({"email":"ADA@example.com","password":"nope nope nope"})";
  for (int i = 0; i < 4; ++i) EXPECT_EQ(call("POST", "/v1/auth/login", wrong).status, 401);
  // The fifth failure: a wrong current password on a password change.
  EXPECT_EQ(call("PUT", "/v1/users/me", R"({"password":"another long password","current_password":"nope nope nope"})", token_of(t)).status, 403);
  auto r = call("POST", "/v1/auth/login", right);
  EXPECT_EQ(r.status, 429) << "even the right password waits its turn: " << r.body;
  EXPECT_EQ(r.headers["retry-after"], "1");
  EXPECT_EQ(call("POST", "/v1/auth/login", R"({"email":"nobody@example.com","password":"nope nope nope"})").status, 401)
      << "another account is not affected";
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_EQ(call("POST", "/v1/auth/login", right).status, 200) << "no lockout: after the wait, the owner signs in";
  for (int i = 0; i < 5; ++i) EXPECT_EQ(call("POST", "/v1/auth/login", wrong).status, 401) << "a success cleared the count";
}

TEST_P(ApiTest, LimitsErrorsAndSecretsStayOutOfLogs) {
  server_.reset();
  start({"--auth-rate-limit", "3", "--max-http-body-bytes", "2048", "--max-upload-bytes", "4096"});
  const auto t = signup("ada@example.com");  // 1 of 3
  for (int i = 0; i < 2; ++i) (void)call("POST", "/v1/auth/login", R"({"email":"ada@example.com","password":"nope nope nope"})");
  auto r = call("POST", "/v1/auth/login", R"({"email":"ada@example.com","password":"a long enough password"})");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(error_code(r), "RATE_LIMIT_EXCEEDED");
  EXPECT_FALSE(r.headers["retry-after"].empty());
  r = call("POST", "/v1/sessions", std::string(4096, ' '), token_of(t));
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(error_code(r), "PAYLOAD_TOO_LARGE");
  EXPECT_EQ(call("PATCH", "/v1/sessions", "", token_of(t)).status, 405);
  const std::string id(call("POST", "/v1/sessions", "{}", token_of(t)).json().at("id").as_string());
  EXPECT_EQ(http_request(port(), "POST", "/v1/sessions/" + id + "/upload", std::string(3000, 'x'),
                         {{"Authorization", "Bearer " + token_of(t)}}, "audio/wav").status, 202) << "uploads have their own, larger limit";
  EXPECT_EQ(http_request(port(), "POST", "/v1/sessions/" + id + "/upload", std::string(8192, 'x'),
                         {{"Authorization", "Bearer " + token_of(t)}}, "audio/wav").status, 413);
  EXPECT_EQ(call("GET", "/v1/nothing-here", "", token_of(t)).status, 404);
  const std::string log = server_->log();
  EXPECT_EQ(log.find("a long enough password"), std::string::npos);
  EXPECT_EQ(log.find("scrypt$"), std::string::npos);
  EXPECT_EQ(log.find(token_of(t)), std::string::npos);
  EXPECT_EQ(r.body.find("scrypt$"), std::string::npos);
}


TEST_P(ApiTest, UploadedRecordingsAreAnalysed) {
  const std::string token = token_of(signup("ada@example.com"));
  const auto sc = scenario(44100);
  const std::string wav_path = server_->dir() + "/scenario.wav";
  write_wav(wav_path, Wav{44100, 1, sc.audio});
  auto wait_for = [&](const std::string& id) {
    json::value s;
    for (int i = 0; i < 250; ++i) {
      s = call("GET", "/v1/sessions/" + id, "", token).json();
      if (s.at("status") != "processing") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return s;
  };
  auto upload = [&](const std::string& id, const std::string& body, const std::string& type) {
    return http_request(port(), "POST", "/v1/sessions/" + id + "/upload", body, {{"Authorization", "Bearer " + token}}, type);
  };

  const std::string wav_id(call("POST", "/v1/sessions", "{}", token).json().at("id").as_string());
  auto r = upload(wav_id, file_bytes(wav_path), "audio/wav");
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(r.json().at("status").as_string(), "processing");
  auto s = wait_for(wav_id);
  EXPECT_EQ(s.at("status").as_string(), "completed") << s;
  auto report = call("GET", "/v1/sessions/" + wav_id + "/report", "", token).json();
  EXPECT_NEAR(number(report.at("duration")), 9.0, 0.01);
  EXPECT_NEAR(number(report.at("speaking_time")), 6.0, 0.3);
  EXPECT_EQ(report.at_pointer("/metrics/pauses").as_array().size(), 1u);
  EXPECT_EQ(upload(wav_id, file_bytes(wav_path), "audio/wav").status, 409) << "one recording per session";

  // Ogg Opus as opusenc writes it.
  if (std::system("command -v opusenc > /dev/null 2>&1") == 0) {
    const std::string ogg_path = server_->dir() + "/scenario.opus";
    ASSERT_EQ(std::system(("opusenc --quiet " + wav_path + " " + ogg_path).c_str()), 0);
    const std::string ogg_id(call("POST", "/v1/sessions", "{}", token).json().at("id").as_string());
    ASSERT_EQ(upload(ogg_id, file_bytes(ogg_path), "audio/ogg").status, 202);
    s = wait_for(ogg_id);
    EXPECT_EQ(s.at("status").as_string(), "completed") << s;
    report = call("GET", "/v1/sessions/" + ogg_id + "/report", "", token).json();
    EXPECT_NEAR(number(report.at("duration")), 9.0, 0.03) << "pre-skip and end trimming";
    EXPECT_EQ(report.at_pointer("/metrics/pauses").as_array().size(), 1u);
  } else {
    std::printf("  opusenc not installed: Ogg Opus upload not exercised\n");
  }

  // Not audio: the session fails with a reason.
  const std::string bad_id(call("POST", "/v1/sessions", "{}", token).json().at("id").as_string());
  ASSERT_EQ(upload(bad_id, "definitely not audio", "application/octet-stream").status, 202);
  s = wait_for(bad_id);
  EXPECT_EQ(s.at("status").as_string(), "failed");
  EXPECT_NE(s.at("error").as_string().find("WAV or Ogg Opus"), std::string::npos);

  // Someone else's session looks absent.
  const std::string other = token_of(signup("other@example.com"));
  EXPECT_EQ(http_request(port(), "POST", "/v1/sessions/" + bad_id + "/upload", file_bytes(wav_path),
                         {{"Authorization", "Bearer " + other}}, "audio/wav").status, 404);
}

TEST_P(ApiTest, AnalyticsInTheUsersTimeZone) {
  const auto signed_up = call("POST", "/v1/auth/register",
                              R"({"email":"ada@example.com","password":"a long enough password","timezone":"Asia/Kolkata"})");
  ASSERT_EQ(signed_up.status, 201) << signed_up.body;
  const std::string token(signed_up.json().at("access_token").as_string());
  const std::string user_id(signed_up.json().at_pointer("/user/id").as_string());
  EXPECT_EQ(call("POST", "/v1/auth/register", R"({"email":"b@example.com","password":"long enough pw","timezone":"Mars/Base"})").status, 400);

  // Fixtures written into the server's own database.
  auto store = orator::storage::Store::open(database_.empty() ? std::string("sqlite:") + server_->dir() + "/data/orator.db" : database_, 1);
  const std::int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  const std::int64_t offset = 19800;  // Asia/Kolkata, UTC+5:30, no DST
  const std::int64_t today = (now_s + offset) / 86400;
  int n = 0;
  auto add = [&](std::int64_t local_day, int local_minute, int overall, const std::string& mode, const std::string& title,
                 double speaking = 90.0) {
    orator::storage::SessionRecord s;
    s.id = std::string("fixture-") + std::to_string(++n);
    s.user_id = user_id; s.title = title; s.mode = *orator::dsp::parse_mode(mode); s.status = orator::storage::SessionStatus::created;
    const std::int64_t start_ms = (local_day * 86400 + local_minute * 60 - offset) * 1000;
    s.created_at = start_ms;
    store->create_session(s);
    ASSERT_TRUE(store->mark_session_live(s.id, start_ms));
    store->finish_session(s.id, {orator::storage::SessionStatus::completed, 120.0, speaking, overall, overall + 5, overall - 5, overall, overall, "{}", start_ms + 120000, {}});
  };
  // A practice with the microphone muted: scores of 0 that must not drag the averages down.
  add(today - 1, 45, 0, "presentation", "muted", 0.2);
  // The last three days at 00:30 local (the previous day in UTC): a current streak of 3.
  for (int k = 1; k <= 3; ++k) add(today - k, 30, 80, "presentation", "=cmd|' /C calc'!A0");
  // Forty days ago, five days in a row: the longest streak, in the previous month.
  for (int k = 40; k < 45; ++k) add(today - k, 600, 70, "interview", k == 44 ? "\tTAB-led title" : "Mock interview");

  auto r = call("GET", "/v1/analytics/progress?period=month", "", token);
  ASSERT_EQ(r.status, 200) << r.body;
  const auto p = r.json();
  EXPECT_EQ(p.at("timezone").as_string(), "Asia/Kolkata");
  EXPECT_DOUBLE_EQ(number(p.at_pointer("/overall/current")), 80.0);
  EXPECT_DOUBLE_EQ(number(p.at_pointer("/overall/previous")), 70.0);
  EXPECT_DOUBLE_EQ(number(p.at_pointer("/overall/change")), 10.0);
  EXPECT_EQ(p.at_pointer("/overall/trend").as_string(), "improving");
  EXPECT_DOUBLE_EQ(number(p.at_pointer("/categories/clarity/current")), 85.0);
  EXPECT_EQ(p.at_pointer("/session_count/current").as_int64(), 4);
  EXPECT_EQ(p.at_pointer("/session_count/previous").as_int64(), 5);
  EXPECT_DOUBLE_EQ(number(p.at_pointer("/practice_time/current_minutes")), 8.0);
  EXPECT_EQ(p.at_pointer("/streak/current_days").as_int64(), 3);
  EXPECT_EQ(p.at_pointer("/streak/longest_days").as_int64(), 5);
  EXPECT_EQ(call("GET", "/v1/analytics/progress?period=decade", "", token).status, 400);
  EXPECT_TRUE(call("GET", "/v1/analytics/progress?period=week", "", token).json().at_pointer("/overall/trend").is_null());

  r = call("GET", "/v1/stats/summary", "", token);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json().at("total_sessions").as_int64(), 9);
  EXPECT_EQ(r.json().at_pointer("/by_type/interview").as_int64(), 5);
  EXPECT_EQ(r.json().at("best_overall").as_int64(), 80);
  EXPECT_DOUBLE_EQ(number(r.json().at_pointer("/average_scores/overall")), 73.8) << "the muted practice is not averaged";
  EXPECT_EQ(r.json().at("practice_days").as_int64(), 8);

  // Days are local: 00:30 in Kolkata is the previous day in UTC.
  r = call("GET", "/v1/stats/practice-log?limit=2", "", token);
  ASSERT_EQ(r.status, 200) << r.body;
  const auto log = r.json();
  const auto& days = log.at("data").as_array();
  ASSERT_EQ(days.size(), 2u);
  char expected[16];
  const std::int64_t yesterday = today - 1;
  std::time_t t = static_cast<std::time_t>(yesterday * 86400);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(expected, sizeof expected, "%Y-%m-%d", &tm);
  EXPECT_EQ(days[0].at("date").as_string(), expected);
  EXPECT_EQ(days[0].at("sessions").as_int64(), 2);
  EXPECT_EQ(r.json().at_pointer("/pagination/total").as_int64(), 8);

  r = call("GET", "/v1/reports/sessions?format=csv", "", token);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["content-type"], "text/csv; charset=utf-8");
  EXPECT_EQ(r.body.rfind("id,started_at,type,status,title", 0), 0u);
  EXPECT_EQ(std::count(r.body.begin(), r.body.end(), '\n'), 10);
  EXPECT_NE(r.body.find("\"'=cmd|' /C calc'!A0\""), std::string::npos) << "formula injection is neutralised";
  EXPECT_NE(r.body.find("\"'\tTAB-led title\""), std::string::npos) << "a leading TAB is neutralised too";
  r = call("GET", "/v1/reports/sessions?format=json&startDate=" + std::string(expected), "", token);
  EXPECT_EQ(r.json().at("count").as_int64(), 2);
  EXPECT_EQ(call("GET", "/v1/reports/sessions?format=xml", "", token).status, 400);

  // A page at a time, oldest or newest first: the pages join into the whole export.
  std::vector<std::string> all_ids;
  const auto whole = call("GET", "/v1/reports/sessions", "", token).json();
  for (const auto& s : whole.at("data").as_array()) all_ids.emplace_back(s.at("id").as_string());
  ASSERT_EQ(all_ids.size(), 9u);
  for (const std::string order : {"asc", "desc"}) {
    std::vector<std::string> paged;
    std::string cursor;
    int pages = 0;
    do {
      r = call("GET", "/v1/reports/sessions?limit=4&order=" + order + (cursor.empty() ? "" : "&cursor=" + cursor), "", token);
      ASSERT_EQ(r.status, 200) << r.body;
      const auto answer = r.json();
      for (const auto& s : answer.at("data").as_array()) paged.emplace_back(s.at("id").as_string());
      const auto& next = answer.at("next_cursor");
      cursor = next.is_null() ? "" : std::string(next.as_string());
      ASSERT_LT(++pages, 10);
    } while (!cursor.empty());
    EXPECT_EQ(pages, 3) << order;
    if (order == "desc") std::reverse(paged.begin(), paged.end());
    EXPECT_EQ(paged, all_ids) << order;
  }
  r = call("GET", "/v1/reports/sessions?format=csv&limit=8", "", token);
  EXPECT_EQ(std::count(r.body.begin(), r.body.end(), '\n'), 9) << "a header and 8 sessions";
  r = call("GET", "/v1/reports/sessions?format=csv&limit=8&cursor=" + r.headers["x-next-cursor"], "", token);
  EXPECT_EQ(std::count(r.body.begin(), r.body.end(), '\n'), 2) << "the header and the ninth";
  EXPECT_EQ(r.headers.count("x-next-cursor"), 0u);
  for (const char* bad : {"limit=0", "limit=1001", "order=sideways", "cursor=nonsense", "cursor=12.a%27b"})
    EXPECT_EQ(call("GET", std::string("/v1/reports/sessions?") + bad, "", token).status, 400) << bad;

  // Another user sees none of it.
  const std::string other = token_of(signup("other@example.com"));
  EXPECT_EQ(call("GET", "/v1/stats/summary", "", other).json().at("total_sessions").as_int64(), 0);
  EXPECT_EQ(call("GET", "/v1/reports/sessions", "", other).json().at("count").as_int64(), 0);
}

TEST_P(ApiTest, HealthAsksTheDatabase) {
  auto [status, body] = http_get(port(), "/health");
  EXPECT_EQ(status, 200) << body;
  EXPECT_EQ(json::parse(body).at_pointer("/checks/database").as_string(), "ok");
  EXPECT_EQ(json::parse(body).at_pointer("/checks/queues").as_string(), "ok") << "uploads and transcription jobs are moving";
  EXPECT_EQ(json::parse(body).at_pointer("/checks/disk").as_string(), "ok");
  if (database_.empty()) return;  // an open SQLite file cannot be taken away from under the server
  // The database goes away: the server says so with 503, and keeps running.
  orator::test_support::PostgresServer::instance()->drop_database(database_);
  std::tie(status, body) = http_get(port(), "/health");
  EXPECT_EQ(status, 503) << body;
  EXPECT_EQ(json::parse(body).at("status").as_string(), "unhealthy");
  EXPECT_EQ(json::parse(body).at_pointer("/checks/database").as_string(), "failed");
  EXPECT_TRUE(server_->running());
}

TEST_P(ApiTest, DataFilesAreTheOwnersOnly) {
  (void)signup("ada@example.com");  // the database has been written to
  const std::string data_dir = server_->dir() + "/data";
  auto mode_of = [](const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? static_cast<int>(st.st_mode & 0777) : -1;
  };
  EXPECT_EQ(mode_of(data_dir), 0700);
  for (const auto& entry : std::filesystem::directory_iterator(data_dir)) {
    if (entry.is_regular_file()) {
      EXPECT_EQ(mode_of(entry.path().string()) & 0077, 0) << entry.path() << " is readable by others";
    }
  }
  if (database_.empty()) {
    EXPECT_EQ(mode_of(data_dir + "/orator.db"), 0600);
  }
}

TEST_P(ApiTest, TokensInTheQueryStringOpenStreamsOnly) {
  const std::string token = token_of(signup("ada@example.com"));
  // REST: the header works, the same token in the URL does not (it would end up in logs and histories).
  EXPECT_EQ(call("GET", "/v1/sessions", "", token).status, 200);
  const auto r = http_request(port(), "GET", "/v1/sessions?access_token=" + token, "", {});
  EXPECT_EQ(r.status, 401) << r.body;
  EXPECT_NE(r.body.find("only when opening a stream"), std::string::npos) << r.body;
  // A stream still takes it: browsers cannot set headers on a WebSocket upgrade.
  WsClient ws(port(), "/v1/stream?access_token=" + token);
  EXPECT_EQ(ws.read()->type(), "ready");
}

TEST_P(ApiTest, ExpiredTokensAndOtherUsersKeys) {
  server_.reset();
  start({"--access-token-ttl", "2"});  // JWT times are whole seconds: 2 s leaves at least 1 s
  const auto alice = signup("alice@example.com");
  const std::string bob = token_of(signup("bob@example.com"));
  auto r = call("POST", "/v1/api-keys", R"({"name":"ci"})", token_of(alice));
  ASSERT_EQ(r.status, 201);
  const std::string key_id(r.json().at("id").as_string());
  EXPECT_EQ(call("DELETE", "/v1/api-keys/" + key_id, "", bob).status, 404) << "another user's key looks absent";
  std::this_thread::sleep_for(std::chrono::milliseconds(3100));
  r = call("GET", "/v1/users/me", "", token_of(alice));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.json().at_pointer("/error/message").as_string(), "token expired");
  // The refresh token still works and yields a fresh access token.
  r = call("POST", "/v1/auth/refresh", json::serialize(json::object{{"refresh_token", alice.at("refresh_token")}}));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(call("GET", "/v1/users/me", "", std::string(r.json().at("access_token").as_string())).status, 200);
}

TEST_P(ApiTest, SigtermMidStreamStoresTheFinalReport) {
  const std::string token = token_of(signup("ada@example.com"));
  const std::string id(call("POST", "/v1/sessions", "{}", token).json().at("id").as_string());
  const auto speech = intoned_syllables(16000, 3.0, 150, 30, 0.1);
  WsClient ws(port(), "/v1/sessions/" + id + "/stream?interval_ms=1000&access_token=" + token);
  send_f32_frames(ws, speech, 16000, 1, 20);
  read_until_analysed(ws, 3.0);
  int exit_code = -1;
  std::thread stopper([&] { exit_code = server_->stop(SIGTERM); });
  const auto rest = ws.read_all();
  stopper.join();
  EXPECT_EQ(exit_code, 0);
  ASSERT_FALSE(rest.empty());
  EXPECT_EQ(rest.back().type(), "assessment");
  EXPECT_EQ(ws.close_code(), 1001);
  const std::string data_dir = server_->dir() + "/data";
  auto old = std::move(server_);
  std::vector<std::string> extra = {"--data-dir", data_dir};
  if (!database_.empty()) extra.insert(extra.end(), {"--database", database_});
  server_ = std::make_unique<ServerProcess>(extra);
  const auto report = call("GET", "/v1/sessions/" + id + "/report", "", token);
  ASSERT_EQ(report.status, 200) << report.body;
  EXPECT_EQ(report.json().at("status").as_string(), "interrupted");
  EXPECT_NEAR(number(report.json().at("duration")), 3.0, 0.01) << "the final report, not a checkpoint";
  EXPECT_FALSE(server_->log().find("marked interrupted") != std::string::npos) << "nothing was left live";
}

// Two instances on one database: restarting one interrupts only what it left
// live, never the other's streams; an instance that dies and stays dead has
// its streams recovered by the other once its lease lapses.
TEST_P(ApiTest, RecoveryIsPerInstance) {
  // Both instances (and A restarted) accept the same tokens.
  setenv("ORATOR_JWT_SECRET", "a shared secret of at least thirty-two bytes", 1);
  struct Unset {
    ~Unset() { unsetenv("ORATOR_JWT_SECRET"); }
  } unset_at_end;
  server_.reset();
  start({"--instance-lease-seconds", "2", "--asr-threads", "0"});
  const std::string data_a = server_->dir() + "/data";
  const std::string database = database_.empty() ? "sqlite:" + data_a + "/orator.db" : database_;
  ServerProcess b({"--database", database, "--instance-lease-seconds", "2", "--asr-threads", "0"});
  const std::string token = token_of(signup("ada@example.com"));
  const auto live_stream = [&](int port_of, std::unique_ptr<WsClient>& ws) {
    const std::string id(call("POST", "/v1/sessions", "{}", token).json().at("id").as_string());
    ws = std::make_unique<WsClient>(port_of, "/v1/sessions/" + id + "/stream?access_token=" + token);
    ws->send_text(R"({"type":"start","codec":"f32","sample_rate":16000})");
    EXPECT_TRUE(ws->read(5)) << "ready";
    return id;
  };
  const auto status_of = [&](const std::string& id) {
    const auto r = http_request(b.port(), "GET", "/v1/sessions/" + id, "", {{"Authorization", "Bearer " + token}});
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? std::string(r.json().at("status").as_string()) : std::string();
  };
  std::unique_ptr<WsClient> on_a, on_b, on_a_again;
  const std::string a_id = live_stream(port(), on_a);
  const std::string b_id = live_stream(b.port(), on_b);
  EXPECT_EQ(status_of(b_id), "live");
  // A dies and comes back (same data directory, so the same instance).
  EXPECT_EQ(server_->stop(SIGKILL), -SIGKILL);
  auto old = std::move(server_);
  start({"--data-dir", data_a, "--instance-lease-seconds", "2", "--asr-threads", "0"});
  EXPECT_EQ(status_of(a_id), "interrupted") << "A takes back what it left live";
  EXPECT_EQ(status_of(b_id), "live") << "B still beats: its stream is not A's to interrupt";
  // A dies for good: B recovers A's stream once A's lease lapses.
  const std::string a_again = live_stream(port(), on_a_again);
  EXPECT_EQ(server_->stop(SIGKILL), -SIGKILL);
  std::string status;
  for (int i = 0; i < 100 && status != "interrupted"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    status = status_of(a_again);
  }
  EXPECT_EQ(status, "interrupted");
  // B's own stream went on untouched throughout.
  send_f32_frames(*on_b, intoned_syllables(16000, 1.0, 150, 30, 0.1), 16000, 1, 20);
  (void)stop_and_collect(*on_b);
  for (int i = 0; i < 50 && status_of(b_id) == "live"; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(status_of(b_id), "completed");
}

TEST_P(ApiTest, SqlMetacharactersInEveryStringField) {
  const std::string evil = "x'); DROP TABLE users; -- \" OR 1=1 $1 %_ \\";
  auto r = call("POST", "/v1/auth/register",
                json::serialize(json::object{{"email", "evil@example.com"}, {"password", evil}, {"display_name", evil}}));
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string token(r.json().at("access_token").as_string());
  EXPECT_EQ(r.json().at_pointer("/user/display_name").as_string(), evil);
  r = call("POST", "/v1/auth/login", json::serialize(json::object{{"email", "evil@example.com"}, {"password", evil}}));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(call("POST", "/v1/auth/login", json::serialize(json::object{{"email", "' OR '1'='1"}, {"password", "' OR '1'='1"}})).status, 400);
  r = call("POST", "/v1/sessions", json::serialize(json::object{{"title", evil}, {"description", evil}, {"settings", json::object{{evil, evil}}}}), token);
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string id(r.json().at("id").as_string());
  r = call("GET", "/v1/sessions/" + id, "", token);
  EXPECT_EQ(r.json().at("title").as_string(), evil);
  EXPECT_EQ(r.json().at("description").as_string(), evil);
  EXPECT_EQ(call("GET", "/v1/sessions/x'%20OR%20'1'%3D'1", "", token).status, 404);
  EXPECT_EQ(call("GET", "/v1/sessions?type=%27%20OR%201%3D1--", "", token).status, 400);
  EXPECT_EQ(call("POST", "/v1/api-keys", json::serialize(json::object{{"name", evil}}), token).status, 201);
  EXPECT_EQ(call("GET", "/v1/api-keys", "", token).json().at("data").as_array()[0].at("name").as_string(), evil);
  EXPECT_EQ(call("PUT", "/v1/users/me", json::serialize(json::object{{"display_name", evil + evil}}), token).status, 200);
  EXPECT_EQ(call("GET", "/v1/sessions", "", token).json().at_pointer("/pagination/total").as_int64(), 1) << "tables intact";
}

INSTANTIATE_TEST_SUITE_P(Backends, ApiTest, ::testing::Values("sqlite", "postgresql"));

}  // namespace
