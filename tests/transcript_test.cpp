// Recognition end to end, on SQLite and PostgreSQL: live transcript messages
// and fluency in the assessment, the REST views and search, deferred
// transcription when every decoder is busy, uploads, re-transcription, and
// a job whose process died being retried. Speech comes from espeak-ng (its
// words recognise poorly, so these check structure and timing, not text;
// corpus_asr_test measures accuracy).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <sstream>
#include <thread>

#include "storage/store.hpp"
#include "support/api_fixture.hpp"
#include "support/local_http_server.hpp"
#include "support/stream_checks.hpp"
#include "support/wav.hpp"
#include "support/ws_client.hpp"

namespace {
using namespace orator::test_support;
namespace json = boost::json;

constexpr const char* kText =
    "Um, so today I want to talk about our plans for the next quarter. Uh, the team has grown, and revenue is up. "
    "We will hire two engineers and open an office in Boston.";

class TranscriptTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    if (IsSkipped()) return;
    // Outside the server's directory, which a restart removes.
    tts_dir_ = std::filesystem::temp_directory_path() / ("orator-tts-" + std::to_string(::getpid()) + "-" + std::to_string(++counter_));
    std::filesystem::create_directories(tts_dir_);
    const std::string path = (tts_dir_ / "speech.wav").string();
    const std::string cmd = "espeak-ng -v en-us -s 150 -w '" + path + "' \"" + kText + "\" > /dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) {
      if (std::getenv("CI")) FAIL() << "espeak-ng missing (scripts/setup.sh --test installs it)";
      GTEST_SKIP() << "espeak-ng is not installed";
    }
    auto wav = read_wav(path);
    ASSERT_TRUE(wav);
    wav_path_ = path;
    rate_ = wav->sample_rate;
    speech_ = mono(*wav);
  }
  void TearDown() override {
    if (!tts_dir_.empty()) std::filesystem::remove_all(tts_dir_);
  }
  // A fresh server (and data) with other options.
  void restart(std::vector<std::string> extra) {
    server_.reset();
    start(extra);
  }
  double seconds() const { return static_cast<double>(speech_.size()) / rate_; }
  std::string new_session(const std::string& token, const std::string& body = "{}") {
    return std::string(call("POST", "/v1/sessions", body, token).json().at("id").as_string());
  }
  // Polls until the status is not 409 (still being made), up to `seconds`.
  HttpResult wait_for(const std::string& target, const std::string& token, double seconds = 60) {
    HttpResult r;
    for (int i = 0; i < seconds * 10; ++i) {
      r = call("GET", target, "", token);
      if (r.status != 409) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return r;
  }
  int upload_speech(const std::string& id, const std::string& token) {
    std::ifstream in(wav_path_, std::ios::binary);
    const std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return http_request(port(), "POST", "/v1/sessions/" + id + "/upload", body, {{"Authorization", "Bearer " + token}}, "audio/wav")
        .status;
  }
  // Polls the transcript until it comes from `source` (a job finished), up to 90 s.
  HttpResult wait_for_source(const std::string& id, const std::string& token, const std::string& source) {
    HttpResult t;
    for (int i = 0; i < 900; ++i) {
      t = call("GET", "/v1/sessions/" + id + "/transcript", "", token);
      if (t.status == 200 && t.json().at("source").as_string() == source) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return t;
  }
  static const WsMessage* first_of(const std::vector<WsMessage>& messages, const std::string& type) {
    for (const auto& m : messages)
      if (m.type() == type) return &m;
    return nullptr;
  }

  static inline int counter_ = 0;
  std::filesystem::path tts_dir_;
  std::string wav_path_;
  int rate_ = 0;
  std::vector<float> speech_;
};

// The job poller leases a decoder every poll to see whether there is work;
// a lease that posted nothing once made its decoder reload, so an idle
// server burned a core and grew ~30 MB a second.
TEST_P(TranscriptTest, AnIdleServerLeavesItsDecodersAlone) {
  if (!server_->wait_for_log("speech recognition: ")) {
    if (std::getenv("CI")) FAIL() << "recognition is off: " << server_->log();
    GTEST_SKIP() << "recognition is off (no PocketSphinx model)";
  }
  const auto sample = [&] {
    std::ifstream status("/proc/" + std::to_string(server_->pid()) + "/status"), stat("/proc/" + std::to_string(server_->pid()) + "/stat");
    long rss_kb = 0;
    for (std::string line; std::getline(status, line);)
      if (line.rfind("VmRSS:", 0) == 0) rss_kb = std::stol(line.substr(6));
    std::string all((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    std::istringstream fields(all.substr(all.rfind(')') + 2));
    std::string skip;
    for (int i = 0; i < 11; ++i) fields >> skip;
    long utime = 0, stime = 0;
    fields >> utime >> stime;
    return std::pair{static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK)), rss_kb};
  };
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const auto [cpu0, rss0] = sample();
  std::this_thread::sleep_for(std::chrono::seconds(3));
  const auto [cpu1, rss1] = sample();
  std::printf("  idle server with recognition on: %.2f s CPU and %+ld MB in 3 s\n", cpu1 - cpu0, (rss1 - rss0) / 1024);
  EXPECT_LT(cpu1 - cpu0, 0.3);
  EXPECT_LT(rss1 - rss0, 30 * 1024);
}

TEST_P(TranscriptTest, LiveTranscriptFluencyRestViewsAndSearch) {
  const std::string token = token_of(signup("ada@example.com"));
  // The session's settings ask for the transcript; the stream does not repeat it.
  const std::string id = new_session(token, R"({"settings":{"transcript":true}})");
  std::vector<WsMessage> messages;
  {
    WsClient ws(port(), "/v1/sessions/" + id + "/stream?sample_rate=" + std::to_string(rate_) + "&access_token=" + token);
    const auto ready = ws.read();
    ASSERT_TRUE(ready);
    EXPECT_EQ(ready->json().at("transcript").as_string(), "live") << ready->data;
    send_f32_frames(ws, speech_, rate_, 1, 20);
    messages = stop_and_collect(ws);
  }
  ASSERT_FALSE(messages.empty());
  // Final words, in order, inside the audio; partials along the way.
  int finals = 0, partials = 0, words = 0;
  double last_start = -1;
  for (const auto& m : messages) {
    if (m.type() != "transcript") continue;
    const auto j = m.json();
    if (!j.at("final").as_bool()) {
      ++partials;
      continue;
    }
    ++finals;
    for (const auto& w : j.at("words").as_array()) {
      ++words;
      const double start = number(w.at("start")), end = number(w.at("end"));
      EXPECT_LT(start, end);
      EXPECT_GE(start, last_start);
      EXPECT_LE(end, seconds() + 0.6);
      EXPECT_TRUE(w.at("filler").is_bool());
      last_start = start;
    }
  }
  std::printf("live transcript: %d final messages, %d partial, %d words over %.1f s of espeak-ng speech\n", finals, partials,
              words, seconds());
  EXPECT_GE(finals, 1);
  EXPECT_GE(partials, 1);
  EXPECT_GE(words, 10);
  const auto assessment = messages.back().json();
  ASSERT_EQ(messages.back().type(), "assessment");
  EXPECT_TRUE(assessment.at_pointer("/fluency/recognizer").as_bool());
  EXPECT_EQ(assessment.at_pointer("/fluency/words").as_int64(), words);
  EXPECT_EQ(assessment.at_pointer("/metrics/wpm_source").as_string(), "words");
  EXPECT_GT(number(assessment.at_pointer("/fluency/wpm")), 60.0);

  // The stored transcript and fluency say the same.
  const auto t = wait_for("/v1/sessions/" + id + "/transcript", token);
  ASSERT_EQ(t.status, 200) << t.body;
  EXPECT_EQ(static_cast<int>(t.json().at("words").as_array().size()), words);
  EXPECT_EQ(t.json().at("source").as_string(), "live");
  EXPECT_FALSE(t.json().at("segments").as_array().empty());
  const auto f = call("GET", "/v1/sessions/" + id + "/fluency", "", token);
  ASSERT_EQ(f.status, 200) << f.body;
  EXPECT_EQ(f.json().at("filler_count"), assessment.at_pointer("/fluency/filler_count"));

  // Search finds it by one of its words, with the word marked.
  std::string term;
  const auto transcript = t.json();  // named: a temporary would die before the loop body
  for (const auto& w : transcript.at("words").as_array())
    if (!w.at("filler").as_bool() && w.at("word").as_string().size() >= 4) term = w.at("word").as_string();
  ASSERT_FALSE(term.empty());
  const auto found = call("GET", "/v1/sessions?q=" + term + "&sort=date", "", token);
  ASSERT_EQ(found.status, 200) << found.body;
  EXPECT_EQ(found.json().at_pointer("/pagination/total").as_int64(), 1);
  EXPECT_NE(std::string(found.json().at_pointer("/data/0/snippet").as_string()).find("<mark>"), std::string::npos);
  EXPECT_EQ(call("GET", "/v1/sessions?q=" + term + "&sort=loudest", "", token).status, 400);

  // Nobody else sees it.
  const std::string other = token_of(signup("other@example.com"));
  EXPECT_EQ(call("GET", "/v1/sessions/" + id + "/transcript", "", other).status, 404);
  EXPECT_EQ(call("GET", "/v1/sessions?q=" + term, "", other).json().at_pointer("/pagination/total").as_int64(), 0);
  // A session that never asked has no transcript, and says how to get one.
  const auto none = call("GET", "/v1/sessions/" + new_session(token) + "/transcript", "", token);
  EXPECT_EQ(none.status, 404);
  EXPECT_NE(none.body.find("transcript"), std::string::npos);
}

TEST_P(TranscriptTest, DeferredWhenEveryDecoderIsBusy) {
  restart({"--asr-threads", "1"});
  const std::string token = token_of(signup("ada@example.com"));
  const std::string a = new_session(token), b = new_session(token);
  const std::string query = "/stream?transcript=true&sample_rate=" + std::to_string(rate_) + "&access_token=" + token;
  WsClient live(port(), "/v1/sessions/" + a + query);
  EXPECT_EQ(live.read()->json().at("transcript").as_string(), "live");
  WsClient deferred(port(), "/v1/sessions/" + b + query);
  EXPECT_EQ(deferred.read()->json().at("transcript").as_string(), "deferred");
  send_f32_frames(deferred, speech_, rate_, 1, 20);
  deferred.send_text(R"({"type":"stop"})");
  // The deferred stream gets its assessment, then stays open reporting the job.
  std::optional<WsMessage> m;
  while ((m = deferred.read()) && m->type() != "processing") {
    if (m->type() == "assessment") {
      EXPECT_FALSE(m->json().at_pointer("/fluency/recognizer").as_bool()) << "no words yet";
    }
  }
  ASSERT_TRUE(m) << "the client is told the transcript follows";
  EXPECT_EQ(m->json().at("status").as_string(), "queued");
  // While the only decoder is leased, the transcript is still being made.
  EXPECT_EQ(call("GET", "/v1/sessions/" + b + "/transcript", "", token).status, 409);
  send_f32_frames(live, speech_, rate_, 1, 20);
  (void)stop_and_collect(live);
  // The decoder is free: the job runs, and the open stream hears how it went.
  std::vector<std::string> statuses;
  for (const auto& msg : deferred.read_all(90))
    if (msg.type() == "processing") statuses.push_back(std::string(msg.json().at("status").as_string()));
  ASSERT_FALSE(statuses.empty()) << server_->log();
  EXPECT_EQ(statuses.back(), "done");
  EXPECT_EQ(deferred.close_code(), 1000);
  const auto t = wait_for("/v1/sessions/" + b + "/transcript", token, 90);
  ASSERT_EQ(t.status, 200) << t.body;
  EXPECT_EQ(t.json().at("source").as_string(), "deferred");
  EXPECT_GE(t.json().at("words").as_array().size(), 10u);
  // Its fluency joined the stored report.
  const auto report = call("GET", "/v1/sessions/" + b + "/report", "", token).json();
  EXPECT_TRUE(report.at_pointer("/fluency/recognizer").as_bool());
  EXPECT_TRUE(server_->wait_for_log("transcribed (deferred)"));
}

TEST_P(TranscriptTest, UnsupportedLanguageIsAClearErrorAndTheStreamGoesOn) {
  const std::string token = token_of(signup("ada@example.com"));
  WsClient ws(port(), "/v1/stream?transcript=true&lang=fr-FR&sample_rate=" + std::to_string(rate_) + "&access_token=" + token);
  const auto error = ws.read();
  ASSERT_TRUE(error);
  EXPECT_EQ(error->json().at("code").as_string(), "UNSUPPORTED_LANGUAGE") << error->data;
  const auto ready = ws.read();
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->json().at("transcript").as_string(), "off");
  send_f32_frames(ws, speech_, rate_, 1, 20);
  const auto messages = stop_and_collect(ws);
  ASSERT_EQ(messages.back().type(), "assessment");
  EXPECT_EQ(messages.back().json().at("status").as_string(), "completed");
  EXPECT_GT(number(messages.back().json().at("speaking_time")), 3.0);
  EXPECT_EQ(first_of(messages, "transcript"), nullptr);
  // A bad value is refused like any other parameter.
  WsClient bad(port(), "/v1/stream?transcript=maybe&access_token=" + token);
  EXPECT_EQ(bad.read()->json().at("code").as_string(), "INVALID_PARAMETER");
}

TEST_P(TranscriptTest, UploadsAreTranscribedAndCanBeTranscribedAgain) {
  const std::string token = token_of(signup("ada@example.com"));
  const std::string id = new_session(token);
  ASSERT_EQ(upload_speech(id, token), 202);
  auto t = wait_for("/v1/sessions/" + id + "/transcript", token, 90);
  ASSERT_EQ(t.status, 200) << t.body;
  EXPECT_EQ(t.json().at("source").as_string(), "upload");
  const auto first_words = t.json().at("words").as_array().size();
  EXPECT_GE(first_words, 10u);

  auto again = call("POST", "/v1/sessions/" + id + "/transcribe", "", token);
  ASSERT_EQ(again.status, 202) << again.body;
  EXPECT_EQ(again.json().at_pointer("/job/status").as_string(), "queued");
  t = wait_for_source(id, token, "retranscribe");
  EXPECT_EQ(t.json().at("source").as_string(), "retranscribe");
  // The same audio; the decoder's cepstral mean has adapted since, so a word may differ.
  const auto again_words = static_cast<double>(t.json().at("words").as_array().size());
  EXPECT_NEAR(again_words, static_cast<double>(first_words), 0.2 * static_cast<double>(first_words));
  // Sessions without kept audio, and other users', cannot be transcribed.
  EXPECT_EQ(call("POST", "/v1/sessions/" + new_session(token) + "/transcribe", "", token).status, 409);
  EXPECT_EQ(call("POST", "/v1/sessions/" + id + "/transcribe", "", token_of(signup("eve@example.com"))).status, 404);
}

TEST_P(TranscriptTest, AJobWhoseProcessDiedIsRetriedAtTheNextStart) {
  const std::string token = token_of(signup("ada@example.com"));
  const std::string id = new_session(token);
  ASSERT_EQ(upload_speech(id, token), 202);
  ASSERT_EQ(wait_for("/v1/sessions/" + id + "/transcript", token, 90).status, 200);
  // What a process killed mid-job leaves: a job 'running', claimed by a
  // worker that no longer beats (claimed ten minutes ago).
  const std::string data_dir = server_->dir() + "/data";
  EXPECT_EQ(server_->stop(SIGKILL), -SIGKILL);
  {
    auto store = orator::storage::Store::open(database_.empty() ? "sqlite:" + data_dir + "/orator.db" : database_, 1);
    const auto ten_minutes_ago = std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch()).count() - 600'000;
    store->enqueue_job(id, "retranscribe", ten_minutes_ago);
    const auto claimed = store->claim_job("instance-that-died", ten_minutes_ago);
    ASSERT_TRUE(claimed);
    ASSERT_EQ(claimed->kind, "retranscribe");
  }
  auto old = std::move(server_);
  std::vector<std::string> extra = {"--data-dir", data_dir};
  if (!database_.empty()) extra.insert(extra.end(), {"--database", database_});
  server_ = std::make_unique<ServerProcess>(extra);
  EXPECT_TRUE(server_->wait_for_log("transcription jobs lost their worker"));
  const auto t = wait_for_source(id, token, "retranscribe");
  EXPECT_EQ(t.json().at("source").as_string(), "retranscribe") << "the orphaned job ran again";
}

// A local server that speaks OpenAI's /v1/audio/transcriptions (as
// whisper.cpp's server does): it checks the request's shape and answers
// verbose_json with word timings.
class FakeTranscriptionServer {
 public:
  std::string url() const { return server_.base_url() + "/v1/audio/transcriptions"; }
  int requests() const { return server_.requests(); }
  std::string problem() const { std::lock_guard l(m_); return problem_; }

 private:
  LocalResponse answer(const LocalRequest& req) {
    std::string why;
    const std::string& body = req.body;
    if (req.target != "/v1/audio/transcriptions") why = "path " + req.target;
    else if (req.authorization != "Bearer test-key-not-for-logs") why = "no bearer key";
    else if (req.content_type.find("multipart/form-data; boundary=") != 0) why = "not multipart";
    else if (body.find("name=\"model\"\r\n\r\nwhisper-1") == std::string::npos) why = "no model";
    else if (body.find("verbose_json") == std::string::npos) why = "no verbose_json";
    else if (body.find("name=\"file\"") == std::string::npos || body.find("RIFF") == std::string::npos) why = "no WAV file";
    if (!why.empty()) {
      std::lock_guard l(m_);
      problem_ = why;
      return {400, R"({"error":"bad request"})"};
    }
    return {200, R"({"task":"transcribe","language":"english","duration":12.4,"text":"Um, so we grew. Revenue, revenue is up.",
        "words":[{"word":"Um,","start":0.10,"end":0.40,"probability":0.9},{"word":"so","start":0.95,"end":1.10},
                 {"word":"we","start":1.42,"end":1.60},{"word":"grew.","start":1.62,"end":1.90},
                 {"word":"Revenue,","start":2.40,"end":2.90},{"word":"revenue","start":3.00,"end":3.50},
                 {"word":"is","start":3.52,"end":3.70},{"word":"up.","start":3.72,"end":4.00}]})"};
  }
  mutable std::mutex m_;
  std::string problem_;
  LocalHttpServer server_{[this](const LocalRequest& r) { return answer(r); }};  // last: its thread uses the above
};

TEST_P(TranscriptTest, AnOpenAiCompatibleProviderTranscribesInTheBackground) {
  FakeTranscriptionServer provider;
  ::setenv("ORATOR_TRANSCRIPTION_API_KEY", "test-key-not-for-logs", 1);
  restart({"--transcription-provider", provider.url()});
  ::unsetenv("ORATOR_TRANSCRIPTION_API_KEY");
  const std::string token = token_of(signup("ada@example.com"));
  const std::string id = new_session(token);
  ASSERT_EQ(upload_speech(id, token), 202);
  const auto t = wait_for_source(id, token, "provider");
  ASSERT_EQ(t.status, 200) << t.body << " provider problem: " << provider.problem();
  EXPECT_EQ(provider.requests(), 1);
  EXPECT_EQ(t.json().at("text").as_string(), "um so we grew revenue revenue is up");
  EXPECT_NEAR(number(t.json().at_pointer("/words/4/start")), 2.40, 1e-9);
  // The provider's words feed the same fluency: the hesitation, the marker, the repetition.
  const auto f = call("GET", "/v1/sessions/" + id + "/fluency", "", token).json();
  EXPECT_EQ(f.at("filler_count").as_int64(), 1);
  EXPECT_EQ(f.at_pointer("/discourse_markers/0/word").as_string(), "so");
  EXPECT_EQ(f.at_pointer("/repetitions/0/text").as_string(), "revenue");
  EXPECT_EQ(server_->log().find("test-key-not-for-logs"), std::string::npos) << "the key stays out of the log";
}

INSTANTIATE_TEST_SUITE_P(Backends, TranscriptTest, ::testing::Values("sqlite", "postgresql"));

}  // namespace
