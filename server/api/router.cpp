#include "server/api/router.hpp"

#include <algorithm>

namespace orator::server::api {
namespace {
std::vector<std::string> split(const std::string& path) {
  std::vector<std::string> out;
  std::size_t start = 1;
  while (start <= path.size()) {
    const auto end = path.find('/', start);
    out.push_back(path.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}
}  // namespace

void Router::add(std::string method, std::string pattern, RouteOptions options, Handler handler) {
  std::vector<std::string> query;
  if (const auto q = pattern.find('?'); q != std::string::npos) {
    for (std::size_t start = q + 1; start <= pattern.size();) {
      const auto end = std::min(pattern.find('&', start), pattern.size());
      query.push_back(pattern.substr(start, end - start));
      start = end + 1;
    }
    pattern.resize(q);
  }
  auto segments = split(pattern);
  routes_.push_back({std::move(method), std::move(pattern), std::move(segments), std::move(query), options, std::move(handler)});
}

Router::Match Router::match(ApiRequest& request) const {
  const auto segments = split(request.path);
  Match m;
  for (const auto& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    std::map<std::string, std::string> params;
    bool ok = true;
    for (std::size_t i = 0; i < segments.size() && ok; ++i) {
      const auto& p = route.segments[i];
      if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
        if (segments[i].empty()) ok = false;
        else params[p.substr(1, p.size() - 2)] = segments[i];
      } else {
        ok = p == segments[i];
      }
    }
    if (!ok) continue;
    if (route.method != request.method) {
      m.path_exists = true;
      continue;
    }
    request.params = std::move(params);
    m.route = &route;
    return m;
  }
  return m;
}

}  // namespace orator::server::api
