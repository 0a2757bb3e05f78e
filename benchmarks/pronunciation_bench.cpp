// The cost of a pronunciation assessment (alignment, free-slot pass,
// scoring): CPU seconds per second of audio on flite speech of sentences
// of 5, 12 and 25 words (target <= 0.3), and the memory of a decoder.
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <sys/resource.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "server/dictation/speech_synthesis.hpp"
#include "speech/pronunciation.hpp"

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
};

void BM_Assess(benchmark::State& state) {
  const auto m = models();
  if (!m) return state.SkipWithError("pronunciation models absent");
  static server::dictation::SpeechSynthesis tts;
  const std::string text = kSentences[state.range(0)];
  const auto spoken = tts.synthesise(text, "flite:cmu_us_slt", server::dictation::SpeakingRate::normal);
  if (spoken.samples.empty()) return state.SkipWithError(spoken.error.c_str());
  std::vector<float> samples(spoken.samples.size());
  for (std::size_t i = 0; i < samples.size(); ++i) samples[i] = static_cast<float>(spoken.samples[i]) / 32768.0f;
  std::string error;
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
BENCHMARK(BM_Assess)->DenseRange(0, 2)->Iterations(5)->Unit(benchmark::kMillisecond);

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
