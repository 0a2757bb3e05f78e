// The recogniser's cost: CPU per second of audio for one streaming decoder
// (real speech from the shared corpus: jfk.wav and the LibriSpeech samples),
// and resident memory of the first decoder and of each further one.
// Skips when the corpus or the models are absent.
#include <benchmark/benchmark.h>

#include <malloc.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <vector>

#include "speech/recognizer.hpp"
#include "support/corpus.hpp"
#include "support/wav.hpp"

namespace {
using namespace orator;

std::vector<float> corpus_speech() {
  std::vector<float> out;
  const auto dir = test_support::corpus_dir();
  if (!dir) return out;
  for (const char* rel : {"github_whisper_cpp/jfk.wav", "github_librispeech_samples/1089-134686-0000.wav",
                          "github_librispeech_samples/1089-134691-0001.wav"}) {
    if (auto wav = test_support::read_wav((*dir / rel).string()); wav && wav->sample_rate == 16000) {
      const auto mono = test_support::mono(*wav);
      out.insert(out.end(), mono.begin(), mono.end());
    }
  }
  return out;
}

// Arg 1: the default models (hesitations mixed into the language model);
// arg 0: the language model alone, for what the mixing costs.
std::shared_ptr<const speech::RecognizerModels> models(bool mix_hesitations = true) {
  static const auto load = [](double p) {
    std::string error;
    speech::RecognizerOptions o;
    o.hesitation_probability = p;
    // Tuning runs: ORATOR_ASR_MAXHMMPF, ORATOR_ASR_MAXWPF (as corpus_asr_test reads them).
    if (const char* v = std::getenv("ORATOR_ASR_MAXHMMPF")) o.max_hmms_per_frame = std::atoi(v);
    if (const char* v = std::getenv("ORATOR_ASR_MAXWPF")) o.max_words_per_frame = std::atoi(v);
    return speech::RecognizerModels::load(o, error);
  };
  static const auto mixed = load(speech::RecognizerOptions{}.hesitation_probability);
  static const auto plain = load(0);
  return mix_hesitations ? mixed : plain;
}

double rss_mb() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

void BM_RecognizerStreaming(benchmark::State& state) {
  const auto audio = corpus_speech();
  const auto m = models(state.range(0) != 0);
  if (audio.empty() || !m) {
    state.SkipWithError("shared corpus or speech models absent");
    return;
  }
  speech::StreamRecognizer rec(m);
  std::size_t words = 0;
  for (auto _ : state) {
    rec.reset();
    for (std::size_t i = 0; i < audio.size(); i += 320)
      rec.push(std::span(audio).subspan(i, std::min<std::size_t>(320, audio.size() - i)));
    rec.finish();
    words += rec.take_update().finals.size();
  }
  const double seconds = static_cast<double>(audio.size()) / 16000.0;
  state.counters["audio_s"] = seconds;
  // CPU seconds per audio second, from the benchmark's own CPU time.
  state.counters["rtf"] = benchmark::Counter(seconds * static_cast<double>(state.iterations()),
                                             benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["words"] = static_cast<double>(words) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_RecognizerStreaming)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime();

void BM_RecognizerMemory(benchmark::State& state) {
  const auto m = models(state.range(0) != 0);
  if (!m) {
    state.SkipWithError("speech models absent");
    return;
  }
  for (auto _ : state) {
    // Heap freed by earlier benchmarks would be reused unseen: hand it back first.
    malloc_trim(0);
    const double before = rss_mb();
    auto first = std::make_unique<speech::StreamRecognizer>(m);
    const double one = rss_mb();
    std::vector<std::unique_ptr<speech::StreamRecognizer>> more;
    for (int i = 0; i < 3; ++i) more.push_back(std::make_unique<speech::StreamRecognizer>(m));
    const double four = rss_mb();
    state.counters["first_decoder_MB"] = one - before;
    state.counters["each_further_MB"] = (four - one) / 3.0;
  }
}
BENCHMARK(BM_RecognizerMemory)->Arg(1)->Arg(0)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
