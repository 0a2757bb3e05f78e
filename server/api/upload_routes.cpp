// POST /v1/sessions/{id}/upload: a recording (WAV or Ogg Opus) analysed
// asynchronously by the same pipeline as live streams (the session service
// runs it). The session is "processing" meanwhile, then "completed" with its
// report, or "failed" with the reason. The server admits the upload on its
// header (Api::admit_upload) and receives the body to a file; a body given
// in memory (a caller without sockets) is written to one first.
#include <boost/json.hpp>

#include <filesystem>
#include <fstream>

#include "server/api/api.hpp"
#include "server/sessions/session_service.hpp"

namespace orator::server::api {
namespace json = boost::json;

void Api::add_upload_routes() {
  router_.add("POST", "/v1/sessions/{id}/upload", RouteOptions{}, [this](ApiRequest& req) {
    const auto s = store_.find_session(req.user_id, req.params.at("id"));
    if (!s) throw not_found("session");
    std::string file = req.body_file;  // handle() removes it unless the session keeps it
    if (file.empty() && !req.body.empty()) {
      file = sessions_.incoming_path();
      std::ofstream(file, std::ios::binary) << req.body;
      req.body_file = file;
    }
    std::error_code ec;
    if (file.empty() || std::filesystem::file_size(file, ec) == 0 || ec)
      throw validation_error("the request body must be the recording (WAV or Ogg Opus)");
    if (auto refused = sessions_.submit_upload(*s, file)) refuse(refused->status, refused->code, refused->message, refused->retry_after);
    ApiResponse r;
    r.status = 202;
    r.body = json::object{{"id", s->id}, {"status", "processing"}, {"statusUrl", "/v1/sessions/" + s->id},
                          {"reportUrl", "/v1/sessions/" + s->id + "/report"}};
    return r;
  });
}

}  // namespace orator::server::api
