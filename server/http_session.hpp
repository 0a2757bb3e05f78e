#pragma once
// One HTTP connection: reads requests (bounded header and body, timeouts),
// answers them with handle_request(), or hands an upgrade on a stream route
// to a StreamSession. Runs on the connection's strand. Over TLS it first
// completes the handshake (bounded by the header timeout) and ends with a
// TLS shutdown; both transports are instantiated in http_session.cpp.
//
// A request's header is read on its own, within the header timeout. Then:
// a recording upload is admitted on its header (authenticated, authorised)
// before a byte of its body is read, and the body goes to a file; any other
// body is read into memory that grows with what arrives, never with what
// Content-Length declares.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/file_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <array>
#include <memory>
#include <optional>

#include "server/growing_string_body.hpp"
#include "server/http_handler.hpp"
#include "server/server_context.hpp"
#include "server/stream_route.hpp"
#include "server/transport.hpp"

namespace orator::server {

template <class Stream>
class HttpSession : public std::enable_shared_from_this<HttpSession<Stream>> {
 public:
  // `slot`: this connection's place within the connection limits.
  HttpSession(Stream&& stream, ServerContext& context, ConnectionLimits::Slot slot);
  ~HttpSession();
  void run();

 private:
  void on_handshake(boost::beast::error_code ec, std::size_t bytes_used);
  void do_read();
  void on_header(boost::beast::error_code ec, std::size_t bytes);
  void read_body(std::size_t limit);
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void admit_upload();
  void read_upload();
  void on_upload_read(boost::beast::error_code ec, std::size_t bytes);
  void refuse_oversized_body();
  // REST requests and stream authorisation run on the database worker pool;
  // their results come back to this connection's strand.
  // GET /health: the database is asked (on a worker, within a deadline).
  void check_health(std::shared_ptr<HttpRequest> req);
  void dispatch_api(std::shared_ptr<HttpRequest> request, std::string body_file = {});
  void authorize_stream(std::shared_ptr<HttpRequest> request, StreamRoute route, AdmissionControl::Ticket ticket);
  // 503 SERVER_OVERLOADED with Retry-After: admission control sheds REST.
  void refuse_overloaded(HttpRequest request, bool keep_alive);
  // 503 with Retry-After: the worker pool's queue is full (REST, uploads and
  // stream authorisation alike).
  void refuse_busy(const HttpRequest& request, bool keep_alive);
  [[nodiscard]] std::string client_address(const boost::beast::http::request_header<>& request) const;
  [[nodiscard]] static std::chrono::steady_clock::duration seconds(double s) {
    return std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(s));
  }
  void send(HttpResponse response);
  // A response whose body comes a piece at a time (ApiResponse::next_piece):
  // each piece is produced on a worker, then written, then the next asked for.
  void send_streamed(const HttpRequest& request, std::shared_ptr<api::ApiResponse> response);
  void send_next_piece(std::shared_ptr<api::ApiResponse> response, bool keep_alive);
  void abort();  // closes the socket at once
  void on_write(bool keep_alive, boost::beast::error_code ec, std::size_t bytes);
  // Ends the connection; over plain TCP, reads (and drops) what the client
  // still sends for a moment first, so a refused body does not reset the
  // connection before the client has read why.
  void do_close();
  void drain();

  Stream stream_;
  boost::beast::flat_buffer buffer_;
  ServerContext& ctx_;
  ConnectionLimits::Slot slot_;  // moves to the stream session on an upgrade
  // One request at a time: its header, then its body as text or to a file.
  std::optional<boost::beast::http::request_parser<boost::beast::http::empty_body>> header_parser_;
  std::optional<boost::beast::http::request_parser<GrowingStringBody>> parser_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::file_body>> upload_parser_;
  std::string upload_file_;  // while an upload's body is being received
  GaugeHold receiving_upload_;  // counted while its body arrives
  std::array<char, 4096> drain_buffer_{};
  std::shared_ptr<HttpResponse> response_;  // alive until written
};

extern template class HttpSession<PlainStream>;
extern template class HttpSession<TlsStream>;

}  // namespace orator::server
