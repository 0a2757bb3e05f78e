#pragma once
// A tiny HTTP/1.1 server on 127.0.0.1 for tests that need a third party's
// API (a transcription or translation provider): one connection at a time,
// one request per connection, answered by the test's handler. Thread-safe:
// the handler runs on the server's own thread; requests() may be read anywhere.
#include <atomic>
#include <functional>
#include <memory>
#include <string>

namespace orator::test_support {

struct LocalRequest {
  std::string method, target, body, authorization, content_type;
};
struct LocalResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
};

class LocalHttpServer {
 public:
  explicit LocalHttpServer(std::function<LocalResponse(const LocalRequest&)> handler);
  ~LocalHttpServer();  // stops accepting and joins its thread
  LocalHttpServer(const LocalHttpServer&) = delete;
  LocalHttpServer& operator=(const LocalHttpServer&) = delete;

  [[nodiscard]] std::string base_url() const;  // http://127.0.0.1:<port>
  [[nodiscard]] int requests() const { return requests_; }

 private:
  struct State;
  std::unique_ptr<State> state_;
  std::atomic<int> requests_{0};
};

}  // namespace orator::test_support
