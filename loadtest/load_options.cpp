#include "load_options.hpp"

#include <cstdlib>
#include <functional>
#include <map>

namespace orator::loadtest {

std::string usage() {
  return "Usage: orator-loadtest --wav FILE | --session ID [options]\n"
         "  --session ID replays the audio the server kept for a record: true session (needs --token or --api-key)\n"
         "  --host H (127.0.0.1)  --port P (8080)  --streams N (10)  --duration S (10)  --ramp S (0)\n"
         "  --speed X (1 = real time, 0 = unpaced)  --codec f32|opus (f32)  --frame-ms MS (20)\n"
         "  --interval-ms MS (250)  --threads N (1)  --late-ms MS (100)  --transcript true|false (false)\n"
         "  --token T | --api-key K  --server-pid PID  --json FILE\n"
         "  --report-every S: latency percentiles, server RSS and CPU over each S seconds (soak runs)\n"
         "  --tls true|false (false): wss; --tls-resume true|false (true): resume an earlier TLS session;\n"
         "  --tls-ca FILE: verify the server's certificate (unverified without it)\n";
}

std::optional<LoadOptions> parse_options(const std::vector<std::string>& args, std::string& error) {
  LoadOptions o;
  auto number = [&](const std::string& v, double lo, double hi, double& out) {
    char* end = nullptr;
    const double x = std::strtod(v.c_str(), &end);
    if (end == v.c_str() || *end || x < lo || x > hi) return false;
    out = x;
    return true;
  };
  auto integer = [&](const std::string& v, int lo, int hi, int& out) {
    double x = 0;
    if (!number(v, lo, hi, x) || x != static_cast<int>(x)) return false;
    out = static_cast<int>(x);
    return true;
  };
  const std::map<std::string, std::function<bool(const std::string&)>> setters = {
      {"--host", [&](const std::string& v) { o.host = v; return !v.empty(); }},
      {"--port", [&](const std::string& v) { return integer(v, 1, 65535, o.port); }},
      {"--wav", [&](const std::string& v) { o.wav = v; return !v.empty(); }},
      {"--session", [&](const std::string& v) { o.session = v; return !v.empty() && v.find('/') == std::string::npos; }},
      {"--codec", [&](const std::string& v) { o.codec = v; return v == "f32" || v == "opus"; }},
      {"--streams", [&](const std::string& v) { return integer(v, 1, 100000, o.streams); }},
      {"--duration", [&](const std::string& v) { return number(v, 0.1, 86400, o.duration_s); }},
      {"--ramp", [&](const std::string& v) { return number(v, 0, 3600, o.ramp_s); }},
      {"--speed", [&](const std::string& v) { return number(v, 0, 1000, o.speed); }},
      {"--frame-ms", [&](const std::string& v) { return integer(v, 10, 120, o.frame_ms) && o.frame_ms % 10 == 0; }},
      {"--interval-ms", [&](const std::string& v) { return integer(v, 100, 2000, o.interval_ms); }},
      {"--threads", [&](const std::string& v) { return integer(v, 1, 64, o.threads); }},
      {"--late-ms", [&](const std::string& v) { return number(v, 1, 60000, o.late_ms); }},
      {"--token", [&](const std::string& v) { o.token = v; return true; }},
      {"--api-key", [&](const std::string& v) { o.api_key = v; return true; }},
      {"--server-pid", [&](const std::string& v) { return integer(v, 1, 1 << 30, o.server_pid); }},
      {"--json", [&](const std::string& v) { o.json_out = v; return true; }},
      {"--report-every", [&](const std::string& v) { return number(v, 1, 86400, o.report_every_s); }},
      {"--transcript", [&](const std::string& v) { o.transcript = v == "true"; return v == "true" || v == "false"; }},
      {"--tls", [&](const std::string& v) { o.tls = v == "true"; return v == "true" || v == "false"; }},
      {"--tls-resume", [&](const std::string& v) { o.tls_resume = v == "true"; return v == "true" || v == "false"; }},
      {"--tls-ca", [&](const std::string& v) { o.tls_ca = v; return !v.empty(); }},
  };
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--help" || args[i] == "-h") return std::nullopt;
    const auto it = setters.find(args[i]);
    if (it == setters.end()) return error = "unknown option " + args[i], std::nullopt;
    if (i + 1 >= args.size()) return error = "missing value for " + args[i], std::nullopt;
    if (!it->second(args[++i])) return error = "invalid value for " + args[i - 1] + ": " + args[i], std::nullopt;
  }
  if (o.wav.empty() == o.session.empty()) return error = "give one of --wav and --session", std::nullopt;
  if (!o.session.empty() && o.token.empty() && o.api_key.empty())
    return error = "--session needs --token or --api-key", std::nullopt;
  return o;
}

}  // namespace orator::loadtest
