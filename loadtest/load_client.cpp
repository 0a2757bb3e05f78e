#include "load_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/json/parse.hpp>

#include <cmath>
#include <deque>
#include <type_traits>

namespace orator::loadtest {
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

struct TlsClient {
  net::ssl::context context{net::ssl::context::tls_client};
  bool resume = true;
  bool verify = false;  // --tls-ca given: the chain and the host name are checked
  std::mutex mutex;
  SSL_SESSION* session = nullptr;  // the last one a server gave, offered to the next connection
  ~TlsClient() {
    if (session) SSL_SESSION_free(session);
  }
  // With verification, the certificate must also name the host (or its IP).
  void expect_name(SSL* ssl, const std::string& host) const {
    if (!verify) return;
    boost::system::error_code ec;
    net::ip::make_address(host, ec);
    if (!ec) X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str());
    else SSL_set1_host(ssl, host.c_str());
  }
  void offer(SSL* ssl) {
    std::lock_guard lock(mutex);
    if (resume && session) SSL_set_session(ssl, session);
  }
  void keep(SSL* ssl) {
    if (!resume) return;
    SSL_SESSION* fresh = SSL_get1_session(ssl);
    std::lock_guard lock(mutex);
    if (session) SSL_SESSION_free(session);
    session = fresh;
  }
};

std::shared_ptr<TlsClient> make_tls_client(const LoadOptions& o, std::string& error) {
  auto tls = std::make_shared<TlsClient>();
  tls->resume = o.tls_resume;
  tls->context.set_options(net::ssl::context::no_sslv2 | net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                           net::ssl::context::no_tlsv1_1);
  boost::system::error_code ec;
  if (!o.tls_ca.empty()) {
    tls->context.load_verify_file(o.tls_ca, ec);
    if (ec) return error = o.tls_ca + ": " + ec.message(), nullptr;
    tls->context.set_verify_mode(net::ssl::verify_peer);
    tls->verify = true;
  } else {
    tls->context.set_verify_mode(net::ssl::verify_none);  // a load test of one's own server; --tls-ca checks it
  }
  // Client-side cache off: this harness keeps the session itself, so every
  // stream offers the one the server issued last.
  SSL_CTX_set_session_cache_mode(tls->context.native_handle(), SSL_SESS_CACHE_OFF);
  return tls;
}

namespace {

template <bool kTls>
struct Stream : std::enable_shared_from_this<Stream<kTls>> {
  using Socket = std::conditional_t<kTls, beast::ssl_stream<beast::tcp_stream>, beast::tcp_stream>;
  using std::enable_shared_from_this<Stream<kTls>>::shared_from_this;

  static websocket::stream<Socket> make_ws(net::strand<net::io_context::executor_type>& strand, TlsClient* tls) {
    if constexpr (kTls) return websocket::stream<Socket>(strand, tls->context);
    else return websocket::stream<Socket>(strand);
  }

  Stream(net::io_context& ioc, const LoadOptions& o, const Payload& p, std::function<void(StreamResult)> d, TlsClient* t)
      : options(o), payload(p), done(std::move(d)), tls(t), strand(net::make_strand(ioc)), ws(make_ws(strand, t)), timer(strand),
        resolver(strand) {
    total_frames = static_cast<std::size_t>(std::ceil(o.duration_s * 1000.0 / o.frame_ms));
    const double intervals = o.duration_s * 1000.0 / o.interval_ms;
    result.metrics_expected = static_cast<int>(std::ceil(intervals - 1e-9));
    interval_sent.assign(static_cast<std::size_t>(result.metrics_expected) + 2, Clock::time_point{});
  }

  void fail(const std::string& what) {
    if (finished) return;
    if (result.refused) return finish();  // the server closes a refused stream: writes after it fail
    ++result.errors;
    if (result.first_error.empty()) result.first_error = what;
    finish();
  }
  void finish() {
    if (finished) return;
    finished = true;
    timer.cancel();
    beast::error_code ec;
    beast::get_lowest_layer(ws).socket().close(ec);
    done(std::move(result));
  }

  void start(Clock::duration delay) {
    timer.expires_after(delay);
    timer.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec) return;
      self->resolver.async_resolve(self->options.host, std::to_string(self->options.port),
                                   [self](beast::error_code e, tcp::resolver::results_type r) { self->on_resolve(e, r); });
    });
  }
  void on_resolve(beast::error_code ec, tcp::resolver::results_type results) {
    if (ec) return fail("resolve: " + ec.message());
    beast::get_lowest_layer(ws).expires_after(std::chrono::seconds(30));
    connecting = Clock::now();
    beast::get_lowest_layer(ws).async_connect(results, [self = shared_from_this()](beast::error_code e, auto) {
      if (e) return self->fail("connect: " + e.message());
      if constexpr (kTls) {
        SSL* ssl = self->ws.next_layer().native_handle();
        SSL_set_tlsext_host_name(ssl, self->options.host.c_str());
        self->tls->expect_name(ssl, self->options.host);
        self->tls->offer(ssl);
        self->ws.next_layer().async_handshake(net::ssl::stream_base::client, [self](beast::error_code e2) {
          if (e2) return self->fail("TLS handshake: " + e2.message());
          self->result.tls_resumed = SSL_session_reused(self->ws.next_layer().native_handle()) == 1;
          self->open_websocket();
        });
      } else {
        self->open_websocket();
      }
    });
  }
  void open_websocket() {
    auto self = shared_from_this();
    beast::get_lowest_layer(self->ws).expires_never();
    self->ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
    // Copies, not `self`: the decorator lives inside ws, and capturing the
    // stream there would make it own itself (a leak LeakSanitizer caught).
    self->ws.set_option(websocket::stream_base::decorator(
        [token = self->options.token, key = self->options.api_key](websocket::request_type& req) {
          if (!token.empty()) req.set(beast::http::field::authorization, "Bearer " + token);
          if (!key.empty()) req.set("X-API-Key", key);
        }));
    self->ws.read_message_max(16 << 20);
    self->ws.async_handshake(self->options.host + ":" + std::to_string(self->options.port), "/v1/stream?" + self->payload.query,
                             [self](beast::error_code e2) { self->on_handshake(e2); });
  }
  void on_handshake(beast::error_code ec) {
    if (ec) return fail("handshake: " + ec.message());
    started = Clock::now();
    result.connect_ms = std::chrono::duration<double, std::milli>(started - connecting).count();
    // TLS 1.3 issues its session tickets after the handshake: by the 101 they are in.
    if constexpr (kTls) tls->keep(ws.next_layer().native_handle());
    do_read();
    send_next();
  }

  // Sending: one frame per tick; frames queue if the socket is slower than the pace.
  void send_next() {
    if (finished || next_frame >= total_frames) return;
    const auto& frame = payload.frames[next_frame % payload.frames.size()];
    ++next_frame;
    const double sent_ms = static_cast<double>(next_frame) * options.frame_ms;
    // The audio completing interval k (1-based) has now been handed over.
    while (next_interval <= static_cast<std::size_t>(result.metrics_expected) &&
           sent_ms + 1e-9 >= static_cast<double>(next_interval) * options.interval_ms) {
      interval_sent[next_interval++] = Clock::now();
    }
    if (next_frame == total_frames && next_interval <= static_cast<std::size_t>(result.metrics_expected))
      interval_sent[next_interval++] = Clock::now();  // the final partial interval
    outbox.push_back(&frame);
    if (!writing) do_write();
    if (next_frame < total_frames) {
      if (options.speed > 0) {
        const auto due = started + std::chrono::duration_cast<Clock::duration>(
                                       std::chrono::duration<double, std::milli>(sent_ms / options.speed));
        timer.expires_at(due);
        timer.async_wait([self = shared_from_this()](beast::error_code ec) { if (!ec) self->send_next(); });
      }
      // Unpaced: the next frame goes when this write completes (on_write).
    }
  }
  void do_write() {
    writing = true;
    if (outbox.empty()) {
      writing = false;
      return;
    }
    const auto* frame = outbox.front();
    ws.binary(true);
    ws.async_write(net::buffer(*frame), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->fail("write: " + ec.message());
      self->outbox.pop_front();
      if (!self->outbox.empty()) return self->do_write();
      self->writing = false;
      if (self->options.speed <= 0 && self->next_frame < self->total_frames) return self->send_next();
      if (self->next_frame >= self->total_frames && !self->stop_sent) {
        self->stop_sent = true;
        self->writing = true;
        self->ws.text(true);
        self->ws.async_write(net::buffer(std::string_view(R"({"type":"stop"})")),
                             [self](beast::error_code e, std::size_t) {
                               self->writing = false;
                               if (e) self->fail("write stop: " + e.message());
                             });
      }
    });
  }

  void do_read() {
    ws.async_read(buffer, [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }
  void on_read(beast::error_code ec) {
    if (ec) {
      if (ec == websocket::error::closed && (result.assessment || result.refused)) return finish();
      return fail("read: " + ec.message());
    }
    const auto now = Clock::now();
    const std::string_view text(static_cast<const char*>(buffer.data().data()), buffer.size());
    // Cheap type check first: only metrics need parsing.
    if (text.find("\"type\":\"metrics\"") != std::string_view::npos) {
      boost::system::error_code pec;
      const auto v = boost::json::parse(text, pec);
      if (!pec) {
        const double t = v.at_pointer("/data/t").to_number<double>();
        const auto k = static_cast<std::size_t>(std::lround(std::ceil(t * 1000.0 / options.interval_ms - 1e-6)));
        ++result.metrics_received;
        if (k < interval_sent.size() && interval_sent[k] != Clock::time_point{}) {
          const double ms = std::chrono::duration<double, std::milli>(now - interval_sent[k]).count();
          result.latencies_ms.push_back(ms);
          if (window) window->add(ms);
          if (ms > options.late_ms) ++result.late;
        }
      }
    } else if (text.find("\"type\":\"assessment\"") != std::string_view::npos) {
      result.assessment = true;
    } else if (text.find("\"code\":\"SERVER_OVERLOADED\"") != std::string_view::npos) {
      result.refused = true;
      result.metrics_expected = 0;
    } else if (text.find("\"type\":\"error\"") != std::string_view::npos) {
      ++result.errors;
      if (result.first_error.empty()) result.first_error = std::string(text.substr(0, 200));
    }
    buffer.consume(buffer.size());
    do_read();
  }

  const LoadOptions& options;
  const Payload& payload;
  std::function<void(StreamResult)> done;
  TlsClient* tls;
  net::strand<net::io_context::executor_type> strand;
  websocket::stream<Socket> ws;
  net::steady_timer timer;
  tcp::resolver resolver;
  beast::flat_buffer buffer;
  std::deque<const std::vector<std::uint8_t>*> outbox;
  std::vector<Clock::time_point> interval_sent;
  StreamResult result;
  LatencyWindow* window = nullptr;  // the report over time, if any
  Clock::time_point connecting, started;
  std::size_t total_frames = 0, next_frame = 0, next_interval = 1;
  bool writing = false, stop_sent = false, finished = false;
};

template <bool kTls>
void start(net::io_context& ioc, const LoadOptions& options, const Payload& payload, Clock::duration delay,
           std::function<void(StreamResult)> done, LatencyWindow* window, TlsClient* tls) {
  auto stream = std::make_shared<Stream<kTls>>(ioc, options, payload, std::move(done), tls);
  stream->window = window;
  net::dispatch(stream->strand, [stream, delay] { stream->start(delay); });
}

}  // namespace

void start_stream(net::io_context& ioc, const LoadOptions& options, const Payload& payload, Clock::duration delay,
                  std::function<void(StreamResult)> done, LatencyWindow* window, TlsClient* tls) {
  if (tls) start<true>(ioc, options, payload, delay, std::move(done), window, tls);
  else start<false>(ioc, options, payload, delay, std::move(done), window, nullptr);
}

}  // namespace orator::loadtest
