#include "server/stream_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket.hpp>
#include <spdlog/spdlog.h>

#include <boost/beast/websocket/ssl.hpp>

namespace orator::server {
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;

template <class NextLayer>
StreamSession<NextLayer>::StreamSession(NextLayer&& stream, ServerContext& context, StreamIdentity identity,
                                        ConnectionLimits::Slot slot)
    : ws_(std::move(stream)),
      timer_(ws_.get_executor()),
      ctx_(context),
      slot_(std::move(slot)),
      controller_(context, std::move(identity), *this) {}

template <class NextLayer>
StreamSession<NextLayer>::~StreamSession() {
  if (registered_) ctx_.streams.remove(this);
}

template <class NextLayer>
void StreamSession<NextLayer>::run(HttpRequest request, StreamRoute route) {
  controller_.configure(route);
  ws_.set_option(websocket::stream_base::timeout{std::chrono::seconds(10), websocket::stream_base::none(), false});
  ws_.read_message_max(ctx_.config.max_frame_bytes);
  ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
    res.set(beast::http::field::server, "orator");
  }));
  beast::get_lowest_layer(ws_).expires_never();  // the websocket timeout and the controller's idle timer govern
  ws_.async_accept(request, beast::bind_front_handler(&StreamSession::on_accept, this->shared_from_this()));
}

template <class NextLayer>
void StreamSession<NextLayer>::on_accept(beast::error_code ec) {
  if (ec) {
    // The session was made live before the upgrade: it ends here, as any
    // stream cut off does (interrupted, stored), rather than staying live.
    spdlog::debug("websocket accept failed: {}", ec.message());
    controller_.on_disconnect("the connection was lost during the upgrade: " + ec.message());
    return;
  }
  registered_ = true;
  ctx_.streams.add(this->shared_from_this());
  controller_.on_open();
  if (!controller_.finished()) do_read();
}

template <class NextLayer>
void StreamSession<NextLayer>::shutdown() {
  net::dispatch(ws_.get_executor(), [self = this->shared_from_this()] { self->controller_.on_shutdown(); });
}

template <class NextLayer>
void StreamSession<NextLayer>::do_read() {
  ws_.async_read(buffer_, beast::bind_front_handler(&StreamSession::on_read, this->shared_from_this()));
}

template <class NextLayer>
void StreamSession<NextLayer>::on_read(beast::error_code ec, std::size_t) {
  if (ec) {  // after a finish, the close handshake we started (the controller ignores it)
    if (ec == websocket::error::message_too_big) abandon("frame larger than max-frame-bytes (closed with 1009)");
    else if (ec == websocket::error::closed) abandon("client closed without stop");
    else abandon(ec.message());
    return;
  }
  if (ws_.got_text()) {
    controller_.on_text(beast::buffers_to_string(buffer_.data()));
  } else {
    const auto data = buffer_.data();
    controller_.on_audio(std::span<const std::uint8_t>(static_cast<const std::uint8_t*>(data.data()), data.size()));
  }
  buffer_.consume(buffer_.size());
  if (!controller_.finished()) do_read();
}

template <class NextLayer>
void StreamSession<NextLayer>::abandon(std::string_view why) {
  dead_ = true;
  discard_queue();
  controller_.on_disconnect(why);
}

template <class NextLayer>
void StreamSession<NextLayer>::send(std::string message, bool final_message) {
  if (dead_) return;
  const bool over = queue_.size() >= ctx_.config.max_queue_messages ||
                    queued_bytes_ + message.size() > ctx_.config.max_queue_bytes;
  if (over && !final_message) {
    spdlog::warn("stream {}: client is not reading ({} messages, {} bytes queued); disconnecting", controller_.session_id(),
                 queue_.size(), queued_bytes_);
    // This may run inside the analyser's callback, so the controller is not
    // told here: closing the socket fails the pending read, which tells it.
    dead_ = true;
    discard_queue();
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
    return;
  }
  queued_bytes_ += message.size();
  queue_.push_back(std::move(message));
  if (!writing_) do_write();
}

template <class NextLayer>
void StreamSession<NextLayer>::close(sessions::CloseCode code, std::string_view reason) {
  close_after_writes_ = code;
  close_reason_ = reason;
  if (!writing_) do_close();
}

template <class NextLayer>
typename StreamSession<NextLayer>::Post StreamSession<NextLayer>::poster() {
  return [weak = this->weak_from_this(), executor = ws_.get_executor()](std::function<void()> task) {
    net::post(executor, [weak, task = std::move(task)] {
      if (auto self = weak.lock()) task();
    });
  };
}

template <class NextLayer>
void StreamSession<NextLayer>::arm_timer(double seconds, std::function<void()> task) {
  timer_.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(seconds)));
  // The handler holds the session: a pending timer keeps it alive.
  timer_.async_wait([self = this->shared_from_this(), task = std::move(task)](beast::error_code ec) {
    if (!ec) task();  // re-armed or cancelled otherwise
  });
}

template <class NextLayer>
void StreamSession<NextLayer>::cancel_timer() {
  timer_.cancel();
}

template <class NextLayer>
void StreamSession<NextLayer>::do_write() {
  writing_ = true;
  ws_.text(true);
  ws_.async_write(net::buffer(queue_.front()), beast::bind_front_handler(&StreamSession::on_write, this->shared_from_this()));
}

template <class NextLayer>
void StreamSession<NextLayer>::on_write(beast::error_code ec, std::size_t) {
  writing_ = false;
  if (ec) {
    // Nothing more can be sent, but audio the client sent before leaving may
    // still be buffered: keep reading; the failing read (or the idle timer)
    // finalises the stream.
    spdlog::debug("stream {}: write failed: {}", controller_.session_id(), ec.message());
    dead_ = true;
    discard_queue();
    return;
  }
  queued_bytes_ -= queue_.front().size();
  queue_.pop_front();
  if (dead_) return;  // abandoned while this write was in flight
  if (!queue_.empty()) do_write();
  else do_close();
}

template <class NextLayer>
void StreamSession<NextLayer>::discard_queue() {
  // A write in flight still reads from the front message: it stays until on_write.
  const std::size_t keep = writing_ ? 1 : 0;
  while (queue_.size() > keep) {
    queued_bytes_ -= queue_.back().size();
    queue_.pop_back();
  }
}

template <class NextLayer>
void StreamSession<NextLayer>::do_close() {
  if (dead_ || !close_after_writes_) return;
  const websocket::close_reason reason(static_cast<websocket::close_code>(*close_after_writes_), close_reason_);
  close_after_writes_.reset();
  dead_ = true;
  ws_.async_close(reason, [self = this->shared_from_this()](beast::error_code) {});
}

template class StreamSession<PlainStream>;
template class StreamSession<TlsStream>;

}  // namespace orator::server
