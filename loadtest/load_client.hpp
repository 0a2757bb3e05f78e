#pragma once
// One replaying stream of the load test: connects, streams frames paced by a
// timer (or unpaced), records when the audio completing each metrics interval
// was sent and when that interval's metrics arrived, and stops after the
// duration. All its handlers run on its own strand. Not thread-safe beyond that.
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "load_options.hpp"

namespace orator::loadtest {

// Pre-encoded frames shared by every stream (read-only).
struct Payload {
  std::vector<std::vector<std::uint8_t>> frames;  // binary frames, frame_ms each
  std::string query;                              // codec, rate, interval for the URL
  int samples_per_frame = 0, sample_rate = 0;
};

struct StreamResult {
  std::vector<double> latencies_ms;  // one per metrics message matched to its interval
  int metrics_expected = 0, metrics_received = 0, late = 0;
  int errors = 0;
  std::string first_error;
  bool assessment = false;
  // Refused by the server's admission control (SERVER_OVERLOADED, close 1013):
  // not an error, and none of its metrics are expected.
  bool refused = false;
  double connect_ms = -1;  // from TCP connect to the WebSocket open (TLS handshake included); -1: never opened
  bool tls_resumed = false;
};

// The TLS client side shared by every stream: context, and the session
// offered for resumption. Thread-safe.
struct TlsClient;
[[nodiscard]] std::shared_ptr<TlsClient> make_tls_client(const LoadOptions& options, std::string& error);

// Latencies of every stream since the last take(), for reports over time
// (--report-every). Thread-safe.
class LatencyWindow {
 public:
  void add(double ms) {
    std::lock_guard lock(mutex_);
    latencies_.push_back(ms);
  }
  [[nodiscard]] std::vector<double> take() {
    std::lock_guard lock(mutex_);
    return std::exchange(latencies_, {});
  }

 private:
  std::mutex mutex_;
  std::vector<double> latencies_;
};

// Starts one stream after `delay`; `done` is called once, on the stream's
// strand, with its result. The stream owns itself until then.
// Its latencies also go to `window` when there is one.
// With `tls`, over wss.
void start_stream(boost::asio::io_context& ioc, const LoadOptions& options, const Payload& payload,
                  std::chrono::steady_clock::duration delay, std::function<void(StreamResult)> done,
                  LatencyWindow* window = nullptr, TlsClient* tls = nullptr);

}  // namespace orator::loadtest
