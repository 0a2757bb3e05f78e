#pragma once
// Which request targets open a stream, and their query parameters.
// Pure; thread-safe.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace orator::server {

struct StreamRoute {
  std::string path_session_id;  // from /ws/analysis/{id} or /v1/sessions/{id}/stream
  std::vector<std::pair<std::string, std::string>> query;  // decoded
};

// nullopt when the target is not a stream endpoint (or is malformed).
[[nodiscard]] std::optional<StreamRoute> match_stream_route(std::string_view target);

}  // namespace orator::server
