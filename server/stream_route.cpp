#include "server/stream_route.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

namespace orator::server {

std::optional<StreamRoute> match_stream_route(std::string_view target) {
  auto parsed = boost::urls::parse_origin_form(target);
  if (!parsed) return std::nullopt;
  const boost::urls::url_view url = *parsed;
  std::vector<std::string> segments;
  for (auto seg : url.segments()) segments.emplace_back(seg);

  StreamRoute route;
  const auto n = segments.size();
  if (n == 2 && segments[0] == "v1" && segments[1] == "stream") {
  } else if (n == 3 && segments[0] == "ws" && segments[1] == "analysis" && !segments[2].empty()) {
    route.path_session_id = segments[2];
  } else if (n == 4 && segments[0] == "v1" && segments[1] == "sessions" && segments[3] == "stream" && !segments[2].empty()) {
    route.path_session_id = segments[2];
  } else {
    return std::nullopt;
  }
  for (auto param : url.params()) route.query.emplace_back(param.key, param.has_value ? param.value : "");
  return route;
}

}  // namespace orator::server
