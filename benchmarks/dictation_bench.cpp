// Dictation's costs: scoring a 10,000-character attempt (target <= 5 ms),
// listing 10,000 items with filters through the REST path on SQLite (target
// p99 <= 10 ms), and speech synthesis's CPU seconds per second of audio for
// flite (in process) and espeak-ng (a child process).
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "bench_requests.hpp"
#include "server/api/api.hpp"
#include "server/auth/jwt.hpp"
#include "server/dictation/dictation_services.hpp"
#include "server/sessions/session_service.hpp"
#include "speech/dictation_scoring.hpp"
#include "storage/store.hpp"
#include "support/temp_dir.hpp"

namespace {
using namespace orator;

const std::vector<std::string> kWords = {"the", "weather", "station", "reported", "unusually", "heavy", "rain", "over",
                                         "northern", "valleys", "while", "farmers", "waited", "patiently", "for", "news"};

// About `chars` characters of sentences built from kWords.
std::string text_of(std::size_t chars, unsigned seed) {
  std::string out;
  for (unsigned i = seed; out.size() < chars; ++i) {
    out += kWords[(i * 7 + i / 3) % kWords.size()];
    out += (i % 11 == 10) ? ". " : " ";
  }
  out.resize(chars);
  return out;
}

// A learner's attempt: every 9th word misspelt, every 13th left out, a few extras.
std::string attempt_of(const std::string& reference) {
  std::string out, word;
  int n = 0;
  for (std::size_t i = 0; i <= reference.size(); ++i) {
    if (i < reference.size() && reference[i] != ' ') { word += reference[i]; continue; }
    ++n;
    if (n % 13 != 0) out += (n % 9 == 0 ? word + "e" : word) + " ";
    if (n % 17 == 0) out += "and ";
    word.clear();
  }
  return out;
}

void BM_ScoreDictation(benchmark::State& state) {
  const auto reference = text_of(static_cast<std::size_t>(state.range(0)), 1);
  const auto typed = attempt_of(reference);
  speech::DictationScore score;
  for (auto _ : state) {
    score = speech::score_dictation(reference, typed, {false, "en-US"});
    benchmark::DoNotOptimize(score.wer);
  }
  state.counters["words_ref"] = score.words_ref;
  state.counters["wer"] = score.wer;
}
BENCHMARK(BM_ScoreDictation)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

using bench::ms_since;

// GET /v1/items through Api::handle as the server runs it (token, user
// lookup, count and page queries, JSON), over 10,000 items of one user
// (and 2,000 of another, so the user filter does work too).
void BM_ListItems(benchmark::State& state, const std::string& query) {
  static const test_support::TempDir temp("orator-dictation-bench");  // outlives the store below
  static const auto& dir = temp.path();
  static std::unique_ptr<storage::Store> store;
  static std::unique_ptr<server::dictation::DictationServices> services;
  if (!store) {
    store = storage::Store::open("sqlite:" + (dir / "bench.db").string(), 4);
    for (const char* user : {"u", "other"}) store->create_user({user, std::string(user) + "@example.com", "U", "x", "UTC", 1, 1});
    services = std::make_unique<server::dictation::DictationServices>(store->pool());
    const char* locales[] = {"en-US", "es-ES", "fi-FI", "fr-FR"};
    const char* tags[] = {"travel", "food", "work", "home", "exam"};
    for (int i = 0; i < 12000; ++i) {
      storage::DictationItem item;
      item.id = "i" + std::to_string(i);
      item.user_id = i < 10000 ? "u" : "other";
      item.locale = locales[i % 4];
      item.text = text_of(40 + static_cast<std::size_t>(i % 7) * 30, static_cast<unsigned>(i));
      item.text_folded = speech::fold_case(item.text);
      item.difficulty = 1 + i % 5;
      item.voice = "flite:cmu_us_slt";
      item.audio_key = item.id;
      item.tts_status = storage::TtsStatus::ready;
      item.tags = {{tags[i % 5], tags[i % 5]}, {tags[(i / 5) % 5], tags[(i / 5) % 5]}};
      item.created_at = item.updated_at = 1'700'000'000'000 + i;
      services->store.create_item(item);
    }
  }
  server::auth::JwtSigner signer(std::vector<std::uint8_t>(32, 3));
  server::ServerConfig config;
  config.rate_limit_per_minute = 1e9;
  server::sessions::SessionEvents events;
  server::sessions::SessionService sessions(*store, events, config);
  server::api::Api api(*store, signer, config, sessions, {10, 8, 1}, services.get());
  const auto now = server::api::Api::now_ms() / 1000;
  const std::string token = signer.sign({"u", now, now + 3600, "j", "user"});
  std::vector<double> ms;
  std::int64_t total = 0;
  for (auto _ : state) {
    auto req = bench::signed_in_get("/v1/items?" + query, token);
    const auto t0 = std::chrono::steady_clock::now();
    const auto res = api.handle(req);
    ms.push_back(ms_since(t0));
    if (res.status != 200) state.SkipWithError("request failed");
    else total = res.body.at_pointer("/pagination/total").to_number<std::int64_t>();
  }
  bench::report_percentiles(state, ms);
  state.counters["matching"] = static_cast<double>(total);
}
BENCHMARK_CAPTURE(BM_ListItems, newest, std::string("per_page=20"))->Iterations(500)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_ListItems, locale_tag_difficulty, std::string("locale=es-ES&tags=food&difficulty=3&per_page=20"))
    ->Iterations(500)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_ListItems, two_tags_by_text, std::string("tags=travel,exam&sort_by=text&per_page=50"))
    ->Iterations(500)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_ListItems, by_text_page_100, std::string("sort_by=text&page=100&per_page=50"))
    ->Iterations(500)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_ListItems, search_page_100, std::string("search=valleys&sort_by=difficulty&page=100&per_page=20"))
    ->Iterations(500)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_ListItems, unpractised_last_page, std::string("practiced=false&sort_by=last_practiced&page=100&per_page=100"))
    ->Iterations(300)->Unit(benchmark::kMicrosecond);

double cpu_seconds(int who) {
  rusage u{};
  getrusage(who, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// CPU seconds spent per second of audio made: this process's (flite) plus
// its children's (espeak-ng runs as a program).
void BM_Synthesise(benchmark::State& state, const std::string& voice, const std::string& text) {
  static server::dictation::SpeechSynthesis synthesis;
  double audio_s = 0, cpu_s = 0;
  for (auto _ : state) {
    const double before = cpu_seconds(RUSAGE_SELF) + cpu_seconds(RUSAGE_CHILDREN);
    const auto result = synthesis.synthesise(text, voice, server::dictation::SpeakingRate::normal);
    cpu_s += cpu_seconds(RUSAGE_SELF) + cpu_seconds(RUSAGE_CHILDREN) - before;
    if (result.samples.empty()) return state.SkipWithError(result.error.c_str());
    audio_s += static_cast<double>(result.samples.size()) / server::dictation::SynthesisResult::kSampleRate;
  }
  state.counters["audio_s"] = audio_s / static_cast<double>(state.iterations());
  state.counters["cpu_s_per_audio_s"] = cpu_s / audio_s;
}
const std::string kEnglish = "The weather station reported unusually heavy rain over the northern valleys, while the farmers "
                             "waited patiently for news of the harvest.";
const std::string kFinnish = "Sääasema ilmoitti poikkeuksellisen rankoista sateista pohjoisissa laaksoissa, kun maanviljelijät "
                             "odottivat kärsivällisesti uutisia sadosta.";
BENCHMARK_CAPTURE(BM_Synthesise, flite_en, std::string("flite:cmu_us_slt"), kEnglish)->Iterations(10)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Synthesise, espeak_fi, std::string("espeak-ng:fi"), kFinnish)->Iterations(10)->Unit(benchmark::kMillisecond);

}  // namespace
