// The cost of a pronunciation assessment (alignment, phone loop,
// scoring): CPU seconds per second of audio on flite speech of sentences
// of 5, 12, 24 and 46 words (target <= 0.3), and the memory of a decoder.
// BM_LiveReading: the same sentences streamed into a live reading (interim
// passes at pauses, then the final pass): CPU per audio second in all, and
// how long after the end of speech the final assessment is there.
// BM_LiveReadingInClauses: the longest read a clause at a time, with pauses.
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <sys/resource.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "server/dictation/speech_synthesis.hpp"
#include "server/pronunciation/live_pronunciation.hpp"
#include "speech/pronunciation.hpp"
#include "support/posted_calls.hpp"

namespace {
using namespace orator;

std::shared_ptr<const speech::PronunciationModels> models() {
  static const auto loaded = [] {
    std::string error;
    return speech::PronunciationModels::load({}, error);
  }();
  return loaded;
}

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double rss_mb() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

const char* const kSentences[] = {
    "Turn right at the light.",
    "Our neighbour waters the garden every evening in summer, unless it rains.",
    "Although the weather was awful, the concert went ahead as planned, and thousands of visitors arrived at the harbour "
    "before the first song began.",
    // 46 words, near the 50 a target may have.
    "When the old bridge across the river finally closed for repairs last spring, most people in our small town had to "
    "drive almost twenty minutes further every morning, so the council decided to run a free ferry for cyclists and "
    "walkers until the work was finished.",
};

// The sentence read by flite's US voice, 16 kHz; empty with `error`.
std::vector<float> spoken(const std::string& text, std::string& error) {
  static server::dictation::SpeechSynthesis tts;
  const auto speech = tts.synthesise(text, "flite:cmu_us_slt", server::dictation::SpeakingRate::normal);
  error = speech.error;
  std::vector<float> samples(speech.samples.size());
  for (std::size_t i = 0; i < samples.size(); ++i) samples[i] = static_cast<float>(speech.samples[i]) / 32768.0f;
  return samples;
}

void BM_Assess(benchmark::State& state) {
  const auto m = models();
  if (!m) return state.SkipWithError("pronunciation models absent");
  const std::string text = kSentences[state.range(0)];
  std::string error;
  const auto samples = spoken(text, error);
  if (samples.empty()) return state.SkipWithError(error.c_str());
  const auto target = m->prepare(text, error);
  if (!target) return state.SkipWithError(error.c_str());
  speech::PronunciationAssessor assessor(m);
  const double audio_s = static_cast<double>(samples.size()) / 16000.0;
  double cpu = 0;
  int accuracy = 0;
  for (auto _ : state) {
    const double before = cpu_seconds();
    const auto result = assessor.assess(samples, *target);
    cpu += cpu_seconds() - before;
    accuracy = result.accuracy;
  }
  state.counters["words"] = static_cast<double>(target->words.size());
  state.counters["audio_s"] = audio_s;
  state.counters["cpu_s_per_audio_s"] = cpu / (audio_s * static_cast<double>(state.iterations()));
  state.counters["accuracy"] = accuracy;
}
BENCHMARK(BM_Assess)->DenseRange(0, 3)->Iterations(5)->Unit(benchmark::kMillisecond);


// A live reading as a stream makes it: 20 ms frames in real time, with
// 0.5 s of silence after the sentence. Pauses and speech starts come from
// the frames' level, as the VAD would give them: a pause after 250 ms below
// it. At the last pause the stream stops at once. `final_ms`: from there to
// the assessment (a reader pressing stop later waits less).
void live_reading(benchmark::State& state, const std::string& text, const std::vector<float>& samples) {
  const auto m = models();
  if (!m) return state.SkipWithError("pronunciation models absent");
  std::string error;
  const auto target = m->prepare(text, error);
  if (!target) return state.SkipWithError(error.c_str());
  constexpr std::size_t kFrame = 320;
  constexpr int kPauseFrames = 13;
  const double audio_s = static_cast<double>(samples.size()) / 16000.0;
  double cpu = 0, final_ms = 0, decoded = 0;
  int pauses = 0, words = 0;
  for (auto _ : state) {
    test_support::PostedCalls strand;
    int reported = 0;
    std::optional<speech::PronunciationAssessment> result;
    bool done = false;
    server::pronunciation::LivePronunciation live(
        *target, [&strand](std::function<void()> f) { strand.post(std::move(f)); }, [&](const speech::WordAssessment&) { ++reported; });
    const double before = cpu_seconds();
    const auto start = std::chrono::steady_clock::now();
    bool speaking = false;
    int quiet = 0;
    auto last_pause = start;
    for (std::size_t at = 0; at < samples.size(); at += kFrame) {
      const auto frame = std::span(samples).subspan(at, std::min(kFrame, samples.size() - at));
      (void)live.push(frame);
      double energy = 0;
      for (float v : frame) energy += static_cast<double>(v) * v;
      const bool loud = energy / static_cast<double>(frame.size()) > 1e-4;  // -40 dBFS
      if (loud && !speaking) speaking = true, quiet = 0, live.on_speech();
      if (!loud && speaking && ++quiet >= kPauseFrames) speaking = false, live.on_pause(), ++pauses, last_pause = std::chrono::steady_clock::now();
      if (loud) quiet = 0;
      const auto due = start + std::chrono::microseconds(static_cast<std::int64_t>(static_cast<double>(at + kFrame) * 1e6 / 16000));
      while (strand.run_until(due)) {
      }
    }
    live.finish({}, [&](std::optional<speech::PronunciationAssessment> a) {
      result = std::move(a);
      done = true;
    });
    while (!done)
      if (!strand.run_until(std::chrono::steady_clock::now() + std::chrono::seconds(30)))
        return state.SkipWithError("the final assessment did not come back");
    final_ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - last_pause).count();
    cpu += cpu_seconds() - before;
    if (!result) return state.SkipWithError("no assessment (no decoder?)");
    words = reported;
    decoded += live.decoded_seconds();
  }
  const auto n = static_cast<double>(state.iterations());
  state.counters["words"] = static_cast<double>(target->words.size());
  state.counters["words_reported"] = words;
  state.counters["audio_s"] = audio_s;
  state.counters["pauses"] = pauses / n;
  state.counters["cpu_s_per_audio_s"] = cpu / (audio_s * n);
  state.counters["final_ms"] = final_ms / n;
  state.counters["decoded_s_per_audio_s"] = decoded / (audio_s * n);
}

void BM_LiveReading(benchmark::State& state) {
  const std::string text = kSentences[state.range(0)];
  std::string error;
  auto samples = spoken(text, error);
  if (samples.empty()) return state.SkipWithError(error.c_str());
  samples.insert(samples.end(), 8000, 0.0f);
  live_reading(state, text, samples);
}
BENCHMARK(BM_LiveReading)->DenseRange(0, 3)->Iterations(3)->Unit(benchmark::kMillisecond)->UseRealTime();

// The 46-word sentence read a clause at a time (at its commas), with a
// 0.7 s pause after each: the passes at those pauses settle the words before
// them, so later passes, and the one at the end, decode only what follows.
void BM_LiveReadingInClauses(benchmark::State& state) {
  const std::string text = kSentences[3];
  std::vector<float> samples;
  std::string error;
  for (std::size_t from = 0; from < text.size();) {
    const auto comma = text.find(',', from);
    const auto to = comma == std::string::npos ? text.size() : comma + 1;
    auto clause = spoken(text.substr(from, to - from), error);
    if (clause.empty()) return state.SkipWithError(error.c_str());
    samples.insert(samples.end(), clause.begin(), clause.end());
    samples.insert(samples.end(), 11200, 0.0f);
    from = to;
  }
  live_reading(state, text, samples);
}
BENCHMARK(BM_LiveReadingInClauses)->Iterations(3)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_AssessorMemory(benchmark::State& state) {
  const auto m = models();
  if (!m) return state.SkipWithError("pronunciation models absent");
  for (auto _ : state) {
    malloc_trim(0);
    const double before = rss_mb();
    std::vector<std::unique_ptr<speech::PronunciationAssessor>> decoders;
    decoders.push_back(std::make_unique<speech::PronunciationAssessor>(m));
    const double one = rss_mb();
    decoders.push_back(std::make_unique<speech::PronunciationAssessor>(m));
    state.counters["first_decoder_MB"] = one - before;
    state.counters["second_decoder_MB"] = rss_mb() - one;
  }
}
BENCHMARK(BM_AssessorMemory)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
