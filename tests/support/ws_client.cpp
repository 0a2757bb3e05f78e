#include "support/ws_client.hpp"

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace orator::test_support {
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

double number(const boost::json::value& v) { return v.to_number<double>(); }

boost::json::value WsMessage::json() const { return boost::json::parse(data); }

std::string WsMessage::type() const {
  if (!text) return "";
  boost::system::error_code ec;
  auto v = boost::json::parse(data, ec);
  if (ec || !v.is_object() || !v.as_object().contains("type")) return "";
  return std::string(v.as_object().at("type").as_string());
}

struct WsClient::Impl {
  net::io_context ioc;
  websocket::stream<tcp::socket> ws{ioc};
  void set_timeout(double seconds) {
    timeval tv{};
    tv.tv_sec = static_cast<long>(seconds);
    tv.tv_usec = static_cast<long>((seconds - std::floor(seconds)) * 1e6);
    setsockopt(ws.next_layer().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
};

WsClient::WsClient(int port, const std::string& target, int receive_buffer,
                   const std::vector<std::pair<std::string, std::string>>& headers)
    : impl_(std::make_unique<Impl>()) {
  auto& sock = impl_->ws.next_layer();
  sock.open(tcp::v4());
  if (receive_buffer > 0) sock.set_option(net::socket_base::receive_buffer_size(receive_buffer));
  sock.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
  impl_->set_timeout(10);
  impl_->ws.read_message_max(64 * 1024 * 1024);
  impl_->ws.set_option(websocket::stream_base::decorator([headers](websocket::request_type& req) {
    for (const auto& [name, value] : headers) req.set(name, value);
  }));
  impl_->ws.handshake("127.0.0.1:" + std::to_string(port), target);
}

WsClient::~WsClient() {
  beast::error_code ec;
  impl_->ws.next_layer().close(ec);
}

void WsClient::send_text(const std::string& text) {
  impl_->ws.text(true);
  impl_->ws.write(net::buffer(text));
}

void WsClient::send_binary(std::span<const std::uint8_t> data) {
  impl_->ws.binary(true);
  impl_->ws.write(net::buffer(data.data(), data.size()));
}

void WsClient::send_f32(std::span<const float> samples) {
  send_binary(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(samples.data()), samples.size() * 4));
}

void WsClient::send_s16(std::span<const float> samples) {
  std::vector<std::uint8_t> bytes(samples.size() * 2);
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const auto v = static_cast<std::int16_t>(std::lrint(std::clamp(samples[i], -1.0f, 1.0f) * 32767.0f));
    bytes[2 * i] = static_cast<std::uint8_t>(v & 0xff);
    bytes[2 * i + 1] = static_cast<std::uint8_t>((v >> 8) & 0xff);
  }
  send_binary(bytes);
}

std::optional<WsMessage> WsClient::read(double timeout_s) {
  if (closed_) return std::nullopt;
  impl_->set_timeout(timeout_s);
  beast::flat_buffer buffer;
  beast::error_code ec;
  impl_->ws.read(buffer, ec);
  if (ec) {
    closed_ = true;
    return std::nullopt;
  }
  return WsMessage{impl_->ws.got_text(), beast::buffers_to_string(buffer.data())};
}

std::vector<WsMessage> WsClient::read_all(double timeout_s) {
  std::vector<WsMessage> out;
  while (auto m = read(timeout_s)) out.push_back(std::move(*m));
  return out;
}

int WsClient::close_code() const { return static_cast<int>(impl_->ws.reason().code); }

void WsClient::drop() {
  beast::error_code ec;
  impl_->ws.next_layer().shutdown(tcp::socket::shutdown_both, ec);
  impl_->ws.next_layer().close(ec);
  closed_ = true;
}

void WsClient::half_close() {
  beast::error_code ec;
  impl_->ws.next_layer().shutdown(tcp::socket::shutdown_send, ec);
}

namespace {

// A request's answer must come within this (240 s; $ORATOR_TEST_HTTP_ANSWER_S
// sets it): a server that never answers fails the test that asked, with
// what it asked, instead of hanging it until CTest's timeout kills it
// without a word. (SO_RCVTIMEO cannot do it: Asio's blocking read polls
// again, without end, after the timeout.)
std::chrono::seconds answer_within() {
  const char* set = std::getenv("ORATOR_TEST_HTTP_ANSWER_S");
  const int seconds = set ? std::atoi(set) : 0;
  return std::chrono::seconds(seconds > 0 ? seconds : 240);
}

beast::tcp_stream connected_stream(net::io_context& ioc, int port) {
  beast::tcp_stream stream(ioc);
  stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
  return stream;
}

void read_answer(net::io_context& ioc, beast::tcp_stream& stream, beast::flat_buffer& buffer, auto& parser_or_message,
                 const std::string& target) {
  beast::error_code ec;
  const auto within = answer_within();
  stream.expires_after(within);
  beast::http::async_read(stream, buffer, parser_or_message, [&ec](beast::error_code e, std::size_t) { ec = e; });
  ioc.run();
  if (ec == beast::error::timeout)
    throw std::runtime_error("no answer within " + std::to_string(within.count()) + " s to " + target);
  if (ec) throw beast::system_error(ec);
}

}  // namespace

std::pair<int, std::string> http_get(int port, const std::string& target) {
  net::io_context ioc;
  auto sock = connected_stream(ioc, port);
  beast::http::request<beast::http::empty_body> req{beast::http::verb::get, target, 11};
  req.set(beast::http::field::host, "127.0.0.1");
  beast::http::write(sock, req);
  beast::flat_buffer buffer;
  beast::http::response<beast::http::string_body> res;
  read_answer(ioc, sock, buffer, res, target);
  return {static_cast<int>(res.result_int()), res.body()};
}

}  // namespace orator::test_support

namespace orator::test_support {

boost::json::value HttpResult::json() const { return boost::json::parse(body); }

HttpResult http_request(int port, const std::string& method, const std::string& target, const std::string& body,
                        const std::vector<std::pair<std::string, std::string>>& headers, const std::string& content_type) {
  net::io_context ioc;
  auto sock = connected_stream(ioc, port);
  beast::http::request<beast::http::string_body> req{beast::http::string_to_verb(method), target, 11};
  req.set(beast::http::field::host, "127.0.0.1:" + std::to_string(port));
  for (const auto& [name, value] : headers) req.set(name, value);
  if (!body.empty()) req.set(beast::http::field::content_type, content_type);
  req.body() = body;
  req.prepare_payload();
  beast::http::write(sock, req);
  beast::flat_buffer buffer;
  beast::http::response_parser<beast::http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  read_answer(ioc, sock, buffer, parser, method + " " + target);
  const auto& res = parser.get();
  HttpResult out;
  out.status = static_cast<int>(res.result_int());
  out.body = res.body();
  for (const auto& f : res) {
    std::string name(f.name_string());
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    out.headers[name] = std::string(f.value());
  }
  return out;
}

}  // namespace orator::test_support
