// Dictation end to end against a real server, on SQLite and on PostgreSQL:
// items with real synthesised speech (English by flite, Finnish by
// espeak-ng), attempts scored by WER, filters, tags, translations by
// Apertium, statistics, isolation between users, bulk creation with mixed
// failures, and speech synthesis that survives a restart.
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>

#include "storage/migrations.hpp"
#include "support/api_fixture.hpp"
#include "support/local_http_server.hpp"

namespace orator::test_support {
namespace {
namespace json = boost::json;

class Dictation : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    if (IsSkipped()) return;
    token_ = token_of(signup("dee@example.com"));
  }
  json::value post(const std::string& target, const json::object& body, int expected, const std::string& token = "") {
    const auto r = call("POST", target, json::serialize(body), token.empty() ? token_ : token);
    EXPECT_EQ(r.status, expected) << target << ": " << r.body;
    return r.body.empty() ? json::value(json::object{}) : r.json();
  }
  json::value get(const std::string& target, int expected = 200, const std::string& token = "") {
    const auto r = call("GET", target, "", token.empty() ? token_ : token);
    EXPECT_EQ(r.status, expected) << target << ": " << r.body;
    return r.json();
  }
  std::string create(const std::string& locale, const std::string& text, json::array tags = {}) {
    return std::string(post("/v1/items", {{"locale", locale}, {"text", text}, {"tags", std::move(tags)}}, 202).at("id").as_string());
  }
  // Waits for the item's audio; returns its final status.
  std::string wait_ready(const std::string& id, double timeout_s = 60) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
    std::string status;
    while (std::chrono::steady_clock::now() < deadline) {
      const auto r = call("GET", "/v1/items/" + id + "/tts-status", "", token_);
      if (r.status != 200) return "HTTP " + std::to_string(r.status) + ": " + r.body;
      status = std::string(r.json().at("tts_status").as_string());
      if (status == "ready" || status == "failed") return status;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return status;
  }
  std::string token_;
};

// Samples of a 16-bit mono WAV; empty when it is not one.
std::vector<std::int16_t> wav_samples(const std::string& wav, int& rate) {
  if (wav.size() < 44 || wav.compare(0, 4, "RIFF") != 0) return {};
  std::uint32_t r = 0;
  std::memcpy(&r, wav.data() + 24, 4);
  rate = static_cast<int>(r);
  std::vector<std::int16_t> out((wav.size() - 44) / 2);
  std::memcpy(out.data(), wav.data() + 44, out.size() * 2);
  return out;
}

// Share of 20 ms frames louder than -40 dBFS: speech has many, silence none.
double voiced_share(const std::vector<std::int16_t>& s, int rate) {
  const std::size_t frame = static_cast<std::size_t>(rate / 50);
  std::size_t loud = 0, frames = 0;
  for (std::size_t at = 0; at + frame <= s.size(); at += frame, ++frames) {
    double energy = 0;
    for (std::size_t i = 0; i < frame; ++i) energy += static_cast<double>(s[at + i]) * s[at + i];
    if (10 * std::log10(energy / static_cast<double>(frame) / (32768.0 * 32768.0) + 1e-12) > -40) ++loud;
  }
  return frames ? static_cast<double>(loud) / static_cast<double>(frames) : 0;
}

TEST_P(Dictation, ItemsAreSpokenInEnglishAndFinnish) {
  struct Case { const char* locale; const char* text; int words; const char* voice; };
  for (const Case c : {Case{"en-US", "The quick brown fox jumps over the lazy dog near the river bank.", 13, "flite:cmu_us_slt"},
                       Case{"fi-FI", "Hyvää huomenta, mitä sinulle kuuluu tänään kotona?", 7, "espeak-ng:fi"}}) {
    SCOPED_TRACE(c.locale);
    const auto id = create(c.locale, c.text);
    ASSERT_EQ(wait_ready(id), "ready") << get("/v1/items/" + id + "/tts-status");
    EXPECT_EQ(get("/v1/items/" + id).at("voice").as_string(), c.voice);
    double seconds[2] = {0, 0};
    for (int slow = 0; slow < 2; ++slow) {
      const auto r = call("GET", "/v1/items/" + id + "/audio" + (slow ? "?rate=slow" : ""), "", token_);
      ASSERT_EQ(r.status, 200);
      EXPECT_EQ(r.headers.at("content-type"), "audio/wav");
      int rate = 0;
      const auto samples = wav_samples(r.body, rate);
      ASSERT_EQ(rate, 16000);
      seconds[slow] = static_cast<double>(samples.size()) / rate;
      const double wps = c.words / seconds[slow];
      std::printf("[ tts ] %s %s: %.2f s for %d words (%.2f words/s), voiced %.0f%%\n", c.locale, slow ? "slow" : "normal",
                  seconds[slow], c.words, wps, 100 * voiced_share(samples, rate));
      // Real speech: a plausible pace for the text, and mostly sound, not silence.
      EXPECT_GT(wps, 1.0);
      EXPECT_LT(wps, 5.0);
      EXPECT_GT(voiced_share(samples, rate), 0.4);
    }
    EXPECT_GT(seconds[1], seconds[0] * 1.15) << "slow is slower";
    const auto opus = call("GET", "/v1/items/" + id + "/audio?format=opus", "", token_);
    EXPECT_EQ(opus.status, 200);
    EXPECT_EQ(opus.body.compare(0, 4, "OggS"), 0);
    EXPECT_LT(opus.body.size(), 16000 * 2 * seconds[0] / 5) << "Opus is far smaller than the WAV";
    const auto accepted = http_request(port(), "GET", "/v1/items/" + id + "/audio", "",
                                       {{"Authorization", "Bearer " + token_}, {"Accept", "audio/ogg, audio/wav;q=0.5"}});
    EXPECT_EQ(accepted.headers.at("content-type"), "audio/ogg; codecs=opus");
  }
  // A regional variant espeak-ng lacks is spoken by another variant of its language.
  EXPECT_EQ(post("/v1/items", {{"locale", "fr-CA"}, {"text", "Bonjour à tous."}}, 202).at("voice").as_string(), "espeak-ng:fr-fr");
  // A language no engine speaks fails with its reason; the item is kept.
  const auto klingon = post("/v1/items", {{"locale", "tlh"}, {"text", "nuqneH"}}, 202);
  EXPECT_EQ(klingon.at("tts_status").as_string(), "failed");
  EXPECT_NE(std::string(klingon.at("tts_error").as_string()).find("no speech engine speaks tlh"), std::string::npos);
  const auto audio = call("GET", "/v1/items/" + std::string(klingon.at("id").as_string()) + "/audio", "", token_);
  EXPECT_EQ(audio.status, 409);
  EXPECT_EQ(error_code(audio), "AUDIO_FAILED");
}

TEST_P(Dictation, AttemptsAreScoredAndCounted) {
  const auto id = create("es-ES", "¿Dónde está la estación de tren?");
  auto a = post("/v1/attempts", {{"item_id", id}, {"text", "donde esta la estacion de tren"}, {"duration_ms", 12000}}, 201);
  EXPECT_EQ(a.at("words_ref").as_int64(), 6);
  EXPECT_EQ(a.at("words_correct").as_int64(), 3) << "accents count unless forgiven";
  EXPECT_DOUBLE_EQ(a.at("percentage").to_number<double>(), 50.0);
  a = post("/v1/attempts?ignore_accents=true", {{"item_id", id}, {"text", "Donde esta la estacion de tren"}}, 201);
  EXPECT_DOUBLE_EQ(a.at("wer").to_number<double>(), 0.0);
  EXPECT_TRUE(a.at("duration_estimated").as_bool());
  EXPECT_GT(a.at("duration_ms").as_int64(), 0);
  a = post("/v1/attempts", {{"item_id", id}, {"text", ""}}, 201);
  EXPECT_DOUBLE_EQ(a.at("percentage").to_number<double>(), 0.0);
  const auto words = a.at("alignment").as_array();
  ASSERT_EQ(words.size(), 6u);
  EXPECT_EQ(words[0].at("status").as_string(), "deleted");
  EXPECT_EQ(words[0].at("reference").as_string(), "Dónde");

  const auto attempt_id = std::string(a.at("id").as_string());
  EXPECT_EQ(get("/v1/attempts/" + attempt_id).at("id").as_string(), attempt_id);
  EXPECT_EQ(get("/v1/attempts?item_id=" + id).at_pointer("/pagination/total").as_int64(), 3);
  EXPECT_EQ(get("/v1/attempts?date_from=2000-01-01&date_to=2999-12-31&per_page=2").at("data").as_array().size(), 2u);
  EXPECT_EQ(get("/v1/attempts?date_to=2000-01-01").at_pointer("/pagination/total").as_int64(), 0);
  EXPECT_EQ(get("/v1/items/" + id).at("attempt_count").as_int64(), 3);

  const auto summary = get("/v1/dictation/stats/summary");
  EXPECT_EQ(summary.at("total_attempts").as_int64(), 3);
  EXPECT_EQ(summary.at("unique_items_practiced").as_int64(), 1);
  EXPECT_DOUBLE_EQ(summary.at("best_score").to_number<double>(), 100.0);
  EXPECT_DOUBLE_EQ(summary.at("worst_score").to_number<double>(), 0.0);
  EXPECT_DOUBLE_EQ(summary.at("average_score").to_number<double>(), 50.0);
  const auto log = get("/v1/dictation/stats/practice-log?date_from=2000-01-01");
  ASSERT_EQ(log.at("data").as_array().size(), 1u);
  EXPECT_EQ(log.at_pointer("/data/0/attempts").as_int64(), 3);
  EXPECT_EQ(get("/v1/dictation/stats/items/" + id).at("attempts").as_int64(), 3);
  const auto progress = get("/v1/dictation/stats/progress");
  EXPECT_EQ(progress.at("data").as_array().size(), 30u);
  EXPECT_EQ(progress.at("data").as_array().back().at("attempts").as_int64(), 3);

  // Deleting the item takes its attempts with it.
  EXPECT_EQ(call("DELETE", "/v1/items/" + id, "", token_).status, 204);
  get("/v1/attempts/" + attempt_id, 404);
  EXPECT_EQ(get("/v1/dictation/stats/summary").at("total_attempts").as_int64(), 0);
}

TEST_P(Dictation, ListsFilterSortAndPage) {
  const auto short_id = create("en-US", "A cat.", {"Pets", "easy"});
  const auto long_id = create("en-US", "Notwithstanding considerable meteorological uncertainty, the expedition proceeded "
                                       "methodically towards the glacier's southernmost escarpment.", {"science"});
  const auto fi_id = create("fi-FI", "Kissa istuu pöydällä.", {"pets"});
  post("/v1/attempts", {{"item_id", short_id}, {"text", "a cat"}}, 201);
  const auto ids = [&](const std::string& query) {
    std::vector<std::string> out;
    const auto page = get("/v1/items" + query);
    for (const auto& i : page.at("data").as_array()) out.emplace_back(i.at("id").as_string());
    return out;
  };
  EXPECT_EQ(ids("?locale=fi-fi"), std::vector<std::string>{fi_id});
  EXPECT_EQ(ids("?tags=PETS&sort_by=created_at&sort_order=asc"), (std::vector<std::string>{short_id, fi_id}));
  EXPECT_EQ(ids("?tags=pets,easy"), std::vector<std::string>{short_id});
  EXPECT_EQ(ids("?practiced=true"), std::vector<std::string>{short_id});
  EXPECT_EQ(ids("?practiced=false&sort_by=text"), (std::vector<std::string>{fi_id, long_id}));
  EXPECT_EQ(ids("?search=GLACIER"), std::vector<std::string>{long_id});
  EXPECT_EQ(ids("?search=100%25"), std::vector<std::string>{}) << "LIKE wildcards are taken literally";
  const auto easy = get("/v1/items/" + short_id).at("difficulty").as_int64();
  const auto hard = get("/v1/items/" + long_id).at("difficulty").as_int64();
  EXPECT_LT(easy, hard) << "computed difficulty grows with length, word length and rarity";
  EXPECT_EQ(ids("?sort_by=difficulty&sort_order=desc").front(), long_id);
  EXPECT_EQ(ids("?difficulty=" + std::to_string(hard)), std::vector<std::string>{long_id});
  EXPECT_EQ(ids("?sort_by=last_practiced").front(), short_id);
  const auto page = get("/v1/items?page=2&per_page=2");
  EXPECT_EQ(page.at("data").as_array().size(), 1u);
  EXPECT_EQ(page.at_pointer("/pagination/total").as_int64(), 3);
  // Text order counts in its page query; tags drive the count: both checked,
  // with a page past the end too.
  const auto total = [&](const std::string& query) { return get("/v1/items" + query).at_pointer("/pagination/total").as_int64(); };
  EXPECT_EQ(ids("?tags=pets&sort_by=text&sort_order=desc"), (std::vector<std::string>{fi_id, short_id}));
  EXPECT_EQ(total("?tags=pets&sort_by=text"), 2);
  EXPECT_EQ(total("?tags=pets&sort_by=text&page=5"), 2);
  EXPECT_EQ(total("?tags=pets,easy&locale=en-US"), 1);
  EXPECT_EQ(total("?tags=pets,science"), 0);
  EXPECT_EQ(total("?tags=pets&search=kissa"), 1);

  // Tags and difficulty change in place.
  auto r = call("PATCH", "/v1/items/" + fi_id + "/tags", R"({"tags":["Animals"," animals ","Home"]})", token_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::serialize(r.json().at("tags")), R"(["Animals","Home"])");
  r = call("PATCH", "/v1/items/" + fi_id + "/difficulty", R"({"difficulty":5})", token_);
  EXPECT_EQ(r.json().at("difficulty").as_int64(), 5);
  EXPECT_EQ(r.json().at("difficulty_source").as_string(), "given");
  r = call("PATCH", "/v1/items/" + fi_id + "/difficulty", R"({"difficulty":null})", token_);
  EXPECT_EQ(r.json().at("difficulty_source").as_string(), "computed");

  // Bad requests are named.
  for (const char* q : {"?sort_by=length", "?practiced=maybe", "?difficulty=9", "?per_page=500", "?colour=red"}) {
    const auto bad = call("GET", std::string("/v1/items") + q, "", token_);
    EXPECT_EQ(bad.status, 400) << q << ": " << bad.body;
    EXPECT_EQ(error_code(bad), "VALIDATION_ERROR") << q;
  }
  EXPECT_EQ(post("/v1/items", {{"locale", "english"}, {"text", "x"}}, 400).at_pointer("/error/details/field").as_string(), "locale");
  EXPECT_EQ(post("/v1/items", {{"locale", "en"}, {"text", "?!"}}, 400).at_pointer("/error/details/field").as_string(), "text");
  std::string longest;
  while (longest.size() < 10000) longest += "Go now. ";
  EXPECT_EQ(post("/v1/items", {{"locale", "en"}, {"text", longest + "a"}}, 400).at_pointer("/error/details/field").as_string(), "text");
  post("/v1/items", {{"locale", "en"}, {"text", longest}}, 202);
}

TEST_P(Dictation, BulkCreatesWhatItCanAndNamesTheRest) {
  json::array items{json::object{{"locale", "en-US"}, {"text", "One good item."}},
                    json::object{{"locale", "en-US"}},
                    json::object{{"locale", "es-ES"}, {"text", "Otro buen elemento."}, {"difficulty", 9}},
                    json::string("not an object"),
                    json::object{{"locale", "fi-FI"}, {"text", "Kolmas hyvä."}, {"tags", json::array{"bulk"}}}};
  const auto r = post("/v1/items/bulk", {{"items", items}}, 202);
  EXPECT_EQ(r.at("created").as_array().size(), 2u);
  ASSERT_EQ(r.at("failed").as_array().size(), 3u);
  EXPECT_EQ(r.at_pointer("/failed/0/index").as_int64(), 1);
  EXPECT_EQ(r.at_pointer("/failed/1/index").as_int64(), 2);
  EXPECT_EQ(r.at_pointer("/failed/1/error/details/field").as_string(), "difficulty");
  EXPECT_EQ(r.at_pointer("/failed/2/index").as_int64(), 3);
  EXPECT_EQ(get("/v1/items").at_pointer("/pagination/total").as_int64(), 2);
  post("/v1/items/bulk", {{"items", json::array{json::object{{"locale", "en"}}}}}, 400);
}

TEST_P(Dictation, TagPresetsAndTranslations) {
  const auto tag = post("/v1/tags", {{"name", "Travel"}}, 201);
  post("/v1/tags", {{"name", "TRAVEL"}}, 409);
  post("/v1/tags", {{"name", "Food"}}, 201);
  const auto tags = get("/v1/tags?sort_by=name&sort_order=desc").at("data").as_array();
  ASSERT_EQ(tags.size(), 2u);
  EXPECT_EQ(tags[0].at("name").as_string(), "Travel");
  EXPECT_EQ(get("/v1/tags?search=foo").at("data").as_array().size(), 1u);
  const auto id = create("en-US", "Where is the train station?", {"Travel"});
  EXPECT_EQ(call("DELETE", "/v1/tags/" + std::string(tag.at("id").as_string()), "", token_).status, 204);
  EXPECT_EQ(json::serialize(get("/v1/items/" + id).at("tags")), R"(["Travel"])") << "items keep their labels";

  get("/v1/items/" + id + "/translations?target_language=es", 404);
  const auto made = post("/v1/items/" + id + "/translations?target_language=es", {}, 201);
  std::printf("[ translation ] %s\n", std::string(made.at("text").as_string()).c_str());
  EXPECT_NE(std::string(made.at("text").as_string()).find("tren"), std::string::npos) << made;
  EXPECT_EQ(made.at("provider").as_string(), "apertium");
  const auto cached = post("/v1/items/" + id + "/translations?target_language=es", {}, 200);
  EXPECT_TRUE(cached.at("cached").as_bool());
  EXPECT_EQ(cached.at("id"), made.at("id"));
  EXPECT_EQ(get("/v1/items/" + id + "/translations?target_language=es").at("text"), made.at("text"));
  const auto refreshed = post("/v1/translations/" + std::string(made.at("id").as_string()) + "/refresh", {}, 200);
  EXPECT_EQ(refreshed.at("id"), made.at("id"));
  const auto unsupported = post("/v1/items/" + id + "/translations?target_language=ja", {}, 422);
  EXPECT_EQ(unsupported.at_pointer("/error/code").as_string(), "UNSUPPORTED_LANGUAGE_PAIR");
  const auto pairs = unsupported.at_pointer("/error/details/available_pairs").as_array();
  EXPECT_NE(std::find(pairs.begin(), pairs.end(), json::value("en-es")), pairs.end());
  post("/v1/items/" + id + "/translations", {}, 400);
}

TEST_P(Dictation, UsersSeeOnlyTheirOwn) {
  const auto id = create("en-US", "Private words.");
  const auto attempt = post("/v1/attempts", {{"item_id", id}, {"text", "private words"}}, 201);
  const auto translation = post("/v1/items/" + id + "/translations?target_language=es", {}, 201);
  const auto tag = post("/v1/tags", {{"name", "mine"}}, 201);
  const std::string other = token_of(signup("eve@example.com"));
  for (const std::string& target : {"/v1/items/" + id, "/v1/items/" + id + "/audio", "/v1/items/" + id + "/tts-status",
                                   "/v1/attempts/" + std::string(attempt.at("id").as_string()),
                                   "/v1/items/" + id + "/translations?target_language=es", "/v1/dictation/stats/items/" + id})
    EXPECT_EQ(call("GET", target, "", other).status, 404) << target;
  EXPECT_EQ(get("/v1/items", 200, other).at_pointer("/pagination/total").as_int64(), 0);
  EXPECT_EQ(get("/v1/attempts", 200, other).at_pointer("/pagination/total").as_int64(), 0);
  EXPECT_EQ(get("/v1/tags", 200, other).at("data").as_array().size(), 0u);
  EXPECT_EQ(get("/v1/dictation/stats/summary", 200, other).at("total_attempts").as_int64(), 0);
  post("/v1/attempts", {{"item_id", id}, {"text", "x"}}, 404, other);
  post("/v1/translations/" + std::string(translation.at("id").as_string()) + "/refresh", {}, 404, other);
  EXPECT_EQ(call("DELETE", "/v1/items/" + id, "", other).status, 404);
  EXPECT_EQ(call("DELETE", "/v1/tags/" + std::string(tag.at("id").as_string()), "", other).status, 404);
  EXPECT_EQ(call("PATCH", "/v1/items/" + id + "/tags", R"({"tags":[]})", other).status, 404);
  EXPECT_EQ(get("/v1/items/" + id).at("id").as_string(), id) << "still there for its owner";
}

TEST_P(Dictation, PendingSpeechSurvivesARestart) {
  // A burst of items, then the server is killed before it can speak them all.
  std::vector<std::string> ids;
  for (int i = 0; i < 12; ++i)
    ids.push_back(create("en-US", "Sentence number " + std::to_string(i) + " is long enough to keep the synthesiser busy for a "
                                  "little while, which is exactly what this test needs to happen before the kill."));
  const auto before = http_request(port(), "GET", "/health", "", {{"Authorization", std::string("Bearer ") + kMetricsToken}});
  server_->stop(SIGKILL);
  auto first = std::move(server_);
  // The same data directory on both backends: it holds the token-signing secret.
  start({"--tts-job-stale-seconds", "1", "--data-dir", first->dir() + "/data"});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  int ready = 0;
  for (const auto& id : ids) {
    const double left = std::chrono::duration<double>(deadline - std::chrono::steady_clock::now()).count();
    ready += left > 0 && wait_ready(id, left) == "ready";
  }
  std::printf("[ tts restart ] %d of %zu items ready after the restart (pending before the kill: %s)\n", ready, ids.size(),
              json::serialize(before.json().at("queue_sizes")).c_str());
  EXPECT_EQ(ready, static_cast<int>(ids.size()));
}

TEST_P(Dictation, MetadataAndHealthDescribeTheServer) {
  const auto core = json::parse(http_request(port(), "GET", "/metadata", "", {}).body);
  EXPECT_EQ(core.at("schema_version").as_int64(), orator::storage::migrations().back().version) << "the newest migration";
  EXPECT_FALSE(core.as_object().contains("providers"));
  const auto full = json::parse(http_request(port(), "GET", "/metadata?detail=full", "", {}).body);
  EXPECT_EQ(full.at_pointer("/providers/tts/voices/en").as_string(), "flite:cmu_us_slt");
  EXPECT_EQ(full.at_pointer("/providers/tts/voices/fi").as_string(), "espeak-ng:fi");
  EXPECT_EQ(full.at_pointer("/providers/translation/provider").as_string(), "apertium");
  EXPECT_EQ(full.at_pointer("/runtime/database").as_string(), database_.empty() ? "sqlite" : "postgresql");
  const auto picked = json::parse(http_request(port(), "GET", "/metadata?fields=build,limits&detail=runtime", "", {}).body);
  EXPECT_EQ(picked.as_object().size(), 2u);
  EXPECT_EQ(http_request(port(), "GET", "/metadata?detail=everything", "", {}).status, 400);
  EXPECT_EQ(http_request(port(), "GET", "/metadata?fields=secrets", "", {}).status, 400);
  const auto health = json::parse(http_request(port(), "GET", "/health", "", {}).body);
  EXPECT_EQ(health.at("status").as_string(), "healthy");
  EXPECT_EQ(health.at_pointer("/checks/tts").as_string(), "ok");
  EXPECT_FALSE(health.as_object().contains("queue_sizes")) << "no usage counters in the public form";
  const auto detailed = json::parse(
      http_request(port(), "GET", "/health", "", {{"Authorization", std::string("Bearer ") + kMetricsToken}}).body);
  EXPECT_TRUE(detailed.at("queue_sizes").as_object().contains("tts_pending"));
  // The speaking-session families take the same parameter names, old ones kept.
  EXPECT_EQ(get("/v1/stats/practice-log?page=1&per_page=5&date_from=2000-01-01&date_to=2999-12-31").at_pointer("/pagination/per_page").as_int64(), 5);
  EXPECT_EQ(get("/v1/sessions?per_page=3&date_from=2000-01-01").at_pointer("/pagination/limit").as_int64(), 3);
  EXPECT_EQ(get("/v1/stats/summary?date_from=2000-01-01").at("total_sessions").as_int64(), 0);
  EXPECT_EQ(error_code(call("GET", "/v1/stats/summary?from=2000-01-01", "", token_)), "VALIDATION_ERROR");
}

// --translation-url: a LibreTranslate-compatible provider (a local server
// speaking its API) instead of Apertium. Its pairs come from /languages, each
// text from /translate with the key from the environment, which stays out of
// the log; a pair it refuses is a 422 listing the pairs it has.
TEST_P(Dictation, ALibreTranslateProviderTranslates) {
  std::mutex m;
  std::string problem;
  LocalHttpServer provider([&](const LocalRequest& r) -> LocalResponse {
    if (r.method == "GET" && r.target == "/languages")
      return {200, R"([{"code":"en","name":"English","targets":["en","de","es"]},{"code":"de","name":"German","targets":["en"]}])"};
    if (r.method != "POST" || r.target != "/translate") return {404, R"({"error":"Not Found"})"};
    const auto body = json::parse(r.body).as_object();
    std::string why;
    if (!body.contains("api_key") || body.at("api_key") != "lt-key-not-for-logs") why = "no key";
    else if (body.at("format") != "text" || body.at("source") != "en") why = "format or source";
    if (!why.empty()) {
      std::lock_guard lock(m);
      problem = why;
      return {403, R"({"error":"Invalid API key"})"};
    }
    if (body.at("target") == "fi") return {400, R"({"error":"fi is not supported"})"};
    return {200, json::serialize(json::object{{"translatedText", "[" + std::string(body.at("target").as_string()) + "] " +
                                                                   std::string(body.at("q").as_string())}})};
  });
  server_->stop(SIGTERM);
  auto first = std::move(server_);
  ::setenv("ORATOR_TRANSLATION_API_KEY", "lt-key-not-for-logs", 1);
  start({"--data-dir", first->dir() + "/data", "--translation-url", provider.base_url() + "/"});
  ::unsetenv("ORATOR_TRANSLATION_API_KEY");

  const auto id = create("en-US", "Good morning, everyone.");
  const auto made = post("/v1/items/" + id + "/translations?target_language=de", {}, 201);
  EXPECT_EQ(made.at("text").as_string(), "[de] Good morning, everyone.") << problem;
  EXPECT_EQ(made.at("provider").as_string(), "libretranslate");
  const auto refused = post("/v1/items/" + id + "/translations?target_language=fi", {}, 422);
  EXPECT_EQ(refused.at_pointer("/error/code").as_string(), "UNSUPPORTED_LANGUAGE_PAIR");
  EXPECT_EQ(json::serialize(refused.at_pointer("/error/details/available_pairs")), R"(["de-en","en-de","en-es"])");
  const auto full = json::parse(http_request(port(), "GET", "/metadata?detail=full", "", {}).body);
  EXPECT_EQ(full.at_pointer("/providers/translation/provider").as_string(), "libretranslate");
  EXPECT_GE(provider.requests(), 3);
  EXPECT_EQ(server_->log().find("lt-key-not-for-logs"), std::string::npos) << "the key stays out of the log";
}

INSTANTIATE_TEST_SUITE_P(Backends, Dictation, ::testing::Values("sqlite", "postgresql"));

}  // namespace
}  // namespace orator::test_support
