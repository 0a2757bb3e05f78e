#pragma once
// The REST API tests' fixture: a real server per test, on SQLite or on a
// throwaway PostgreSQL database (the test parameter), with helpers to call it.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "support/postgres_server.hpp"
#include "support/server_process.hpp"
#include "support/ws_client.hpp"

namespace orator::test_support {

using Headers = std::vector<std::pair<std::string, std::string>>;

class ApiTest : public ::testing::TestWithParam<std::string> {
 protected:
  // Every fixture server has one: /metrics, and the details /health keeps from the public.
  static constexpr const char* kMetricsToken = "the-api-fixture-metrics-token";
  void SetUp() override {
    if (GetParam() == "postgresql") {
      std::string why;
      auto* pg = PostgresServer::instance(&why);
      if (!pg) GTEST_SKIP() << why;
      database_ = pg->create_database();
    }
    start();
  }
  void start(std::vector<std::string> extra = {}) {
    extra.insert(extra.begin(), {"--metrics-token", kMetricsToken});
    if (!database_.empty()) extra.insert(extra.end(), {"--database", database_});
    server_ = std::make_unique<ServerProcess>(extra);
  }
  int port() const { return server_->port(); }

  HttpResult call(const std::string& method, const std::string& target, const std::string& body = "", const std::string& token = "") {
    Headers h;
    if (!token.empty()) h.emplace_back("Authorization", "Bearer " + token);
    return http_request(port(), method, target, body, h);
  }
  // Registers and returns {access_token, refresh_token, user}.
  boost::json::object signup(const std::string& email, const std::string& password = "a long enough password") {
    const auto r = call("POST", "/v1/auth/register", boost::json::serialize(boost::json::object{{"email", email}, {"password", password}}));
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json().as_object();
  }
  static std::string token_of(const boost::json::object& tokens) { return std::string(tokens.at("access_token").as_string()); }
  static std::string error_code(const HttpResult& r) { return std::string(r.json().at_pointer("/error/code").as_string()); }

  std::string database_;
  std::unique_ptr<ServerProcess> server_;
};

}  // namespace orator::test_support
