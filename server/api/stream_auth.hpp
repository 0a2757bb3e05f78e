#pragma once
// Decides, before a WebSocket upgrade, who is streaming and into which stored
// session (an existing one of theirs, or a new one), and marks it live.
// Upgrades draw on the user's REST rate limit, their quotas (sessions per
// hour, kept recordings) and their concurrent streams (the identity holds
// the place until the stream ends).
// Blocks on the database: run it on the worker pool.
#include <string>

#include "server/api/api_types.hpp"
#include "server/server_context.hpp"

namespace orator::server::api {

class Api;

struct StreamAuthorization {
  int status = 0;  // 0: allowed; else the HTTP status to refuse with
  std::string code, message;
  int retry_after = 0;  // seconds, with 429
  StreamIdentity identity;
};

[[nodiscard]] StreamAuthorization authorize_stream(Api& api, const ApiRequest& request, const std::string& requested_session,
                                                   bool allow_anonymous);

}  // namespace orator::server::api
