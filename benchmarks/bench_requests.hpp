#pragma once
// What the REST benchmarks share: a signed-in GET as the server hands it to
// Api::handle, the milliseconds since a start, and latency percentiles.
#include <benchmark/benchmark.h>

#include <boost/url/parse.hpp>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "server/api/api_types.hpp"

namespace orator::bench {

// `target` is a path with its query ("/v1/items?per_page=20"), split as
// the server's to_api_request does.
[[nodiscard]] inline server::api::ApiRequest signed_in_get(const std::string& target, const std::string& token) {
  server::api::ApiRequest req;
  req.method = "GET";
  req.path = target.substr(0, target.find('?'));
  if (auto url = boost::urls::parse_origin_form(target))
    for (auto p : url->params()) req.query.emplace(p.key, p.has_value ? p.value : "");
  req.headers["authorization"] = "Bearer " + token;
  req.client_address = "127.0.0.1";
  return req;
}

[[nodiscard]] inline double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// p50, p99 and max of `ms` as the benchmark's counters.
inline void report_percentiles(benchmark::State& state, std::vector<double>& ms) {
  if (ms.empty()) return;
  std::sort(ms.begin(), ms.end());
  state.counters["p50_ms"] = ms[ms.size() / 2];
  state.counters["p99_ms"] = ms[std::min(ms.size() - 1, ms.size() * 99 / 100)];
  state.counters["max_ms"] = ms.back();
}

}  // namespace orator::bench
