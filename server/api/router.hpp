#pragma once
// Method + path-pattern routing ("/v1/sessions/{id}/report"). Patterns are
// registered once at start; matching is read-only, so thread-safe.
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "server/api/api_types.hpp"

namespace orator::server::api {

struct RouteOptions {
  bool authenticated = true;  // needs a user (Bearer token or X-API-Key)
  bool credential_endpoint = false;  // login/register/token/refresh: stricter per-address limit
  // The API key scope needed; empty: "read" for GET, "write" otherwise.
  // Signed-in users (Bearer tokens) hold every scope.
  const char* scope = "";
  // Seconds of CPU or a child process (a pronunciation upload, a
  // translation): run on the long-request workers, so that the database
  // workers stay free for everyone else's requests.
  bool long_running = false;
};

class Router {
 public:
  using Handler = std::function<ApiResponse(ApiRequest&)>;
  struct Route {
    std::string method, pattern;
    std::vector<std::string> segments;
    std::vector<std::string> query;  // the query parameters it takes
    RouteOptions options;
    Handler handler;
  };
  struct Match {
    const Route* route = nullptr;
    bool path_exists = false;  // some route has this path with another method (405)
  };

  // `pattern` may end in the query parameters the route takes:
  // "/v1/items?page&per_page&locale". Any other is refused (400).
  void add(std::string method, std::string pattern, RouteOptions options, Handler handler);
  // Finds the route and fills request.params.
  [[nodiscard]] Match match(ApiRequest& request) const;
  [[nodiscard]] const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

}  // namespace orator::server::api
