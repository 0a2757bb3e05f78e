// orator-loadtest: replays a recording over N concurrent WebSocket streams and
// reports metric latency (from sending the audio that completes an interval
// to receiving that interval's metrics), throughput, errors, late or missing
// messages, and the server's CPU and resident memory sampled from /proc.
#include <opus.h>

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <mutex>
#include <sstream>
#include <thread>
#include <unistd.h>

#include "dsp/resampler.hpp"
#include "fetch_recording.hpp"
#include "load_client.hpp"
#include "load_options.hpp"
#include "protocol/audio_file.hpp"
#include "protocol/json_writer.hpp"

namespace {
using namespace orator;
using namespace orator::loadtest;

std::optional<Payload> prepare(const LoadOptions& o, std::string& error) {
  std::vector<std::uint8_t> bytes;
  if (!o.session.empty()) {
    auto downloaded = fetch_recording(o, error);
    if (!downloaded) return std::nullopt;
    bytes = std::move(*downloaded);
  } else {
    std::ifstream in(o.wav, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  const std::string source = o.session.empty() ? o.wav : "session " + o.session;
  auto audio = protocol::decode_audio_file(bytes, 24 * 3600);
  if (!audio.ok()) return error = source + ": " + audio.error, std::nullopt;
  Payload p;
  if (o.codec == "f32") {
    p.sample_rate = audio.sample_rate;
    p.samples_per_frame = audio.sample_rate * o.frame_ms / 1000;
    for (std::size_t i = 0; i + static_cast<std::size_t>(p.samples_per_frame) <= audio.samples.size(); i += static_cast<std::size_t>(p.samples_per_frame)) {
      const auto* b = reinterpret_cast<const std::uint8_t*>(audio.samples.data() + i);
      p.frames.emplace_back(b, b + p.samples_per_frame * 4);
    }
    p.query = "codec=f32&sample_rate=" + std::to_string(p.sample_rate);
  } else {
    // Opus at 16 kHz (the analysis rate), resampled with the server's own resampler.
    std::vector<float> x16;
    dsp::Resampler rs(audio.sample_rate);
    std::vector<float> buf(rs.max_output(dsp::Resampler::kMaxBlock));
    for (std::size_t i = 0; i < audio.samples.size(); i += dsp::Resampler::kMaxBlock) {
      const auto n = rs.process(std::span<const float>(audio.samples.data() + i, std::min(dsp::Resampler::kMaxBlock, audio.samples.size() - i)), buf);
      x16.insert(x16.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
    }
    int err = 0;
    std::unique_ptr<OpusEncoder, void (*)(OpusEncoder*)> enc(opus_encoder_create(16000, 1, OPUS_APPLICATION_VOIP, &err), opus_encoder_destroy);
    if (err != OPUS_OK) return error = "opus encoder", std::nullopt;
    opus_encoder_ctl(enc.get(), OPUS_SET_BITRATE(24000));
    p.sample_rate = 16000;
    p.samples_per_frame = 16 * o.frame_ms;
    std::vector<unsigned char> packet(4000);
    for (std::size_t i = 0; i + static_cast<std::size_t>(p.samples_per_frame) <= x16.size(); i += static_cast<std::size_t>(p.samples_per_frame)) {
      const int n = opus_encode_float(enc.get(), x16.data() + i, p.samples_per_frame, packet.data(), 4000);
      if (n < 0) return error = "opus_encode failed (frame length must be 10, 20, 40 or 60 ms)", std::nullopt;
      p.frames.emplace_back(packet.begin(), packet.begin() + n);
    }
    p.query = "codec=opus&sample_rate=48000";
  }
  if (p.frames.empty()) return error = "recording shorter than one frame", std::nullopt;
  p.query += "&interval_ms=" + std::to_string(o.interval_ms);
  if (o.transcript) p.query += "&transcript=true";
  return p;
}

struct ProcSample { double cpu_seconds = 0; double rss_mb = 0; bool ok = false; };

ProcSample read_proc(int pid) {
  ProcSample s;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return s;
  const auto close = line.rfind(')');
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  s.cpu_seconds = static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) s.rss_mb = std::stod(line.substr(6)) / 1024.0;
  s.ok = true;
  return s;
}

double percentile(std::vector<double>& v, double q) {
  if (v.empty()) return 0;
  const auto k = static_cast<std::size_t>(std::min<double>(static_cast<double>(v.size() - 1), std::floor(q * static_cast<double>(v.size() - 1) + 0.5)));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

double hundredths(double v) { return std::round(v * 100) / 100; }

// p50, p99 (and p95 when asked) and max, in hundredths of a millisecond.
boost::json::object distribution(std::vector<double>& v, bool with_p95) {
  boost::json::object o{{"p50", hundredths(percentile(v, 0.50))}};
  if (with_p95) o["p95"] = hundredths(percentile(v, 0.95));
  o["p99"] = hundredths(percentile(v, 0.99));
  o["max"] = v.empty() ? 0.0 : hundredths(*std::max_element(v.begin(), v.end()));
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  std::string error;
  const auto options = parse_options(std::vector<std::string>(argv + 1, argv + argc), error);
  if (!options) {
    std::fprintf(error.empty() ? stdout : stderr, "%s%s%s", error.c_str(), error.empty() ? "" : "\n\n", usage().c_str());
    return error.empty() ? 0 : 2;
  }
  const auto& o = *options;
  const auto payload = prepare(o, error);
  if (!payload) {
    std::fprintf(stderr, "orator-loadtest: %s\n", error.c_str());
    return 2;
  }

  std::shared_ptr<TlsClient> tls;
  if (o.tls && !(tls = make_tls_client(o, error))) {
    std::fprintf(stderr, "orator-loadtest: %s\n", error.c_str());
    return 2;
  }

  boost::asio::io_context ioc;
  std::mutex mutex;
  std::vector<StreamResult> results;
  std::atomic<int> remaining{o.streams};
  LatencyWindow window;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < o.streams; ++i) {
    const auto delay = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(o.streams > 1 ? o.ramp_s * i / (o.streams - 1) : 0.0));
    start_stream(
        ioc, o, *payload, delay,
        [&](StreamResult r) {
          std::lock_guard lock(mutex);
          results.push_back(std::move(r));
          --remaining;
        },
        o.report_every_s > 0 ? &window : nullptr, tls.get());
  }
  std::vector<std::thread> threads;
  for (int i = 0; i < o.threads; ++i) threads.emplace_back([&ioc] { ioc.run(); });

  // Sample the server once a second while the streams run.
  double peak_rss = 0, rss_sum = 0;
  int samples = 0;
  ProcSample first = o.server_pid ? read_proc(o.server_pid) : ProcSample{};
  ProcSample last = first;
  // Reports over time: what each window of --report-every seconds saw.
  boost::json::array windows;
  auto window_start = std::chrono::steady_clock::now();
  ProcSample window_first = first;
  const auto report_window = [&](std::chrono::steady_clock::time_point now) {
    auto in_window = window.take();
    const double span = std::chrono::duration<double>(now - window_start).count();
    const double at = std::chrono::duration<double>(now - t0).count();
    const double cpu = o.server_pid && span > 0 ? (last.cpu_seconds - window_first.cpu_seconds) / span : 0;
    const std::size_t n = in_window.size();
    const double p50 = percentile(in_window, 0.50), p99 = percentile(in_window, 0.99);
    windows.push_back(boost::json::object{{"t_s", std::round(at)}, {"metrics", n}, {"p50_ms", std::round(p50 * 100) / 100},
                                          {"p99_ms", std::round(p99 * 100) / 100}, {"rss_mb", last.rss_mb},
                                          {"cpu_cores", std::round(cpu * 100) / 100}, {"streams_left", remaining.load()}});
    std::fprintf(stderr, "t=%.0f s: %zu metrics, p50 %.1f / p99 %.1f ms, server RSS %.1f MB, CPU %.2f cores\n", at, n, p50, p99,
                 last.rss_mb, cpu);
    window_start = now;
    window_first = last;
  };
  while (remaining > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(o.server_pid ? 1000 : 100));
    if (o.server_pid) {
      last = read_proc(o.server_pid);
      peak_rss = std::max(peak_rss, last.rss_mb);
      rss_sum += last.rss_mb;
      ++samples;
    }
    const auto now = std::chrono::steady_clock::now();
    if (o.report_every_s > 0 && std::chrono::duration<double>(now - window_start).count() >= o.report_every_s) report_window(now);
  }
  for (auto& t : threads) t.join();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  std::vector<double> latencies, connects;
  int resumed = 0;
  int expected = 0, received = 0, late = 0, errors = 0, failed_streams = 0, assessments = 0, refused = 0;
  std::string first_error;
  for (auto& r : results) {
    latencies.insert(latencies.end(), r.latencies_ms.begin(), r.latencies_ms.end());
    expected += r.metrics_expected;
    received += r.metrics_received;
    late += r.late;
    errors += r.errors;
    failed_streams += r.errors > 0 ? 1 : 0;
    assessments += r.assessment ? 1 : 0;
    refused += r.refused ? 1 : 0;
    if (r.connect_ms >= 0) connects.push_back(r.connect_ms);
    resumed += r.tls_resumed ? 1 : 0;
    if (first_error.empty() && !r.first_error.empty()) first_error = r.first_error;
  }
  const std::size_t matched = latencies.size();
  boost::json::object report{
      {"streams", o.streams}, {"codec", o.codec}, {"duration_s", o.duration_s}, {"speed", o.speed}, {"ramp_s", o.ramp_s},
      {"interval_ms", o.interval_ms}, {"frame_ms", o.frame_ms}, {"wall_s", std::round(wall * 100) / 100},
      {"metrics", boost::json::object{{"expected", expected}, {"received", received}, {"missing", std::max(0, expected - received)},
                                      {"late", late}, {"per_second", std::round(received / wall)}}},
      {"errors", errors}, {"failed_streams", failed_streams}, {"assessments", assessments}, {"refused", refused},
      {"first_error", first_error.empty() ? boost::json::value(nullptr) : boost::json::value(first_error)}};
  auto latency = distribution(latencies, true);
  latency.emplace("samples", matched);
  report["latency_ms"] = std::move(latency);
  if (o.server_pid && last.ok && first.ok) {
    report["server"] = boost::json::object{{"cpu_cores_avg", std::round((last.cpu_seconds - first.cpu_seconds) / wall * 100) / 100},
                                           {"rss_mb_peak", std::round(peak_rss * 10) / 10},
                                           {"rss_mb_avg", samples ? std::round(rss_sum / samples * 10) / 10 : 0.0}};
  }
  // Connection set-up as the server answered it: TCP, TLS (when --tls) and the upgrade.
  const std::size_t opened = connects.size();
  auto connect = distribution(connects, false);
  connect.emplace("opened", opened);
  report["connect_ms"] = std::move(connect);
  if (o.tls) report["tls"] = boost::json::object{{"resumption_offered", o.tls_resume}, {"resumed", resumed}, {"full_handshakes", static_cast<int>(opened) - resumed}};
  if (!windows.empty()) report["windows"] = std::move(windows);
  const std::string json = protocol::to_json(report);
  if (!o.json_out.empty()) std::ofstream(o.json_out) << json << "\n";
  std::printf("%s\n", json.c_str());
  std::fprintf(stderr,
               "%d %s streams, %.0f s of audio each at %gx: %d/%d metrics (%d late), latency p50 %.1f / p95 %.1f / p99 %.1f ms, "
               "%d errors, %d refused as overload%s%s\n",
               o.streams, o.codec.c_str(), o.duration_s, o.speed, received, expected, late, report["latency_ms"].at("p50").as_double(),
               report["latency_ms"].at("p95").as_double(), report["latency_ms"].at("p99").as_double(), errors, refused,
               first_error.empty() ? "" : ": ", first_error.c_str());
  // Refused streams are the server protecting the admitted ones: those must all be whole.
  return errors == 0 && received >= expected && assessments == o.streams - refused ? 0 : 1;
}
