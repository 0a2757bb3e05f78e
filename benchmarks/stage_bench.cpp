// Per-stage costs, each reported as a real-time factor (seconds of audio
// processed per CPU second) over 10 s of speech-like audio.
#include <benchmark/benchmark.h>

#include <vector>

#include "dsp/pitch_tracker.hpp"
#include "dsp/resampler.hpp"
#include "dsp/webrtc_vad.hpp"
#include "support/signals.hpp"

namespace {
using namespace orator;

constexpr double kSeconds = 10.0;

const std::vector<float>& speech(int rate) {
  static std::vector<std::pair<int, std::vector<float>>> cache;
  for (auto& [r, v] : cache)
    if (r == rate) return v;
  cache.emplace_back(rate, test_support::intoned_syllables(rate, kSeconds, 150, 40, 0.1));
  return cache.back().second;
}

void report(benchmark::State& state) {
  state.counters["x_realtime"] = benchmark::Counter(kSeconds * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  // CPU seconds per second of audio (shown with an SI prefix, e.g. 394u = 0.394 ms).
  state.counters["cpu_per_audio_s"] = benchmark::Counter(kSeconds * static_cast<double>(state.iterations()),                                                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_Resample(benchmark::State& state) {
  const int rate = static_cast<int>(state.range(0));
  const auto& x = speech(rate);
  std::vector<float> out(2048);
  for (auto _ : state) {
    dsp::Resampler rs(rate);
    for (std::size_t i = 0; i < x.size(); i += 480) {
      benchmark::DoNotOptimize(rs.process(std::span<const float>(x.data() + i, std::min<std::size_t>(480, x.size() - i)), out));
    }
  }
  report(state);
}
BENCHMARK(BM_Resample)->Arg(48000)->Arg(44100)->Arg(8000)->Unit(benchmark::kMillisecond);

void BM_WebRtcVad(benchmark::State& state) {
  const auto& x = speech(16000);
  for (auto _ : state) {
    dsp::WebRtcVad vad(2);
    for (std::size_t i = 0; i + 160 <= x.size(); i += 160) benchmark::DoNotOptimize(vad.is_speech(std::span<const float>(x.data() + i, 160)));
  }
  report(state);
}
BENCHMARK(BM_WebRtcVad)->Unit(benchmark::kMillisecond);

void BM_PitchTracker(benchmark::State& state) {
  const auto& x = speech(16000);
  const auto ctx = dsp::PitchContext::create();
  std::vector<dsp::PitchFrame> out;
  out.reserve(2000);
  for (auto _ : state) {
    dsp::PitchTracker t(ctx);
    out.clear();
    for (std::size_t i = 0; i < x.size(); i += 320) t.push(std::span<const float>(x.data() + i, std::min<std::size_t>(320, x.size() - i)), out);
    benchmark::DoNotOptimize(out.data());
  }
  report(state);
}
BENCHMARK(BM_PitchTracker)->Unit(benchmark::kMillisecond);

}  // namespace
