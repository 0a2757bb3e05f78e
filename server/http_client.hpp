#pragma once
// A blocking HTTP(S) client for calls to other services (a transcription
// provider, a translation provider): one request, one response, a deadline,
// a bound on the response, certificates verified for https. Run it off the
// event loop. Thread-safe (no shared state).
#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace orator::server {

struct HttpCall {
  std::string method = "POST";
  std::string url;  // http(s)://host[:port]/path[?query]
  std::string content_type, body;
  std::vector<std::pair<std::string, std::string>> headers;  // e.g. Authorization (never logged)
  std::chrono::seconds timeout{30};
  std::size_t max_response_bytes = 16u << 20;
};

struct HttpReply {
  int status = 0;      // 0 when no response came
  std::string body;
  std::string error;   // why no response came, to follow a subject ("could not be reached: ..."); no secrets
};

[[nodiscard]] HttpReply http_call(const HttpCall& call);

}  // namespace orator::server
