#include "server/http_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <spdlog/spdlog.h>

#include "server/stream_route.hpp"
#include "server/stream_session.hpp"

namespace orator::server {
namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;

HttpSession::HttpSession(net::ip::tcp::socket&& socket, ServerContext& context)
    : stream_(std::move(socket)), ctx_(context) {
  ++ctx_.connections;
}

HttpSession::~HttpSession() { --ctx_.connections; }

void HttpSession::run() {
  net::dispatch(stream_.get_executor(), beast::bind_front_handler(&HttpSession::do_read, shared_from_this()));
}

void HttpSession::do_read() {
  parser_.emplace();
  parser_->header_limit(16 * 1024);
  parser_->body_limit(ctx_.config.max_http_body_bytes);
  stream_.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(ctx_.config.http_timeout_seconds)));
  http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&HttpSession::on_read, shared_from_this()));
}

void HttpSession::on_read(beast::error_code ec, std::size_t) {
  if (ec == http::error::end_of_stream) return do_close();
  if (ec == http::error::body_limit) {
    HttpRequest req;
    req.version(11);
    auto res = error_response(req, http::status::payload_too_large, "PAYLOAD_TOO_LARGE", "request body exceeds the limit");
    res.keep_alive(false);
    return send(std::move(res));
  }
  if (ec) return;  // timeout, reset or malformed request: drop the connection

  HttpRequest req = parser_->release();
  if (beast::websocket::is_upgrade(req)) {
    if (auto route = match_stream_route(req.target())) {
      std::make_shared<StreamSession>(std::move(stream_), ctx_)->run(std::move(req), std::move(*route));
      return;
    }
    auto res = error_response(req, http::status::not_found, "NOT_FOUND", "no WebSocket endpoint at this path");
    res.keep_alive(false);
    return send(std::move(res));
  }
  send(handle_request(req, ctx_));
}

void HttpSession::send(HttpResponse response) {
  response_ = std::make_shared<HttpResponse>(std::move(response));
  const bool keep_alive = response_->keep_alive();
  http::async_write(stream_, *response_, beast::bind_front_handler(&HttpSession::on_write, shared_from_this(), keep_alive));
}

void HttpSession::on_write(bool keep_alive, beast::error_code ec, std::size_t) {
  response_.reset();
  if (ec) return;
  if (!keep_alive) return do_close();
  do_read();
}

void HttpSession::do_close() {
  beast::error_code ec;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ec);
}

}  // namespace orator::server
