#include "server/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>

namespace orator::server {
namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace {

template <class Stream>
HttpReply exchange(Stream& stream, const http::request<http::string_body>& req, std::size_t limit) {
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(limit);
  http::read(stream, buffer, parser);
  HttpReply reply;
  reply.status = static_cast<int>(parser.get().result_int());
  reply.body = std::move(parser.get().body());
  return reply;
}

}  // namespace

HttpReply http_call(const HttpCall& c) {
  HttpReply out;
  const auto url = boost::urls::parse_uri(c.url);
  if (!url || (url->scheme() != "http" && url->scheme() != "https")) {
    out.error = "has a URL that is not http(s)://";
    return out;
  }
  const bool tls = url->scheme() == "https";
  const std::string host(url->host());
  const std::string port = url->has_port() ? std::string(url->port()) : (tls ? "443" : "80");
  std::string target(url->encoded_path().empty() ? "/" : url->encoded_path());
  if (url->has_query()) target += "?" + std::string(url->encoded_query());
  http::request<http::string_body> req{http::string_to_verb(c.method), target, 11};
  req.set(http::field::host, host);
  req.set(http::field::user_agent, "orator");
  if (!c.content_type.empty()) req.set(http::field::content_type, c.content_type);
  for (const auto& [name, value] : c.headers) req.set(name, value);
  req.body() = c.body;
  req.prepare_payload();
  try {
    net::io_context ioc;
    net::ip::tcp::resolver resolver(ioc);
    const auto endpoints = resolver.resolve(host, port);
    if (!tls) {
      beast::tcp_stream stream(ioc);
      stream.expires_after(c.timeout);
      stream.connect(endpoints);
      out = exchange(stream, req, c.max_response_bytes);
      beast::error_code ignored;
      stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
    } else {
      net::ssl::context ctx(net::ssl::context::tls_client);
      ctx.set_default_verify_paths();
      ctx.set_verify_mode(net::ssl::verify_peer);
      beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
      SSL_set_tlsext_host_name(stream.native_handle(), host.c_str());
      stream.set_verify_callback(net::ssl::host_name_verification(host));
      beast::get_lowest_layer(stream).expires_after(c.timeout);
      beast::get_lowest_layer(stream).connect(endpoints);
      stream.handshake(net::ssl::stream_base::client);
      out = exchange(stream, req, c.max_response_bytes);
    }
  } catch (const std::exception& e) {
    out = {};
    out.error = std::string("could not be reached: ") + e.what();
  }
  return out;
}

}  // namespace orator::server
