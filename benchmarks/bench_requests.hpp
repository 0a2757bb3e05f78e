#pragma once
// What the REST benchmarks share: a signed-in GET as the server hands it to
// Api::handle, and the milliseconds since a start.
#include <chrono>
#include <map>
#include <string>

#include "server/api/api_types.hpp"

namespace orator::bench {

[[nodiscard]] inline server::api::ApiRequest signed_in_get(const std::string& path, const std::string& token,
                                                           const std::multimap<std::string, std::string>& query = {}) {
  server::api::ApiRequest req;
  req.method = "GET";
  req.path = path;
  req.query = query;
  req.headers["authorization"] = "Bearer " + token;
  req.client_address = "127.0.0.1";
  return req;
}

[[nodiscard]] inline double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace orator::bench
