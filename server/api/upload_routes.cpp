// POST /v1/sessions/{id}/upload: a recording (WAV or Ogg Opus) analysed
// asynchronously by the same pipeline as live streams (the session service
// runs it). The session is "processing" meanwhile, then "completed" with its
// report, or "failed" with the reason.
#include <boost/json.hpp>

#include "server/api/api.hpp"
#include "server/sessions/session_service.hpp"

namespace orator::server::api {
namespace json = boost::json;

void Api::add_upload_routes() {
  router_.add("POST", "/v1/sessions/{id}/upload", RouteOptions{}, [this](ApiRequest& req) {
    const auto s = store_.find_session(req.user_id, req.params.at("id"));
    if (!s) throw not_found("session");
    if (req.body.empty()) throw validation_error("the request body must be the recording (WAV or Ogg Opus)");
    if (auto refused = sessions_.submit_upload(*s, std::move(req.body)))
      throw ApiError(refused->status, refused->code, refused->message);
    ApiResponse r;
    r.status = 202;
    r.body = json::object{{"id", s->id}, {"status", "processing"}, {"statusUrl", "/v1/sessions/" + s->id},
                          {"reportUrl", "/v1/sessions/" + s->id + "/report"}};
    return r;
  });
}

}  // namespace orator::server::api
