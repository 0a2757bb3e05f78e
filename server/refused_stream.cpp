#include "server/refused_stream.hpp"

#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>

#include "protocol/messages.hpp"

namespace orator::server {
namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {

// Room for a close frame's reason: 125 payload bytes less the code's two.
constexpr std::size_t kMaxCloseReason = 123;

template <class Stream>
class RefusedStream : public std::enable_shared_from_this<RefusedStream<Stream>> {
 public:
  RefusedStream(Stream&& stream, ConnectionLimits::Slot slot, std::string reason, int retry_after)
      : ws_(std::move(stream)), slot_(std::move(slot)), reason_(std::move(reason)), retry_after_(retry_after) {}

  void run(HttpRequest request) {
    websocket::stream_base::timeout timeout{std::chrono::seconds(5), std::chrono::seconds(5), false};
    ws_.set_option(timeout);
    ws_.set_option(websocket::stream_base::decorator([retry = std::to_string(retry_after_)](websocket::response_type& res) {
      res.set(beast::http::field::server, "orator");
      res.set(beast::http::field::retry_after, retry);
    }));
    beast::get_lowest_layer(ws_).expires_never();  // the websocket timeout governs
    ws_.async_accept(request, beast::bind_front_handler(&RefusedStream::on_accept, this->shared_from_this()));
  }

 private:
  void on_accept(beast::error_code ec) {
    if (ec) return;
    message_ = protocol::overloaded_json(reason_, retry_after_);
    ws_.text(true);
    ws_.async_write(boost::asio::buffer(message_), beast::bind_front_handler(&RefusedStream::on_write, this->shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    if (ec) return;
    const websocket::close_reason why(websocket::close_code::try_again_later, reason_.substr(0, kMaxCloseReason));
    ws_.async_close(why, beast::bind_front_handler(&RefusedStream::on_close, this->shared_from_this()));
  }

  // The peer's close frame (or a timeout) ends it; the slot goes with this.
  void on_close(beast::error_code ec) {
    if (ec) spdlog::debug("refused stream: close: {}", ec.message());
  }

  websocket::stream<Stream> ws_;
  ConnectionLimits::Slot slot_;
  std::string reason_;
  int retry_after_;
  std::string message_;
};

}  // namespace

template <class Stream>
void refuse_stream(Stream&& stream, ConnectionLimits::Slot slot, HttpRequest request, std::string reason,
                   int retry_after_seconds) {
  std::make_shared<RefusedStream<Stream>>(std::move(stream), std::move(slot), std::move(reason), retry_after_seconds)
      ->run(std::move(request));
}

template void refuse_stream<PlainStream>(PlainStream&&, ConnectionLimits::Slot, HttpRequest, std::string, int);
template void refuse_stream<TlsStream>(TlsStream&&, ConnectionLimits::Slot, HttpRequest, std::string, int);

}  // namespace orator::server
