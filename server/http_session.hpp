#pragma once
// One HTTP connection: reads requests (bounded header and body, timeout),
// answers them with handle_request(), or hands an upgrade on a stream route
// to a StreamSession. Runs on the connection's strand. Over TLS it first
// completes the handshake (bounded by the HTTP timeout) and ends with a TLS
// shutdown; both transports are instantiated in http_session.cpp.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <memory>
#include <optional>

#include "server/http_handler.hpp"
#include "server/server_context.hpp"
#include "server/stream_route.hpp"
#include "server/transport.hpp"

namespace orator::server {

template <class Stream>
class HttpSession : public std::enable_shared_from_this<HttpSession<Stream>> {
 public:
  HttpSession(Stream&& stream, ServerContext& context);
  ~HttpSession();
  void run();

 private:
  void on_handshake(boost::beast::error_code ec, std::size_t bytes_used);
  void do_read();
  void on_header(boost::beast::error_code ec, std::size_t bytes);
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  // REST requests and stream authorisation run on the database worker pool;
  // their results come back to this connection's strand.
  // GET /health: the database is asked (on a worker, within a deadline).
  void check_health(std::shared_ptr<HttpRequest> req);
  void dispatch_api(std::shared_ptr<HttpRequest> request);
  void authorize_stream(std::shared_ptr<HttpRequest> request, StreamRoute route);
  [[nodiscard]] std::string client_address() const;
  [[nodiscard]] std::chrono::steady_clock::duration http_timeout() const {
    return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(ctx_.config.http_timeout_seconds));
  }
  void send(HttpResponse response);
  void on_write(bool keep_alive, boost::beast::error_code ec, std::size_t bytes);
  void do_close();

  Stream stream_;
  boost::beast::flat_buffer buffer_;
  ServerContext& ctx_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  std::shared_ptr<HttpResponse> response_;  // alive until written
};

extern template class HttpSession<PlainStream>;
extern template class HttpSession<TlsStream>;

}  // namespace orator::server
