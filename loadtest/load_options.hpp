#pragma once
// Command line of orator-loadtest (see --help).
#include <optional>
#include <string>
#include <vector>

namespace orator::loadtest {

struct LoadOptions {
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string wav;              // recording to replay (looped to fill the duration)
  std::string session;          // or: replay what the server kept for this record: true session
  std::string codec = "f32";    // f32 or opus
  int streams = 10;
  double duration_s = 10;       // audio seconds per stream
  double ramp_s = 0;            // streams start evenly over this long
  double speed = 1.0;           // 1 = real time; 0 = as fast as possible
  int frame_ms = 20;
  int interval_ms = 250;
  int threads = 1;
  double late_ms = 100;         // a metrics message later than this counts as late
  std::string token, api_key;   // credentials (none: the server must allow anonymous streams)
  int server_pid = 0;           // sample this process's CPU and memory from /proc
  std::string json_out;         // write the JSON report here too
  bool transcript = false;      // ask each stream for a live transcript
  double report_every_s = 0;    // > 0: a line (and a JSON entry) of latency, RSS and CPU this often
  bool tls = false;             // wss: TLS to the server (its certificate is not checked without --tls-ca)
  bool tls_resume = true;       // offer the session of an earlier connection (TLS session resumption)
  std::string tls_ca;           // CA file to verify the server's certificate with
};

// nullopt with `error` set (or help requested when error is empty).
[[nodiscard]] std::optional<LoadOptions> parse_options(const std::vector<std::string>& args, std::string& error);
[[nodiscard]] std::string usage();

}  // namespace orator::loadtest
