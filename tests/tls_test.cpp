// TLS: given a certificate and key, the server speaks only https and wss on
// its port (browsers grant the microphone only to secure origins). A real
// TLS client checks the REST API and a whole analysis stream.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/json.hpp>

#include <cstdlib>
#include <filesystem>

#include "support/server_process.hpp"
#include "support/signals.hpp"
#include "support/stream_checks.hpp"
#include "support/test_certificate.hpp"
#include "support/ws_client.hpp"

namespace {
using namespace orator::test_support;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto& c = TestCertificate::get();
    if (c.cert.empty()) {
      if (std::getenv("CI")) FAIL() << "the openssl command is not installed (scripts/setup.sh --test installs it)";
      GTEST_SKIP() << "the openssl command is not installed (scripts/setup.sh --test installs it)";
    }
    server_ = std::make_unique<ServerProcess>(
        std::vector<std::string>{"--tls-cert", c.cert, "--tls-key", c.key, "--allow-anonymous-streams", "true"});
    tls_.load_verify_file(c.cert);  // trust exactly our certificate
    tls_.set_verify_mode(ssl::verify_peer);
  }

  // Connects and completes the TLS handshake, verifying the certificate.
  void connect(beast::ssl_stream<tcp::socket>& stream) {
    beast::get_lowest_layer(stream).connect(server_endpoint());
    stream.set_verify_callback(ssl::host_name_verification("localhost"));
    SSL_set_tlsext_host_name(stream.native_handle(), "localhost");
    stream.handshake(ssl::stream_base::client);
  }

  tcp::endpoint server_endpoint() const {
    return {net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(server_->port())};
  }

  // A TLS 1.2 handshake from a client that offers only `ciphers`: how it went.
  beast::error_code tls12_handshake_offering(const char* ciphers) {
    ssl::context client{ssl::context::tls_client};
    SSL_CTX_set_max_proto_version(client.native_handle(), TLS1_2_VERSION);
    EXPECT_EQ(SSL_CTX_set_cipher_list(client.native_handle(), ciphers), 1) << ciphers;
    beast::ssl_stream<tcp::socket> stream(ioc_, client);
    beast::get_lowest_layer(stream).connect(server_endpoint());
    beast::error_code ec;
    stream.handshake(ssl::stream_base::client, ec);
    return ec;
  }

  net::io_context ioc_;
  ssl::context tls_{ssl::context::tls_client};
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(TlsTest, HttpsServesTheApiAndPlainHttpIsRefused) {
  beast::ssl_stream<tcp::socket> stream(ioc_, tls_);
  connect(stream);
  http::request<http::empty_body> req{http::verb::get, "/health", 11};
  req.set(http::field::host, "localhost");
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(boost::json::parse(res.body()).at("status").as_string(), "healthy");
  EXPECT_EQ(res[beast::http::field::strict_transport_security], "max-age=31536000");

  // Plain HTTP on the TLS port gets no HTTP answer.
  int status = -1;
  try {
    status = http_get(server_->port(), "/health").first;
  } catch (const std::exception&) {
    status = 0;
  }
  EXPECT_NE(status, 200);
  EXPECT_TRUE(server_->running());
}

TEST_F(TlsTest, OnlyForwardSecretSuitesAreOffered) {
  // A TLS 1.2 client offering only static-RSA suites (AES128-SHA and kin) is refused.
  EXPECT_TRUE(tls12_handshake_offering("AES128-SHA:AES256-SHA:AES128-GCM-SHA256")) << "a non-forward-secret suite was accepted";
  // TLS 1.2 with ECDHE is fine.
  const auto ec = tls12_handshake_offering("ECDHE-RSA-AES128-GCM-SHA256");
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_TRUE(server_->running());
}

TEST_F(TlsTest, WssStreamIsAnalysedInFull) {
  websocket::stream<beast::ssl_stream<tcp::socket>> ws(ioc_, tls_);
  connect(ws.next_layer());
  ws.handshake("localhost", "/v1/stream?codec=f32&sample_rate=16000");
  const auto sc = scenario(16000);
  ws.binary(true);
  for (std::size_t i = 0; i < sc.audio.size(); i += 320) {
    const std::size_t n = std::min<std::size_t>(320, sc.audio.size() - i);
    ws.write(net::buffer(sc.audio.data() + i, n * sizeof(float)));
  }
  ws.text(true);
  ws.write(net::buffer(std::string(R"({"type":"stop"})")));
  std::vector<WsMessage> messages;
  beast::flat_buffer buffer;
  beast::error_code ec;
  while (!ec) {
    ws.read(buffer, ec);
    if (!ec) messages.push_back({ws.got_text(), beast::buffers_to_string(buffer.data())});
    buffer.consume(buffer.size());
  }
  EXPECT_EQ(ec, websocket::error::closed);
  EXPECT_EQ(ws.reason().code, websocket::close_code::normal);
  check_scenario_stream(messages, sc, {0.25, "", false});
}

TEST(TlsStartup, UnreadableCertificateStopsTheServer) {
  const std::string cmd = std::string(ORATOR_SERVER_BINARY) +
                          " --port 0 --data-dir /tmp/orator-tls-bad --tls-cert /nonexistent/cert.pem --tls-key /nonexistent/key.pem"
                          " > /dev/null 2>&1";
  const int status = std::system(cmd.c_str());
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << status;
}

}  // namespace
