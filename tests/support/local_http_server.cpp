#include "support/local_http_server.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <thread>

namespace orator::test_support {
namespace http = boost::beast::http;

struct LocalHttpServer::State {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor acceptor{ioc, {boost::asio::ip::make_address("127.0.0.1"), 0}};
  std::function<LocalResponse(const LocalRequest&)> handler;
  std::atomic<bool> stopping{false};
  std::thread thread;
};

LocalHttpServer::LocalHttpServer(std::function<LocalResponse(const LocalRequest&)> handler) : state_(std::make_unique<State>()) {
  state_->handler = std::move(handler);
  state_->thread = std::thread([this] {
    auto& s = *state_;
    while (!s.stopping) {
      boost::asio::ip::tcp::socket socket(s.ioc);
      boost::system::error_code ec;
      s.acceptor.accept(socket, ec);
      if (ec || s.stopping) continue;
      boost::beast::flat_buffer buffer;
      http::request_parser<http::string_body> parser;
      parser.body_limit(64u << 20);
      http::read(socket, buffer, parser, ec);
      if (ec) continue;
      const auto& req = parser.get();
      ++requests_;
      const auto answer = s.handler({std::string(req.method_string()), std::string(req.target()), req.body(),
                                     std::string(req[http::field::authorization]), std::string(req[http::field::content_type])});
      http::response<http::string_body> res{static_cast<http::status>(answer.status), 11};
      res.set(http::field::content_type, answer.content_type);
      res.body() = answer.body;
      res.prepare_payload();
      http::write(socket, res, ec);
    }
  });
}

LocalHttpServer::~LocalHttpServer() {
  state_->stopping = true;
  boost::system::error_code ec;
  boost::asio::ip::tcp::socket poke(state_->ioc);
  poke.connect(state_->acceptor.local_endpoint(), ec);  // wakes accept()
  state_->thread.join();
}

std::string LocalHttpServer::base_url() const {
  return "http://127.0.0.1:" + std::to_string(state_->acceptor.local_endpoint().port());
}

}  // namespace orator::test_support
