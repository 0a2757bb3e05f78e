#include "fetch_recording.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace orator::loadtest {
namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;

std::optional<std::vector<std::uint8_t>> fetch_recording(const LoadOptions& o, std::string& error) {
  try {
    net::io_context ioc;
    beast::tcp_stream stream(ioc);
    net::ip::tcp::resolver resolver(ioc);
    stream.expires_after(std::chrono::seconds(60));
    stream.connect(resolver.resolve(o.host, std::to_string(o.port)));
    http::request<http::empty_body> req{http::verb::get, "/v1/sessions/" + o.session + "/audio", 11};
    req.set(http::field::host, o.host);
    if (!o.token.empty()) req.set(http::field::authorization, "Bearer " + o.token);
    if (!o.api_key.empty()) req.set("X-API-Key", o.api_key);
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response_parser<http::vector_body<std::uint8_t>> parser;
    parser.body_limit(std::uint64_t{1} << 30);
    http::read(stream, buffer, parser);
    auto res = parser.release();
    if (res.result() != http::status::ok) {
      error = "GET /v1/sessions/" + o.session + "/audio: HTTP " + std::to_string(res.result_int()) + " " +
              std::string(res.body().begin(), res.body().end());
      return std::nullopt;
    }
    return std::move(res.body());
  } catch (const std::exception& e) {
    error = "downloading the recording of session " + o.session + ": " + e.what();
    return std::nullopt;
  }
}

}  // namespace orator::loadtest
