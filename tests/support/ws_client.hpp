#pragma once
// A synchronous WebSocket client for tests (Boost.Beast), with receive timeouts.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

namespace orator::test_support {

struct WsMessage {
  bool text = true;
  std::string data;
  boost::json::value json() const;
  std::string type() const;  // "type" of a JSON message, "" otherwise
};

class WsClient {
 public:
  // Connects and upgrades; throws on failure. `receive_buffer` > 0 shrinks SO_RCVBUF.
  WsClient(int port, const std::string& target, int receive_buffer = 0,
           const std::vector<std::pair<std::string, std::string>>& headers = {});
  ~WsClient();

  void send_text(const std::string& text);
  void send_binary(std::span<const std::uint8_t> data);
  void send_f32(std::span<const float> samples);
  void send_s16(std::span<const float> samples);
  // Next message, or nullopt when the connection closed or timed out.
  std::optional<WsMessage> read(double timeout_s = 10.0);
  // Reads until the connection closes; returns everything received.
  std::vector<WsMessage> read_all(double timeout_s = 30.0);
  // Close code received from the server (after read returned nullopt), 0 if none.
  int close_code() const;
  bool closed() const { return closed_; }
  // Drops the TCP connection without a close handshake (RST if unread data is pending).
  void drop();
  // Ends the sending side (TCP FIN) without a WebSocket close frame.
  void half_close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  bool closed_ = false;
};

// A JSON number as double, whether it was written as an integer or not.
[[nodiscard]] double number(const boost::json::value& v);

// Plain HTTP GET; returns {status, body}.
std::pair<int, std::string> http_get(int port, const std::string& target);

struct HttpResult {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  [[nodiscard]] boost::json::value json() const;
};
// Any HTTP request; `headers` are name/value pairs (e.g. {"Authorization", "Bearer …"}).
HttpResult http_request(int port, const std::string& method, const std::string& target, const std::string& body = "",
                        const std::vector<std::pair<std::string, std::string>>& headers = {},
                        const std::string& content_type = "application/json");

}  // namespace orator::test_support
