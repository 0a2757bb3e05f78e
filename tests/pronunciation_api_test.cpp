// The pronunciation practice library over REST against a real server, on
// SQLite and PostgreSQL: phonemes, sentences with filters and pages,
// recommendations, and reference audio that is real speech.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <cstring>
#include <map>
#include <thread>
#include <set>
#include <string>
#include <vector>

#include "storage/pronunciation_store.hpp"
#include "storage/store.hpp"
#include "support/api_fixture.hpp"
#include "support/stream_checks.hpp"

namespace orator::test_support {
namespace {
namespace json = boost::json;

class PronunciationLibraryApi : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    if (IsSkipped()) return;
    token_ = token_of(signup("pia@example.com"));
  }
  json::value get(const std::string& target, int expected = 200) {
    const auto r = call("GET", target, "", token_);
    EXPECT_EQ(r.status, expected) << target << ": " << r.body;
    return r.body.empty() ? json::value() : r.json();
  }
  // "Turn right at the light." read by the library's reference voice: its
  // samples (empty on failure), and the sentence's id in `sentence`.
  std::vector<float> reference_reading(std::string& sentence);
  std::string token_;
};

TEST_P(PronunciationLibraryApi, PhonemesCanBeListedFilteredAndLookedUp) {
  EXPECT_EQ(get("/v1/phonemes").at("total").as_int64(), 39);
  EXPECT_EQ(get("/v1/phonemes?type=vowel").at("total").as_int64(), 15);
  EXPECT_EQ(get("/v1/phonemes?type=consonant").at("total").as_int64(), 24);
  std::set<std::string> found;
  const auto ship = get("/v1/phonemes?search=ship");
  for (const auto& p : ship.at("data").as_array()) found.insert(std::string(p.at("symbol").as_string()));
  EXPECT_EQ(found, (std::set<std::string>{"IH", "SH"})) << "example words are searched";
  EXPECT_EQ(get("/v1/phonemes?search=%CE%B8").at("data").at(0).at("symbol").as_string(), "TH") << "IPA is searched";
  const auto th = get("/v1/phonemes/th");
  EXPECT_EQ(th.at("symbol").as_string(), "TH");
  EXPECT_EQ(th.at("ipa").as_string(), "θ");
  EXPECT_EQ(th.at("manner").as_string(), "fricative");
  EXPECT_FALSE(th.at("voiced").as_bool());
  EXPECT_GT(th.at("tip").as_string().size(), 40u);
  EXPECT_EQ(th.at("confusions").at(0).at("with").as_string(), "S");
  ASSERT_FALSE(th.at("sentences").as_array().empty());
  for (const auto& s : th.at("sentences").as_array()) {
    bool exercises_th = false;
    for (const auto& p : s.at("exercises").as_array()) exercises_th = exercises_th || p.as_string() == "TH";
    EXPECT_TRUE(exercises_th) << s.at("text").as_string();
  }
  EXPECT_EQ(error_code(call("GET", "/v1/phonemes/QQ", "", token_)), "NOT_FOUND");
  EXPECT_EQ(call("GET", "/v1/phonemes?type=tone", "", token_).status, 400);
  EXPECT_EQ(call("GET", "/v1/phonemes", "").status, 401) << "signed-in users only";
}

TEST_P(PronunciationLibraryApi, SentencesFilterPageAndRecommend) {
  const auto all = get("/v1/sentences?per_page=100");
  const auto total = all.at_pointer("/pagination/total").as_int64();
  EXPECT_GE(total, 300);
  EXPECT_EQ(all.at("data").as_array().size(), 100u);
  const auto last = get("/v1/sentences?per_page=100&page=4");
  EXPECT_EQ(static_cast<std::int64_t>(last.at("data").as_array().size()), total - 300);
  std::int64_t by_difficulty = 0;
  for (const char* d : {"beginner", "intermediate", "advanced"}) {
    const auto page = get(std::string("/v1/sentences?difficulty=") + d + "&per_page=5");
    by_difficulty += page.at_pointer("/pagination/total").as_int64();
    for (const auto& s : page.at("data").as_array()) EXPECT_EQ(s.at("difficulty").as_string(), d);
  }
  EXPECT_EQ(by_difficulty, total) << "every sentence has one of the three difficulties";
  const auto with_dh = get("/v1/sentences?phoneme=dh&per_page=50");
  ASSERT_FALSE(with_dh.at("data").as_array().empty());
  for (const auto& s : with_dh.at("data").as_array()) {
    bool dh = false;
    for (const auto& p : s.at("exercises").as_array()) dh = dh || p.as_string() == "DH";
    EXPECT_TRUE(dh) << s.at("text").as_string();
  }
  const auto sheep = get("/v1/sentences?search=SHEEP");
  ASSERT_EQ(sheep.at_pointer("/pagination/total").as_int64(), 1);
  const std::string id(sheep.at("data").at(0).at("id").as_string());
  const auto one = get("/v1/sentences/" + id);
  EXPECT_EQ(one.at("text").as_string(), "The sheep is on the ship.");
  EXPECT_EQ(json::serialize(one.at("words").at(1).at("phones")), R"(["SH","IY","P"])");
  EXPECT_EQ(get("/v1/sentences?topic=numbers&search=6:30").at("data").at(0).at("text").as_string(), "The train leaves at 6:30.");
  EXPECT_EQ(error_code(call("GET", "/v1/sentences/snt_nope", "", token_)), "NOT_FOUND");
  for (const char* bad : {"?difficulty=hard", "?phoneme=XYZ", "?per_page=0", "?colour=red"})
    EXPECT_EQ(call("GET", std::string("/v1/sentences") + bad, "", token_).status, 400) << bad;

  const auto rec = get("/v1/sentences/recommended?limit=7");
  ASSERT_EQ(rec.at("data").as_array().size(), 7u);
  std::set<std::string> ids;
  for (const auto& s : rec.at("data").as_array()) {
    EXPECT_TRUE(ids.insert(std::string(s.at("id").as_string())).second) << "no sentence twice";
    EXPECT_EQ(s.at("difficulty").as_string(), "beginner") << "a new learner starts easy";
  }
  const auto advanced = get("/v1/sentences/recommended?limit=3&difficulty=advanced");
  EXPECT_EQ(advanced.at("data").as_array().size(), 3u);
  for (const auto& s : advanced.at("data").as_array()) EXPECT_EQ(s.at("difficulty").as_string(), "advanced");
  EXPECT_EQ(call("GET", "/v1/sentences/recommended?limit=500", "", token_).status, 400);
}

TEST_P(PronunciationLibraryApi, ReferenceAudioIsSpeechOfTheSentence) {
  const auto found = get("/v1/sentences?search=harbour");
  const auto& s = found.at("data").at(0);
  const std::string url(s.at("audio_url").as_string());
  const auto words = s.at("word_count").as_int64();
  for (const char* rate : {"normal", "slow"}) {
    const auto r = call("GET", url + "?rate=" + rate, "", token_);
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_GT(r.body.size(), 44u);
    EXPECT_EQ(r.body.substr(0, 4), "RIFF");
    EXPECT_EQ(r.body.substr(8, 4), "WAVE");
    std::int16_t peak = 0;
    for (std::size_t i = 44; i + 1 < r.body.size(); i += 2) {
      std::int16_t v;
      std::memcpy(&v, r.body.data() + i, 2);
      peak = std::max<std::int16_t>(peak, static_cast<std::int16_t>(std::abs(v)));
    }
    const double seconds = static_cast<double>(r.body.size() - 44) / 2 / 16000;
    std::printf("[ pronunciation ] reference audio (%s): %lld words in %.2f s, peak %d\n", rate, static_cast<long long>(words), seconds, peak);
    EXPECT_GT(seconds, static_cast<double>(words) / 5.0) << "not faster than 5 words a second";
    EXPECT_LT(seconds, static_cast<double>(words) / 1.0 + 1.5) << "not slower than a word a second";
    EXPECT_GT(peak, 3000) << "not silence";
  }
  const auto opus = call("GET", url + "?format=opus", "", token_);
  ASSERT_EQ(opus.status, 200);
  EXPECT_EQ(opus.body.substr(0, 4), "OggS");
  EXPECT_EQ(call("GET", url + "?rate=fast", "", token_).status, 400);
}

// A 16 kHz mono 16-bit WAV of `samples`.
std::string wav_of(const std::vector<std::int16_t>& samples) {
  const auto le32 = [](std::uint32_t v) { return std::string{char(v), char(v >> 8), char(v >> 16), char(v >> 24)}; };
  const auto le16 = [](std::uint16_t v) { return std::string{char(v), char(v >> 8)}; };
  const auto bytes = static_cast<std::uint32_t>(samples.size() * 2);
  std::string out = "RIFF" + le32(36 + bytes) + "WAVEfmt " + le32(16) + le16(1) + le16(1) + le32(16000) + le32(32000) + le16(2) +
                    le16(16) + "data" + le32(bytes);
  out.append(reinterpret_cast<const char*>(samples.data()), bytes);
  return out;
}

TEST_P(PronunciationLibraryApi, AssessmentsAreScoredStoredAndCounted) {
  const auto found = get("/v1/sentences?search=turn%20right%20at");
  ASSERT_EQ(found.at_pointer("/pagination/total").as_int64(), 1);
  const std::string id(found.at("data").at(0).at("id").as_string());
  const auto audio = call("GET", "/v1/sentences/" + id + "/audio", "", token_);
  ASSERT_EQ(audio.status, 200);

  // The reference audio read back as the attempt: every word said.
  auto r = call("POST", "/v1/pronunciation/assessments?sentence_id=" + id, audio.body, token_);
  ASSERT_EQ(r.status, 201) << r.body;
  const auto a = r.json();
  std::printf("[ pronunciation ] reference audio assessed: %s\n", json::serialize(a.at("scores")).c_str());
  EXPECT_EQ(a.at("target_text").as_string(), "Turn right at the light.");
  EXPECT_EQ(a.at_pointer("/scores/completeness").as_int64(), 100);
  EXPECT_GE(a.at_pointer("/scores/overall").as_int64(), 60);
  EXPECT_FALSE(a.at_pointer("/scores/prosody").is_null()) << "the DSP found pitch";
  ASSERT_EQ(a.at("words").as_array().size(), 5u);
  for (const auto& w : a.at("words").as_array()) {
    EXPECT_NE(w.at("status").as_string(), "omitted") << w.at("word").as_string();
    EXPECT_FALSE(w.at("phones").as_array().empty());
    for (const auto& p : w.at("phones").as_array()) EXPECT_FALSE(p.at("ipa").as_string().empty());
  }
  const std::string assessment_id(a.at("id").as_string());
  EXPECT_EQ(get("/v1/pronunciation/assessments/" + assessment_id).at("scores"), a.at("scores"));
  EXPECT_TRUE(a.at("transcribed").as_bool()) << "an upload is transcribed as a stream is";

  // A word read that the target lacks: found from the upload's transcript.
  r = call("POST", "/v1/pronunciation/assessments?target_text=Turn%20at%20the%20light", audio.body, token_);
  ASSERT_EQ(r.status, 201) << r.body;
  const auto inserted = r.json();
  std::string statuses;
  for (const auto& w : inserted.at("words").as_array())
    statuses += std::string(w.at("word").as_string()) + ":" + std::string(w.at("status").as_string()) + " ";
  std::printf("[ pronunciation ] 'Turn right at the light.' read for 'Turn at the light': %s\n", statuses.c_str());
  EXPECT_NE(statuses.find("right:inserted"), std::string::npos) << statuses;

  // Silence, and a free target text.
  r = call("POST", "/v1/pronunciation/assessments?target_text=Please%20turn%20on%20the%20light", wav_of(std::vector<std::int16_t>(48000, 3)), token_);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.json().at_pointer("/scores/completeness").as_int64(), 0);
  EXPECT_LT(r.json().at_pointer("/scores/overall").as_int64(), 20);
  EXPECT_EQ(r.json().at("feedback").at(0).at("type").as_string(), "omitted");

  const auto page = get("/v1/pronunciation/assessments");
  EXPECT_EQ(page.at_pointer("/pagination/total").as_int64(), 3);
  EXPECT_EQ(get("/v1/pronunciation/assessments?sentence_id=" + id).at_pointer("/pagination/total").as_int64(), 1);

  // The phonemes of the attempts, grouped; the silence's words were not said.
  const auto stats = get("/v1/analytics/phonemes");
  std::int64_t scored = 0;
  for (const char* group : {"vowels", "consonants"})
    for (const auto& p : stats.at(group).as_array()) scored += p.at("attempts").as_int64();
  std::int64_t phones = 0;
  for (const auto* attempt : {&a, &inserted})
    for (const auto& w : attempt->at("words").as_array()) phones += static_cast<std::int64_t>(w.at("phones").as_array().size());
  EXPECT_EQ(scored, phones);
  EXPECT_FALSE(stats.at("vowels").as_array().empty());

  // The summary and the progress count them too.
  const auto summary = get("/v1/stats/summary").at("pronunciation");
  EXPECT_EQ(summary.at("attempts").as_int64(), 3);
  EXPECT_EQ(summary.at("best_overall").as_int64(), a.at_pointer("/scores/overall").as_int64());
  EXPECT_TRUE(summary.at("weak_phonemes").is_array());
  const auto progress = get("/v1/analytics/progress?period=week").at("pronunciation");
  EXPECT_EQ(progress.at("attempts").as_int64(), 3);
  EXPECT_EQ(progress.at("previous_attempts").as_int64(), 0);

  // Another user sees none of it.
  const auto other = token_of(signup("olli@example.com"));
  EXPECT_EQ(call("GET", "/v1/pronunciation/assessments/" + assessment_id, "", other).status, 404);
  EXPECT_EQ(call("GET", "/v1/pronunciation/assessments", "", other).json().at_pointer("/pagination/total").as_int64(), 0);
  EXPECT_TRUE(call("GET", "/v1/analytics/phonemes", "", other).json().at("vowels").as_array().empty());
  EXPECT_EQ(call("GET", "/v1/stats/summary", "", other).json().at_pointer("/pronunciation/attempts").as_int64(), 0);
}

TEST_P(PronunciationLibraryApi, BadAssessmentRequestsSayWhat) {
  const auto wav = wav_of(std::vector<std::int16_t>(16000, 0));
  const auto post = [&](const std::string& query, const std::string& body) {
    return call("POST", "/v1/pronunciation/assessments" + query, body, token_);
  };
  EXPECT_EQ(post("?target_text=hello", "").status, 400) << "no recording";
  auto r = post("?target_text=hello", "not audio at all");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(error_code(r), "UNDECODABLE_AUDIO");
  EXPECT_EQ(post("", wav).status, 400) << "no target";
  EXPECT_EQ(post("?target_text=hi&sentence_id=x", wav).status, 400) << "two targets";
  EXPECT_EQ(error_code(post("?sentence_id=snt_none", wav)), "NOT_FOUND");
  EXPECT_EQ(post("?target_text=%3F%21", wav).status, 400) << "nothing to say";
  std::string long_text;
  for (int i = 0; i < 51; ++i) long_text += "word%20";
  r = post("?target_text=" + long_text, wav);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("at most 50"), std::string::npos) << r.body;
  EXPECT_EQ(call("GET", "/v1/pronunciation/assessments?colour=red", "", token_).status, 400);
}

// An upload is decoded and scored for a second or more. That must not hold
// the database worker everyone else's requests need (one worker here).
TEST_P(PronunciationLibraryApi, AnUploadBeingScoredLeavesTheDatabaseWorkersFree) {
  server_.reset();
  start({"--db-pool-size", "1"});
  token_ = token_of(signup("pekka@example.com"));
  const auto advanced = get("/v1/sentences?difficulty=advanced&per_page=1");
  const std::string id(advanced.at("data").at(0).at("id").as_string());
  const auto audio = call("GET", "/v1/sentences/" + id + "/audio", "", token_);
  ASSERT_EQ(audio.status, 200);

  using Clock = std::chrono::steady_clock;
  const auto began = Clock::now();
  HttpResult scored;
  Clock::time_point scored_at;
  std::thread upload([&] {
    scored = call("POST", "/v1/pronunciation/assessments?sentence_id=" + id, audio.body, token_);
    scored_at = Clock::now();
  });
  // The body (a few hundred kB over loopback) is in long before this.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto listed = call("GET", "/v1/pronunciation/assessments", "", token_);
  const auto listed_at = Clock::now();
  upload.join();
  ASSERT_EQ(scored.status, 201) << scored.body;
  EXPECT_EQ(listed.status, 200) << listed.body;
  const auto ms = [&](Clock::time_point t) { return std::chrono::duration<double, std::milli>(t - began).count(); };
  std::printf("[ pronunciation ] one database worker: a listing sent at 300 ms answered at %.0f ms; the upload scored at %.0f ms\n",
              ms(listed_at), ms(scored_at));
  EXPECT_LT(listed_at, scored_at) << "the listing waited for the upload's scoring";
}

// The 16-bit PCM of a canonical 44-byte-header WAV, as floats.
std::vector<float> samples_of_wav(const std::string& wav) {
  std::vector<float> out;
  for (std::size_t i = 44; i + 1 < wav.size(); i += 2) {
    std::int16_t v;
    std::memcpy(&v, wav.data() + i, 2);
    out.push_back(static_cast<float>(v) / 32768.0f);
  }
  return out;
}

std::vector<float> PronunciationLibraryApi::reference_reading(std::string& sentence) {
  const auto found = get("/v1/sentences?search=turn%20right%20at");
  sentence = std::string(found.at("data").at(0).at("id").as_string());
  const auto wav = call("GET", "/v1/sentences/" + sentence + "/audio", "", token_);
  EXPECT_EQ(wav.status, 200);
  return wav.status == 200 ? samples_of_wav(wav.body) : std::vector<float>{};
}

// A practice session gathers a streamed attempt (words reported live as they
// are read) and an uploaded one, then ends with their aggregates.
TEST_P(PronunciationLibraryApi, PracticeSessionsGatherLiveAndUploadedAttempts) {
  std::string sentence;
  auto audio = reference_reading(sentence);
  ASSERT_FALSE(audio.empty());
  audio.insert(audio.begin(), 8000, 0.0f);
  audio.insert(audio.end(), 24000, 0.0f);  // a pause after the sentence: the words are aligned while streaming

  auto r = call("POST", "/v1/sessions", R"({"title":"Minimal pairs","type":"pronunciation"})", token_);
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string practice(r.json().at("id").as_string());
  EXPECT_EQ(get("/v1/sessions/" + practice).at_pointer("/practice/attempts").as_int64(), 0);

  // Streamed: ready says so, each of the 5 words is reported once, before the assessment.
  std::vector<WsMessage> messages;
  {
    WsClient ws(port(), "/v1/stream?mode=pronunciation&practice_session_id=" + practice + "&access_token=" + token_);
    ws.send_text(R"({"type":"start","codec":"f32","sample_rate":16000,"channels":1,"sentence_id":")" + sentence + R"("})");
    send_f32_frames(ws, audio, 16000, 1, 20);
    // Before stop: the pause after the sentence has the words aligned and reported.
    int live_words = 0;
    while (live_words < 5) {
      auto m = ws.read(20.0);
      ASSERT_TRUE(m) << "the words were not reported while streaming";
      live_words += m->type() == "pronunciation";
      messages.push_back(std::move(*m));
    }
    for (auto& m : stop_and_collect(ws)) messages.push_back(std::move(m));
  }
  std::map<std::int64_t, int> reported;
  std::size_t first_word_at = messages.size(), assessment_at = messages.size();
  json::value assessment;
  bool ready_live = false;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const auto type = messages[i].type();
    if (type == "ready") ready_live = ready_live || messages[i].json().at("pronunciation") == "live";
    if (type == "pronunciation") {
      const auto m = messages[i].json();
      if (m.at("index").is_int64()) ++reported[m.at("index").as_int64()];
      first_word_at = std::min(first_word_at, i);
      EXPECT_FALSE(m.at("phones").as_array().empty() && m.at("status") != "omitted") << messages[i].data;
    }
    if (type == "assessment") assessment_at = i, assessment = messages[i].json();
    EXPECT_NE(type, "error") << messages[i].data;
  }
  EXPECT_TRUE(ready_live);
  ASSERT_LT(assessment_at, messages.size());
  EXPECT_LT(first_word_at, assessment_at);
  EXPECT_EQ(reported.size(), 5u);
  for (const auto& [index, times] : reported) EXPECT_EQ(times, 1) << "word " << index;
  const auto& live = assessment.at("pronunciation");
  std::printf("[ pronunciation ] streamed reference audio: %s\n", json::serialize(live.at("scores")).c_str());
  EXPECT_EQ(live.at_pointer("/scores/completeness").as_int64(), 100);
  EXPECT_EQ(live.at("sentence_id").as_string(), sentence);
  EXPECT_EQ(live.at("words").as_array().size(), 5u);

  // Uploaded: silence, so nothing was said.
  r = call("POST", "/v1/pronunciation/assessments?sentence_id=" + sentence + "&session_id=" + practice,
           wav_of(std::vector<std::int16_t>(32000, 2)), token_);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.json().at("session_id").as_string(), practice);
  // The streamed attempt is stored once the stream's ending is (on a worker).
  json::value listed;
  for (int i = 0; i < 50; ++i) {
    listed = get("/v1/pronunciation/assessments?session_id=" + practice);
    if (listed.at_pointer("/pagination/total").as_int64() == 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(listed.at_pointer("/pagination/total").as_int64(), 2);
  const auto best = live.at_pointer("/scores/overall").as_int64();

  r = call("POST", "/v1/sessions/" + practice + "/end", "", token_);
  ASSERT_EQ(r.status, 200) << r.body;
  const auto ended = r.json();
  std::printf("[ pronunciation ] practice session: %s\n", json::serialize(ended.at("practice")).c_str());
  EXPECT_EQ(ended.at("status").as_string(), "completed");
  EXPECT_TRUE(ended.at("speaking_time").is_null()) << "a practice session has no speech of its own";
  EXPECT_EQ(ended.at_pointer("/practice/attempts").as_int64(), 2);
  EXPECT_EQ(ended.at_pointer("/practice/best_overall").as_int64(), best);
  EXPECT_TRUE(ended.at_pointer("/practice/weak_phonemes").is_array());
  EXPECT_EQ(get("/v1/sessions/" + practice + "/report").at("practice"), ended.at("practice"));
  EXPECT_EQ(error_code(call("GET", "/v1/sessions/" + practice + "/scores", "", token_)), "CONFLICT");
  EXPECT_EQ(call("POST", "/v1/sessions/" + practice + "/end", "", token_).status, 409) << "ended once";
  r = call("POST", "/v1/pronunciation/assessments?sentence_id=" + sentence + "&session_id=" + practice,
           wav_of(std::vector<std::int16_t>(16000, 2)), token_);
  EXPECT_EQ(r.status, 409) << "an ended session takes no more attempts";

  // Only pronunciation sessions of one's own.
  const auto other = token_of(signup("olli@example.com"));
  EXPECT_EQ(call("POST", "/v1/sessions/" + practice + "/end", "", other).status, 404);
  EXPECT_THROW(WsClient(port(), "/v1/stream?mode=pronunciation&practice_session_id=" + practice + "&access_token=" + other), std::exception);
  const std::string talk(call("POST", "/v1/sessions", R"({"type":"presentation"})", token_).json().at("id").as_string());
  EXPECT_EQ(call("POST", "/v1/sessions/" + talk + "/end", "", token_).status, 409);
  EXPECT_EQ(call("POST", "/v1/pronunciation/assessments?target_text=hello&session_id=" + talk, wav_of(std::vector<std::int16_t>(16000, 2)),
                 token_).status, 409);
}

// Practice time counts a reading streamed into a practice session once: as
// its own session until the practice ends, then within the practice's time.
TEST_P(PronunciationLibraryApi, PracticeTimeIsCountedOnce) {
  const auto signed_up = signup("tove@example.com");
  const std::string token = token_of(signed_up);
  const std::string user_id(signed_up.at("user").at("id").as_string());
  auto r = call("POST", "/v1/sessions", R"({"title":"Readings","type":"pronunciation"})", token);
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string practice(r.json().at("id").as_string());
  auto minutes = [&] {
    const auto s = call("GET", "/v1/stats/summary", "", token);
    EXPECT_EQ(s.status, 200) << s.body << server_->log();
    return s.json().at("total_practice_minutes").to_number<double>();
  };
  {
    // Two 2-minute readings, written as a finished stream stores them.
    auto store = storage::Store::open(database_.empty() ? std::string("sqlite:") + server_->dir() + "/data/orator.db" : database_, 1);
    storage::PronunciationStore attempts(store->pool());
    for (const char* reading : {"reading-1", "reading-2"}) {
      storage::SessionRecord s;
      s.id = reading; s.user_id = user_id; s.title = "Live session"; s.mode = storage::Mode::pronunciation; s.created_at = 1000;
      store->create_session(s);
      ASSERT_TRUE(store->mark_session_live(s.id, 1000, "", practice));
      storage::PronunciationAssessmentRecord a;
      a.id = std::string("attempt-") + reading; a.user_id = user_id; a.session_id = practice; a.target_text = "ship";
      a.overall = a.accuracy = a.fluency = a.completeness = 80; a.duration_ms = 120000; a.result_json = "{}"; a.created_at = 1000;
      ASSERT_TRUE(attempts.create(a, {{"SH", "ship", 80}}));
      store->finish_session(s.id, {storage::SessionStatus::completed, 120.0, 90.0, 80, 80, 80, 80, 80, "{}", 121000, {}});
    }
  }
  EXPECT_EQ(minutes(), 4.0) << "before the practice ends, the readings count as themselves";
  r = call("POST", "/v1/sessions/" + practice + "/end", "", token);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json().at_pointer("/practice/practice_seconds").to_number<double>(), 240.0);
  EXPECT_EQ(minutes(), 4.0) << "ended, the practice holds the readings' time; they are not counted again";
  const auto reading = call("GET", "/v1/sessions/reading-1", "", token);
  ASSERT_EQ(reading.status, 200) << reading.body;
  EXPECT_EQ(reading.json().at("practice_session_id").as_string(), practice);
  ASSERT_EQ(call("DELETE", "/v1/sessions/" + practice, "", token).status, 204);
  EXPECT_EQ(minutes(), 4.0) << "with the practice deleted, the readings count as themselves again";
}

// A practice session ended while a reading streams into it: the reading's
// attempt is kept with the stream's own session, not lost or added after.
TEST_P(PronunciationLibraryApi, AReadingOutlivingItsPracticeKeepsItsAttempt) {
  std::string sentence;
  auto audio = reference_reading(sentence);
  ASSERT_FALSE(audio.empty());
  audio.insert(audio.end(), 8000, 0.0f);
  auto r = call("POST", "/v1/sessions", R"({"type":"pronunciation"})", token_);
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string practice(r.json().at("id").as_string());
  std::string reading;
  {
    WsClient ws(port(), "/v1/stream?mode=pronunciation&practice_session_id=" + practice + "&access_token=" + token_);
    ws.send_text(R"({"type":"start","codec":"f32","sample_rate":16000,"channels":1,"sentence_id":")" + sentence + R"("})");
    const auto ready = ws.read(10.0);
    ASSERT_TRUE(ready && ready->type() == "ready");
    reading = std::string(ready->json().at("session_id").as_string());
    send_f32_frames(ws, audio, 16000, 1, 20);
    r = call("POST", "/v1/sessions/" + practice + "/end", "", token_);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json().at_pointer("/practice/attempts").as_int64(), 0);
    for (const auto& m : stop_and_collect(ws)) EXPECT_NE(m.type(), "error") << m.data;
  }
  json::value listed;
  for (int i = 0; i < 50; ++i) {
    listed = get("/v1/pronunciation/assessments?session_id=" + reading);
    if (listed.at_pointer("/pagination/total").as_int64() == 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(listed.at_pointer("/pagination/total").as_int64(), 1) << "the attempt is kept with the reading";
  EXPECT_EQ(get("/v1/pronunciation/assessments?session_id=" + practice).at_pointer("/pagination/total").as_int64(), 0)
      << "nothing is added to an ended practice";
  EXPECT_EQ(get("/v1/sessions/" + practice).at_pointer("/practice/attempts").as_int64(), 0);
}

// A stream's target that cannot be assessed is refused with a reason; the stream goes on.
TEST_P(PronunciationLibraryApi, StreamsWithABadTargetSayWhyAndGoOn) {
  for (const std::string start : {R"("sentence_id":"snt_none")", R"("target_text":"?!")", R"("target_text":"a","sentence_id":"snt_x")"}) {
    WsClient ws(port(), "/v1/stream?mode=pronunciation&access_token=" + token_);
    ws.send_text(R"({"type":"start","codec":"f32","sample_rate":16000,"channels":1,)" + start + "}");
    send_f32_frames(ws, std::vector<float>(16000, 0.0f), 16000, 1, 20);
    const auto messages = stop_and_collect(ws);
    std::string error;
    bool assessed = false;
    for (const auto& m : messages) {
      if (m.type() == "error" && error.empty()) error = m.json().at("code").as_string();
      if (m.type() == "assessment") assessed = !m.json().as_object().contains("pronunciation");
      if (m.type() == "ready" && m.json().at("pronunciation") == "live") ADD_FAILURE() << "ready claims live pronunciation for " << start;
    }
    EXPECT_FALSE(error.empty()) << start;
    EXPECT_NE(error, "INTERNAL_ERROR") << start;
    EXPECT_TRUE(assessed) << "the DSP assessment still comes: " << start;
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, PronunciationLibraryApi, ::testing::Values("sqlite", "postgresql"));

}  // namespace
}  // namespace orator::test_support
