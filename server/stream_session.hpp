#pragma once
// One live analysis stream over WebSocket: socket I/O only. What the stream
// means (protocol, analysis, persistence) is the StreamController's; this
// reads frames into it and writes what it sends.
//
// Every handler runs on the connection's strand, so the session's state
// needs no locks. Reads are one at a time; writes go through a bounded queue
// (messages and bytes): a client that stops reading is disconnected rather
// than growing server memory.
//
// Templated on the transport below the WebSocket (PlainStream or TlsStream,
// server/transport.hpp); both are instantiated in stream_session.cpp.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <boost/asio/steady_timer.hpp>

#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "server/http_handler.hpp"
#include "server/server_context.hpp"
#include "server/sessions/stream_controller.hpp"
#include "server/stream_route.hpp"
#include "server/transport.hpp"

namespace orator::server {

template <class NextLayer>
class StreamSession final : public LiveStream,
                            public std::enable_shared_from_this<StreamSession<NextLayer>>,
                            private sessions::StreamTransport {
 public:
  StreamSession(NextLayer&& stream, ServerContext& context, StreamIdentity identity, ConnectionLimits::Slot slot);
  ~StreamSession() override;

  // Accepts the upgrade request and starts the stream.
  void run(HttpRequest request, StreamRoute route);
  void shutdown() override;

 private:
  void on_accept(boost::beast::error_code ec);
  void do_read();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  // The peer is gone: nothing more is written; the controller finalises.
  void abandon(std::string_view why);
  // Drops queued messages, except one a write is still reading from.
  void discard_queue();
  void do_write();
  void on_write(boost::beast::error_code ec, std::size_t bytes);
  void do_close();

  // sessions::StreamTransport
  void send(std::string message, bool final_message) override;
  void close(sessions::CloseCode code, std::string_view reason) override;
  bool connected() const override { return !dead_; }
  Post poster() override;
  void arm_timer(double seconds, std::function<void()> task) override;
  void cancel_timer() override;

  boost::beast::websocket::stream<NextLayer> ws_;
  boost::beast::flat_buffer buffer_;
  boost::asio::steady_timer timer_;
  ServerContext& ctx_;
  ConnectionLimits::Slot slot_;  // this connection's place within the limits
  sessions::StreamController controller_;

  std::deque<std::string> queue_;
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool registered_ = false;
  bool dead_ = false;  // socket unusable or closed: nothing more is sent
  std::optional<sessions::CloseCode> close_after_writes_;
  std::string close_reason_;
};

extern template class StreamSession<PlainStream>;
extern template class StreamSession<TlsStream>;

}  // namespace orator::server
