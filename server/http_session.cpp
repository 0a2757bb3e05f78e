#include "server/http_session.hpp"

#include <type_traits>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <utility>

#include "server/api/api.hpp"
#include "server/api/stream_auth.hpp"
#include "server/dictation/dictation_services.hpp"
#include "server/sessions/session_service.hpp"
#include "server/refused_stream.hpp"
#include "server/stream_route.hpp"
#include "server/stream_session.hpp"
#include "storage/worker_pool.hpp"

namespace orator::server {
namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;

template <class Stream>
HttpSession<Stream>::HttpSession(Stream&& stream, ServerContext& context, ConnectionLimits::Slot slot)
    : stream_(std::move(stream)), ctx_(context), slot_(std::move(slot)) {}

template <class Stream>
HttpSession<Stream>::~HttpSession() {
  // Stopped mid-upload: the partial body goes.
  if (!upload_file_.empty()) {
    std::error_code ignored;
    std::filesystem::remove(upload_file_, ignored);
  }
}

template <class Stream>
void HttpSession<Stream>::run() {
  net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      beast::get_lowest_layer(self->stream_).expires_after(seconds(self->ctx_.config.header_timeout_seconds));
      self->stream_.async_handshake(net::ssl::stream_base::server, self->buffer_.data(),
                                    beast::bind_front_handler(&HttpSession::on_handshake, self));
    } else {
      self->do_read();
    }
  });
}

template <class Stream>
void HttpSession<Stream>::on_handshake(beast::error_code ec, std::size_t bytes_used) {
  if (ec) {
    spdlog::debug("TLS handshake failed: {}", ec.message());
    return;
  }
  buffer_.consume(bytes_used);
  do_read();
}

namespace {
// A full worker queue drains in moments: a client told so comes back soon.
constexpr int kBusyRetryAfterSeconds = 2;

bool is_upload(const http::request_header<>& req) {
  const std::string_view target = req.target();
  const std::string_view path = target.substr(0, target.find('?'));
  return req.method() == http::verb::post && path.rfind("/v1/sessions/", 0) == 0 && path.size() > 20 &&
         path.substr(path.size() - 7) == "/upload";
}
}  // namespace

template <class Stream>
void HttpSession<Stream>::do_read() {
  header_parser_.emplace();
  header_parser_->header_limit(16 * 1024);
  // Declared lengths beyond every route's limit are refused on the header.
  header_parser_->body_limit(std::max(ctx_.config.max_http_body_bytes, ctx_.config.max_upload_bytes));
  // The request line and headers (or the next request on a kept-alive
  // connection) must arrive within the short header timeout.
  beast::get_lowest_layer(stream_).expires_after(seconds(ctx_.config.header_timeout_seconds));
  http::async_read_header(stream_, buffer_, *header_parser_,
                          beast::bind_front_handler(&HttpSession::on_header, this->shared_from_this()));
}

template <class Stream>
void HttpSession<Stream>::on_header(beast::error_code ec, std::size_t) {
  if (ec == http::error::body_limit) return refuse_oversized_body();
  if (ec) return on_read(ec, 0);
  const auto& req = header_parser_->get();
  // The body limit depends on the route: recordings are large, everything else small.
  if (is_upload(req) && ctx_.api) {
    if (const auto length = header_parser_->content_length(); length && *length > ctx_.config.max_upload_bytes)
      return refuse_oversized_body();
    if (ctx_.admission.shedding()) return refuse_overloaded(HttpRequest(req), false);
    return admit_upload();
  }
  if (const auto length = header_parser_->content_length(); length && *length > ctx_.config.max_http_body_bytes)
    return refuse_oversized_body();
  read_body(ctx_.config.max_http_body_bytes);
}

template <class Stream>
void HttpSession<Stream>::read_body(std::size_t limit) {
  parser_.emplace(std::move(*header_parser_));
  header_parser_.reset();
  parser_->body_limit(limit);
  beast::get_lowest_layer(stream_).expires_after(seconds(ctx_.config.http_timeout_seconds));
  http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&HttpSession::on_read, this->shared_from_this()));
}

template <class Stream>
void HttpSession<Stream>::refuse_overloaded(HttpRequest req, bool keep_alive) {
  ctx_.admission.count_refused_request();
  auto res = error_response(req, http::status::service_unavailable, "SERVER_OVERLOADED", ctx_.admission.reason() + "; retry later");
  res.set(http::field::retry_after, std::to_string(ctx_.admission.limits().retry_after_seconds));
  res.keep_alive(keep_alive);  // an upload's body is never read
  send(std::move(res));
}

template <class Stream>
void HttpSession<Stream>::refuse_busy(const HttpRequest& req, bool keep_alive) {
  auto res = error_response(req, http::status::service_unavailable, "INTERNAL_ERROR", "the server is busy; retry later");
  res.set(http::field::retry_after, std::to_string(kBusyRetryAfterSeconds));
  res.keep_alive(keep_alive);
  send(std::move(res));
}

template <class Stream>
void HttpSession<Stream>::refuse_oversized_body() {
  HttpRequest req;
  req.version(11);
  auto res = error_response(req, http::status::payload_too_large, "PAYLOAD_TOO_LARGE", "request body exceeds the limit");
  res.keep_alive(false);
  send(std::move(res));
}

template <class Stream>
void HttpSession<Stream>::on_read(beast::error_code ec, std::size_t) {
  if (ec == http::error::end_of_stream) return do_close();
  if (ec == http::error::body_limit) return refuse_oversized_body();
  if (ec) return;  // timeout, reset or malformed request: drop the connection

  auto message = parser_->release();
  parser_.reset();
  auto req = std::make_shared<HttpRequest>(std::move(message.base()), std::move(message.body()));
  if (beast::websocket::is_upgrade(*req)) {
    if (auto route = match_stream_route(req->target())) {
      // Beyond capacity the stream is accepted only to be told so (a browser
      // sees a close reason, never a failed upgrade's status), before any work.
      auto ticket = ctx_.admission.admit_stream();
      if (!ticket) {
        refuse_stream(std::move(stream_), std::move(slot_), std::move(*req), ctx_.admission.reason(),
                      ctx_.admission.limits().retry_after_seconds);
        return;
      }
      return authorize_stream(std::move(req), std::move(*route), std::move(ticket));
    }
    auto res = error_response(*req, http::status::not_found, "NOT_FOUND", "no WebSocket endpoint at this path");
    res.keep_alive(false);
    return send(std::move(res));
  }
  if (ctx_.api && is_api_target(req->target())) {
    if (ctx_.admission.shedding()) {
      const bool keep_alive = req->keep_alive();
      return refuse_overloaded(std::move(*req), keep_alive);
    }
    return dispatch_api(std::move(req));
  }
  if (ctx_.store && ctx_.workers && req->method() == http::verb::get && req->target().substr(0, req->target().find('?')) == "/health")
    return check_health(std::move(req));
  send(handle_request(*req, ctx_));
}

template <class Stream>
void HttpSession<Stream>::admit_upload() {
  auto head = std::make_shared<HttpRequest>(header_parser_->get().base());
  auto api_req = std::make_shared<api::ApiRequest>(to_api_request(*head, client_address(*head), std::is_same_v<Stream, TlsStream>));
  auto self = this->shared_from_this();
  const bool queued = ctx_.workers->submit([self, head, api_req] {
    auto refusal = std::make_shared<std::optional<api::ApiResponse>>(self->ctx_.api->admit_upload(*api_req));
    net::post(self->stream_.get_executor(), [self, head, refusal] {
      if (!*refusal) return self->read_upload();
      auto res = to_http_response(*head, **refusal);
      res.keep_alive(false);  // the body is never read
      self->send(std::move(res));
    });
  });
  if (!queued) refuse_busy(*head, false);  // the body is never read
}

template <class Stream>
void HttpSession<Stream>::read_upload() {
  upload_parser_.emplace(std::move(*header_parser_));
  header_parser_.reset();
  upload_file_ = ctx_.sessions->incoming_path();
  beast::error_code ec;
  upload_parser_->get().body().open(upload_file_.c_str(), beast::file_mode::write_new, ec);
  if (ec) {
    spdlog::error("cannot receive an upload into {}: {}", upload_file_, ec.message());
    upload_file_.clear();
    HttpRequest req;
    req.version(11);
    auto res = error_response(req, http::status::service_unavailable, "INTERNAL_ERROR", "the recording cannot be stored now; retry later");
    res.keep_alive(false);
    return send(std::move(res));
  }
  upload_parser_->body_limit(ctx_.config.max_upload_bytes);
  receiving_upload_ = GaugeHold(ctx_.metrics.uploads_receiving);
  // Room for a large recording on a slow link.
  beast::get_lowest_layer(stream_).expires_after(seconds(ctx_.config.upload_timeout_seconds));
  const auto expect = upload_parser_->get()[http::field::expect];
  if (beast::iequals(expect, "100-continue")) {
    // The client waits for this before sending the body.
    auto interim = std::make_shared<http::response<http::empty_body>>(http::status::continue_, 11);
    return http::async_write(stream_, *interim, [self = this->shared_from_this(), interim](beast::error_code wec, std::size_t) {
      if (wec) return self->on_upload_read(wec, 0);
      http::async_read(self->stream_, self->buffer_, *self->upload_parser_,
                       beast::bind_front_handler(&HttpSession::on_upload_read, self));
    });
  }
  http::async_read(stream_, buffer_, *upload_parser_, beast::bind_front_handler(&HttpSession::on_upload_read, this->shared_from_this()));
}

template <class Stream>
void HttpSession<Stream>::on_upload_read(beast::error_code ec, std::size_t) {
  beast::error_code ignored;
  upload_parser_->get().body().close();
  const std::string file = std::exchange(upload_file_, {});
  receiving_upload_.reset();
  if (ec) {
    std::filesystem::remove(file, ignored);
    if (ec == http::error::body_limit) return refuse_oversized_body();
    return;  // timeout or reset: the partial body is dropped
  }
  auto message = upload_parser_->release();
  upload_parser_.reset();
  dispatch_api(std::make_shared<HttpRequest>(std::move(message.base())), file);
}

template <class Stream>
std::string HttpSession<Stream>::client_address(const http::request_header<>& req) const {
  beast::error_code ec;
  const auto endpoint = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
  const std::string peer = ec ? std::string("unknown") : endpoint.address().to_string();
  return server::client_address(peer, req["X-Forwarded-For"], ctx_.config.trusted_proxies);
}

template <class Stream>
void HttpSession<Stream>::dispatch_api(std::shared_ptr<HttpRequest> req, std::string body_file) {
  auto api_req = std::make_shared<api::ApiRequest>(to_api_request(*req, client_address(*req), std::is_same_v<Stream, TlsStream>));
  api_req->body_file = std::move(body_file);  // handle() removes it unless a session keeps it
  auto self = this->shared_from_this();
  // A request of seconds (a pronunciation upload) must not hold a database worker.
  auto& pool = ctx_.long_requests && ctx_.api->is_long_running(*api_req) ? *ctx_.long_requests : *ctx_.workers;
  const bool queued = pool.submit([self, req, api_req] {
    auto api_res = std::make_shared<api::ApiResponse>(self->ctx_.api->handle(*api_req));
    if (api_res->next_piece) {
      net::post(self->stream_.get_executor(), [self, req, api_res] { self->send_streamed(*req, std::move(api_res)); });
      return;
    }
    auto res = std::make_shared<HttpResponse>(to_http_response(*req, *api_res));
    net::post(self->stream_.get_executor(), [self, res] { self->send(std::move(*res)); });
  });
  if (!queued) {
    if (!api_req->body_file.empty()) {
      std::error_code ignored;
      std::filesystem::remove(api_req->body_file, ignored);
    }
    refuse_busy(*req, req->keep_alive());
  }
}

template <class Stream>
void HttpSession<Stream>::check_health(std::shared_ptr<HttpRequest> req) {
  // A real query on a worker, within a deadline: whichever comes first answers.
  auto self = this->shared_from_this();
  auto answered = std::make_shared<bool>(false);
  auto deadline = std::make_shared<net::steady_timer>(stream_.get_executor(), std::chrono::seconds(2));
  auto answer = [self, req, answered, deadline](HealthChecks checks) {
    if (*answered) return;
    *answered = true;
    deadline->cancel();
    self->send(health_response(*req, self->ctx_, checks));
  };
  deadline->async_wait([answer](beast::error_code ec) {
    if (!ec) answer({"the database did not answer within 2 s", "unknown", "unknown", std::nullopt, std::nullopt, std::nullopt, std::nullopt});
  });
  const bool queued = ctx_.workers->submit([self, answer] {
    const auto& ctx = self->ctx_;
    HealthChecks checks;
    checks.database = "ok";
    try {
      ctx.store->ping();
    } catch (const std::exception& e) {
      checks.database = "failed";  // the reason may name hosts: logged, not shown
      spdlog::warn("health check: the database failed: {}", e.what());
    }
    checks.queues = ctx.sessions ? ctx.sessions->background_problem().value_or("ok") : "ok";
    checks.disk = ctx.sessions ? ctx.sessions->disk_problem().value_or("ok") : "ok";
    checks.recogniser = ctx.config.asr_threads == 0 ? "off"
                        : ctx.decoders            ? "ok"
                                                  : "the recogniser's models could not be loaded: no transcripts";
    // Speech synthesis's checks query the database too: without it they can
    // say nothing (and must not throw, or no answer comes before the deadline).
    if (ctx.dictation && checks.database != "ok") {
      checks.tts = "unknown";
    } else if (ctx.dictation) {
      try {
        checks.tts = dictation_problem(*ctx.dictation).value_or("ok");
        const auto queue = ctx.dictation->store.tts_queue();
        checks.tts_pending = queue.pending;
        checks.tts_processing = queue.processing;
      } catch (const std::exception& e) {
        checks.tts = "unknown";
        spdlog::warn("health check: speech synthesis's queue could not be read: {}", e.what());
      }
    }
    net::post(self->stream_.get_executor(), [answer, checks] { answer(checks); });
  });
  if (!queued) answer({"the database queue is full", "the database queue is full", "unknown", std::nullopt, std::nullopt, std::nullopt, std::nullopt});
}

template <class Stream>
void HttpSession<Stream>::authorize_stream(std::shared_ptr<HttpRequest> req, StreamRoute route, AdmissionControl::Ticket ticket) {
  if (!ctx_.api) {  // no storage: every stream is anonymous
    StreamIdentity anonymous;
    anonymous.admission = std::move(ticket);
    std::make_shared<StreamSession<Stream>>(std::move(stream_), ctx_, std::move(anonymous), std::move(slot_))->run(std::move(*req), std::move(route));
    return;
  }
  auto api_req = std::make_shared<api::ApiRequest>(to_api_request(*req, client_address(*req), std::is_same_v<Stream, TlsStream>));
  std::string requested = route.path_session_id;
  for (const auto& [key, value] : route.query)
    if (key == "session_id" && requested.empty()) requested = value;
  auto self = this->shared_from_this();
  auto shared_route = std::make_shared<StreamRoute>(std::move(route));
  const bool queued = ctx_.workers->submit([self, req, api_req, shared_route, requested, ticket] {
    auto result = std::make_shared<api::StreamAuthorization>();
    try {
      *result = api::authorize_stream(*self->ctx_.api, *api_req, requested, self->ctx_.config.allow_anonymous_streams);
    } catch (const std::exception& e) {
      spdlog::error("stream authorisation failed: {}", e.what());
      *result = {503, "INTERNAL_ERROR", "the database is unavailable; retry later", kBusyRetryAfterSeconds, {}};
    }
    result->identity.admission = ticket;
    net::post(self->stream_.get_executor(), [self, req, shared_route, result] {
      if (result->status != 0) {
        // Refused before the upgrade: a plain HTTP error, then close.
        auto res = error_response(*req, static_cast<http::status>(result->status), result->code, result->message);
        if (result->status == 401) res.set(http::field::www_authenticate, "Bearer");
        if (result->retry_after > 0) res.set(http::field::retry_after, std::to_string(result->retry_after));
        res.keep_alive(false);
        return self->send(std::move(res));
      }
      std::make_shared<StreamSession<Stream>>(std::move(self->stream_), self->ctx_, result->identity, std::move(self->slot_))
          ->run(std::move(*req), std::move(*shared_route));
    });
  });
  if (!queued) refuse_busy(*req, false);
}

template <class Stream>
void HttpSession<Stream>::send(HttpResponse response) {
  // Over TLS, browsers are told to come back only over TLS (a year).
  if constexpr (std::is_same_v<Stream, TlsStream>) response.set("Strict-Transport-Security", "max-age=31536000");
  if (response.result() == http::status::too_many_requests) ctx_.metrics.rate_limited.fetch_add(1, std::memory_order_relaxed);
  response_ = std::make_shared<HttpResponse>(std::move(response));
  const bool keep_alive = response_->keep_alive();
  http::async_write(stream_, *response_, beast::bind_front_handler(&HttpSession::on_write, this->shared_from_this(), keep_alive));
}

template <class Stream>
void HttpSession<Stream>::send_streamed(const HttpRequest& req, std::shared_ptr<api::ApiResponse> api_res) {
  auto head = to_http_response(req, *api_res);
  auto res = std::make_shared<http::response<http::empty_body>>(std::move(head.base()));
  res->content_length(api_res->body_length);
  if constexpr (std::is_same_v<Stream, TlsStream>) res->set("Strict-Transport-Security", "max-age=31536000");
  auto serializer = std::make_shared<http::response_serializer<http::empty_body>>(*res);
  const bool keep_alive = res->keep_alive();
  beast::get_lowest_layer(stream_).expires_after(seconds(ctx_.config.http_timeout_seconds));
  http::async_write_header(stream_, *serializer, [self = this->shared_from_this(), res, serializer, api_res, keep_alive](
                                                     beast::error_code ec, std::size_t) {
    if (!ec) self->send_next_piece(std::move(api_res), keep_alive);
  });
}

template <class Stream>
void HttpSession<Stream>::send_next_piece(std::shared_ptr<api::ApiResponse> api_res, bool keep_alive) {
  auto self = this->shared_from_this();
  const bool queued = ctx_.workers->submit([self, api_res, keep_alive] {
    auto piece = std::make_shared<std::string>();
    bool failed = false;
    try {
      *piece = api_res->next_piece();
    } catch (const std::exception& e) {
      spdlog::error("a streamed response failed mid-body: {}", e.what());
      failed = true;
    }
    net::post(self->stream_.get_executor(), [self, api_res, keep_alive, piece, failed] {
      // A body cut short can only end the connection: its length was promised.
      if (failed) return self->abort();
      if (piece->empty()) return self->on_write(keep_alive, {}, 0);
      beast::get_lowest_layer(self->stream_).expires_after(seconds(self->ctx_.config.http_timeout_seconds));
      net::async_write(self->stream_, net::buffer(*piece), [self, api_res, keep_alive, piece](beast::error_code ec, std::size_t) {
        if (!ec) self->send_next_piece(std::move(api_res), keep_alive);
      });
    });
  });
  if (!queued) abort();
}

template <class Stream>
void HttpSession<Stream>::abort() {
  beast::error_code ignored;
  beast::get_lowest_layer(stream_).socket().close(ignored);
}

template <class Stream>
void HttpSession<Stream>::on_write(bool keep_alive, beast::error_code ec, std::size_t) {
  response_.reset();
  if (ec) return;
  if (!keep_alive) return do_close();
  do_read();
}

template <class Stream>
void HttpSession<Stream>::do_close() {
  if constexpr (std::is_same_v<Stream, TlsStream>) {
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
    stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {});
  } else {
    beast::error_code ec;
    stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ec);
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(2));
    drain();
  }
}

template <class Stream>
void HttpSession<Stream>::drain() {
  // Until the client closes its side, for at most the deadline above.
  stream_.async_read_some(net::buffer(drain_buffer_), [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
    if (!ec) self->drain();
  });
}

template class HttpSession<PlainStream>;
template class HttpSession<TlsStream>;

}  // namespace orator::server
