// The whole live pipeline for one stream, as the server runs it: decode,
// resample, VAD, pitch, speech/pauses, syllables, nudges, metrics (JSON
// included) and the final assessment. Reported as a real-time factor and CPU
// microseconds per second of audio; plus the per-stream state in bytes.
#include <benchmark/benchmark.h>
#include <opus.h>

#include <optional>
#include <vector>

#include "allocation_counter.hpp"
#include "dsp/analyzer.hpp"
#include "protocol/audio_decoder.hpp"
#include "protocol/messages.hpp"
#include "server/sessions/report_spill_file.hpp"
#include "support/signals.hpp"

namespace {
using namespace orator;

constexpr double kSeconds = 10.0;

// Speech with pauses: what a real stream looks like.
std::vector<float> talk(int rate) {
  std::vector<float> x;
  for (int i = 0; i < 2; ++i) {
    test_support::append(x, test_support::intoned_syllables(rate, 4.0, 140 + 40 * i, 40, 0.1));
    test_support::append(x, test_support::silence(rate, 1.0));
  }
  return x;
}

struct JsonSink : dsp::AnalysisSink {
  std::size_t bytes = 0;
  void on_vad(bool s, double t) override { bytes += protocol::vad_json(s, t).size(); }
  void on_nudge(const dsp::Nudge& n, const dsp::NudgeInputs& in) override { bytes += protocol::nudge_json(n, in).size(); }
  void on_metrics(const dsp::IntervalMetrics& m) override { bytes += protocol::metrics_json(m).size(); }
};

void report(benchmark::State& state) {
  const double audio = kSeconds * static_cast<double>(state.iterations());
  state.counters["x_realtime"] = benchmark::Counter(audio, benchmark::Counter::kIsRate);
  // CPU seconds per second of audio (shown with an SI prefix, e.g. 394u = 0.394 ms).
  state.counters["cpu_per_audio_s"] = benchmark::Counter(audio, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

std::vector<std::vector<std::uint8_t>> pcm_frames(const std::vector<float>& x, int rate, protocol::Codec codec) {
  std::vector<std::vector<std::uint8_t>> frames;
  const auto n = static_cast<std::size_t>(rate / 50);  // 20 ms
  for (std::size_t i = 0; i < x.size(); i += n) {
    const std::size_t m = std::min(n, x.size() - i);
    std::vector<std::uint8_t> f;
    for (std::size_t k = 0; k < m; ++k) {
      if (codec == protocol::Codec::f32) {
        const auto* b = reinterpret_cast<const std::uint8_t*>(&x[i + k]);
        f.insert(f.end(), b, b + 4);
      } else {
        const auto s = static_cast<std::int16_t>(x[i + k] * 32767.0f);
        f.push_back(static_cast<std::uint8_t>(s & 0xff));
        f.push_back(static_cast<std::uint8_t>((s >> 8) & 0xff));
      }
    }
    frames.push_back(std::move(f));
  }
  return frames;
}

std::vector<std::vector<std::uint8_t>> opus_frames(const std::vector<float>& x48k) {
  int err = 0;
  OpusEncoder* enc = opus_encoder_create(48000, 1, OPUS_APPLICATION_VOIP, &err);
  opus_encoder_ctl(enc, OPUS_SET_BITRATE(32000));
  std::vector<std::vector<std::uint8_t>> frames;
  std::vector<unsigned char> buf(1500);
  for (std::size_t i = 0; i + 960 <= x48k.size(); i += 960) {
    const int n = opus_encode_float(enc, x48k.data() + i, 960, buf.data(), 1500);
    frames.emplace_back(buf.begin(), buf.begin() + n);
  }
  opus_encoder_destroy(enc);
  return frames;
}

void run_stream(benchmark::State& state, const protocol::AudioFormat& format,
                const std::vector<std::vector<std::uint8_t>>& frames) {
  static const auto ctx = dsp::AnalysisContext::create();
  std::vector<float> pcm;
  for (auto _ : state) {
    JsonSink sink;
    auto decoder = protocol::AudioDecoder::create(format);
    dsp::StreamAnalyzer analyzer(ctx, {dsp::Mode::presentation, decoder->output_rate(), 250}, sink);
    for (const auto& f : frames) {
      if (decoder->decode(f, pcm) != protocol::DecodeStatus::ok) state.SkipWithError("decode failed");
      analyzer.push(pcm);
    }
    const auto report_json = protocol::assessment_json("bench", analyzer.finish(true));
    benchmark::DoNotOptimize(report_json.data());
    benchmark::DoNotOptimize(sink.bytes);
  }
  report(state);
}

void BM_Pipeline_S16_16k(benchmark::State& state) {
  static const auto frames = pcm_frames(talk(16000), 16000, protocol::Codec::s16);
  run_stream(state, {protocol::Codec::s16, 16000, 1}, frames);
}
BENCHMARK(BM_Pipeline_S16_16k)->Unit(benchmark::kMillisecond);

void BM_Pipeline_F32_16k(benchmark::State& state) {
  static const auto frames = pcm_frames(talk(16000), 16000, protocol::Codec::f32);
  run_stream(state, {protocol::Codec::f32, 16000, 1}, frames);
}
BENCHMARK(BM_Pipeline_F32_16k)->Unit(benchmark::kMillisecond);

void BM_Pipeline_F32_48k(benchmark::State& state) {
  static const auto frames = pcm_frames(talk(48000), 48000, protocol::Codec::f32);
  run_stream(state, {protocol::Codec::f32, 48000, 1}, frames);
}
BENCHMARK(BM_Pipeline_F32_48k)->Unit(benchmark::kMillisecond);

void BM_Pipeline_Opus_48k(benchmark::State& state) {
  static const auto frames = opus_frames(talk(48000));
  run_stream(state, {protocol::Codec::opus, 48000, 1}, frames);
}
BENCHMARK(BM_Pipeline_Opus_48k)->Unit(benchmark::kMillisecond);

// Heap held by one stream's analysis state: right after construction, and
// after 10 s of audio (the report's timeline and pause list grow with time).
void BM_StreamStateBytes(benchmark::State& state) {
  static const auto ctx = dsp::AnalysisContext::create();
  const auto audio = talk(16000);
  JsonSink sink;
  {  // Warm the per-thread pitch scratch so it is not charged to the stream.
    dsp::StreamAnalyzer warm(ctx, {dsp::Mode::presentation, 16000, 250}, sink);
    warm.push(audio);
  }
  std::size_t constructed = 0, after = 0;
  for (auto _ : state) {
    const std::size_t before = bench::live_heap_bytes();
    auto analyzer = std::make_unique<dsp::StreamAnalyzer>(ctx, dsp::AnalyzerConfig{dsp::Mode::presentation, 48000, 250}, sink);
    constructed = bench::live_heap_bytes() - before;
    analyzer->push(audio);
    after = bench::live_heap_bytes() - before;
  }
  state.counters["state_bytes"] = static_cast<double>(constructed);
  state.counters["after_10s_bytes"] = static_cast<double>(after);
}
BENCHMARK(BM_StreamStateBytes)->Iterations(5)->Unit(benchmark::kMillisecond);

// What a long stream holds as it goes (the soak's RSS growth): heap per
// audio second over 30 minutes of speech with pauses, after the first 10 s.
void BM_LongStreamBytesPerSecond(benchmark::State& state) {
  static const auto ctx = dsp::AnalysisContext::create();
  const auto audio = talk(16000);  // 10 s
  const double seconds = static_cast<double>(audio.size()) / 16000.0;
  JsonSink sink;
  double per_second = 0;
  for (auto _ : state) {
    const std::size_t before = bench::live_heap_bytes();
    // Arg 1: the timeline spills to a file, as a live stream's does on the server.
    std::optional<server::sessions::ReportSpillFile> file;
    if (state.range(0) == 1) file.emplace("/tmp");
    auto analyzer = std::make_unique<dsp::StreamAnalyzer>(ctx, dsp::AnalyzerConfig{dsp::Mode::presentation, 16000, 250}, sink);
    analyzer->set_report_spill(file ? &*file : nullptr);
    analyzer->push(audio);
    const std::size_t early = bench::live_heap_bytes() - before;
    for (int i = 1; i < 180; ++i) analyzer->push(audio);
    const std::size_t late = bench::live_heap_bytes() - before;
    per_second = static_cast<double>(late - early) / (179 * seconds);
  }
  state.counters["bytes_per_audio_second"] = per_second;
}
BENCHMARK(BM_LongStreamBytesPerSecond)->Arg(0)->Arg(1)->Iterations(1)->Unit(benchmark::kMillisecond);

// One checkpoint of a 30-minute stream as the server makes it: the report
// as it stands (timeline read back from the spill file) and its JSON text.
// A live stream makes one every 5 s of audio at first, 1/60 of its length later.
void BM_CheckpointAt30Minutes(benchmark::State& state) {
  static const auto ctx = dsp::AnalysisContext::create();
  static JsonSink sink;
  static server::sessions::ReportSpillFile file("/tmp");
  static const auto analyzer = [] {
    auto a = std::make_unique<dsp::StreamAnalyzer>(ctx, dsp::AnalyzerConfig{dsp::Mode::presentation, 16000, 250}, sink);
    a->set_report_spill(&file);
    const auto audio = talk(16000);  // 10 s
    for (int i = 0; i < 180; ++i) a->push(audio);
    return a;
  }();
  std::size_t bytes = 0;
  for (auto _ : state) {
    const std::string text = protocol::assessment_json("s", analyzer->snapshot());
    bytes = text.size();
    benchmark::DoNotOptimize(text.data());
  }
  state.counters["report_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_CheckpointAt30Minutes)->Unit(benchmark::kMicrosecond);

}  // namespace
