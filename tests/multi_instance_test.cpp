// Two orator-server instances on one PostgreSQL behind a real HAProxy (the
// test starts all three): streams on both, REST reads through either see
// the other's sessions, the rate limit, the sign-in throttle and the stream
// cap are shared through the database, and one instance killed and
// restarted leaves the other's streams unharmed.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "support/postgres_server.hpp"
#include "support/server_process.hpp"
#include "support/signals.hpp"
#include "support/stream_checks.hpp"
#include "support/wav.hpp"
#include "support/ws_client.hpp"

extern char** environ;

namespace {
namespace json = boost::json;
using namespace orator::test_support;
using Headers = std::vector<std::pair<std::string, std::string>>;

const std::string kMetricsToken = "a-metrics-token-long-enough";

bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci && std::string(ci) == "true";
}

std::string haproxy_binary() {
  for (const char* p : {"/usr/sbin/haproxy", "/usr/bin/haproxy", "/usr/local/sbin/haproxy"})
    if (::access(p, X_OK) == 0) return p;
  return {};
}

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t n = sizeof a;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &n);
  const int port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

// HAProxy in the foreground, round robin over the instances, checking their /health.
class Balancer {
 public:
  Balancer(const std::string& binary, const std::string& dir, std::vector<int> backends) : port_(free_port()) {
    const std::string config = dir + "/haproxy.cfg";
    std::ofstream f(config);
    f << "global\n  maxconn 512\n"
         "defaults\n  mode http\n  timeout connect 2s\n  timeout client 60s\n  timeout server 60s\n  timeout tunnel 1h\n"
         "  option redispatch\n  retries 2\n"
         "frontend api\n  bind 127.0.0.1:" << port_ << "\n  default_backend orator\n"
         "backend orator\n  balance roundrobin\n  option httpchk GET /health\n  default-server check inter 300 fall 2 rise 2\n";
    for (std::size_t i = 0; i < backends.size(); ++i) f << "  server o" << i << " 127.0.0.1:" << backends[i] << "\n";
    f.close();
    const char* argv[] = {binary.c_str(), "-db", "-q", "-f", config.c_str(), nullptr};
    if (::posix_spawn(&pid_, binary.c_str(), nullptr, nullptr, const_cast<char**>(argv), environ) != 0) pid_ = -1;
    // Up once it answers through to an instance.
    for (int i = 0; i < 100; ++i) {
      try {
        if (http_get(port_, "/health").first == 200) return;
      } catch (const std::exception&) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  ~Balancer() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  int port() const { return port_; }
  bool running() const { return pid_ > 0 && ::waitpid(pid_, nullptr, WNOHANG) == 0; }

 private:
  int port_;
  pid_t pid_ = -1;
};

HttpResult call(int port, const std::string& method, const std::string& target, const std::string& body = "",
                const std::string& token = "") {
  Headers h;
  if (!token.empty()) h.emplace_back("Authorization", "Bearer " + token);
  return http_request(port, method, target, body, h);
}

double streams_started(int port) {
  const auto r = http_request(port, "GET", "/metrics", "", {{"Authorization", "Bearer " + kMetricsToken}});
  std::smatch m;
  static const std::regex line(R"(\norator_streams_started_total ([0-9.]+))");
  return std::regex_search(r.body, m, line) ? std::stod(m[1]) : -1;
}

// A live stream with a session of its own; returns the session id.
std::string open_stream(int port, const std::string& token, std::unique_ptr<WsClient>& ws) {
  ws = std::make_unique<WsClient>(port, "/v1/stream?access_token=" + token);
  ws->send_text(R"({"type":"start","codec":"f32","sample_rate":16000,"interval_ms":500})");
  const auto ready = ws->read(5);
  if (!ready || ready->type() != "ready") return {};
  return std::string(ready->json().at("session_id").as_string());
}

std::string status_of(int port, const std::string& token, const std::string& id) {
  const auto r = call(port, "GET", "/v1/sessions/" + id, "", token);
  return r.status == 200 ? std::string(r.json().at("status").as_string()) : "HTTP " + std::to_string(r.status);
}

class MultiInstance : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    auto* pg = PostgresServer::instance(&why);
    haproxy_ = haproxy_binary();
    if (!pg || haproxy_.empty()) {
      const std::string missing = !pg ? why : "haproxy is not installed (scripts/setup.sh --test installs it)";
      if (in_ci()) FAIL() << missing;
      GTEST_SKIP() << missing;
    }
    database_ = pg->create_database();
    setenv("ORATOR_JWT_SECRET", "a shared secret of at least thirty-two bytes", 1);
  }
  void TearDown() override { unsetenv("ORATOR_JWT_SECRET"); }

  std::vector<std::string> flags(const std::string& data_dir = {}) const {
    std::vector<std::string> f = {"--database", database_, "--instance-lease-seconds", "2", "--asr-threads", "0",
                                  "--rate-limit", "40", "--max-streams-per-user", "2", "--metrics-token", kMetricsToken};
    if (!data_dir.empty()) f.insert(f.end(), {"--data-dir", data_dir});
    return f;
  }

  std::string haproxy_, database_;
};

TEST_F(MultiInstance, TwoInstancesBehindHaproxyShareEverything) {
  auto a = std::make_unique<ServerProcess>(flags());
  ServerProcess b(flags());
  const std::string data_a = a->dir() + "/data";
  const int a_port = a->port();
  Balancer lb(haproxy_, b.dir(), {a_port, b.port()});
  ASSERT_TRUE(lb.running());
  const int via = lb.port();

  // One account, made through the balancer, works on both.
  auto r = call(via, "POST", "/v1/auth/register", R"({"email":"ada@example.com","password":"a long enough password"})");
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string token(r.json().at("access_token").as_string());
  for (int i = 0; i < 4; ++i) ASSERT_EQ(call(via, "POST", "/v1/sessions", R"({"type":"interview"})", token).status, 201);
  const auto total_on = [&](int port) { return call(port, "GET", "/v1/sessions", "", token).json().at_pointer("/pagination/total").as_int64(); };
  EXPECT_EQ(total_on(a_port), 4) << "A reads the sessions made through either";
  EXPECT_EQ(total_on(b.port()), 4) << "B too";

  // Streams through the balancer land on both instances.
  const double a_before = streams_started(a_port), b_before = streams_started(b.port());
  for (int i = 0; i < 2; ++i) {
    std::unique_ptr<WsClient> ws;
    ASSERT_FALSE(open_stream(via, token, ws).empty());
    send_f32_frames(*ws, intoned_syllables(16000, 1.0, 150, 30, 0.1), 16000, 1, 20);
    const auto rest = stop_and_collect(*ws);
    ASSERT_FALSE(rest.empty());
    EXPECT_EQ(rest.back().type(), "assessment");
  }
  const double on_a = streams_started(a_port) - a_before, on_b = streams_started(b.port()) - b_before;
  std::printf("[ multi ] 2 streams through HAProxy: %.0f on A, %.0f on B\n", on_a, on_b);
  EXPECT_EQ(on_a, 1);
  EXPECT_EQ(on_b, 1);

  // The stream cap (2 per user) counts both instances: a third stream on either is refused.
  std::unique_ptr<WsClient> on_a_ws, on_b_ws, third;
  const std::string a_id = open_stream(a_port, token, on_a_ws);
  const std::string b_id = open_stream(b.port(), token, on_b_ws);
  ASSERT_FALSE(a_id.empty());
  ASSERT_FALSE(b_id.empty());
  for (const int port : {a_port, b.port()}) {
    r = http_request(port, "GET", "/v1/stream?access_token=" + token, "",
                     {{"Connection", "Upgrade"}, {"Upgrade", "websocket"}, {"Sec-WebSocket-Version", "13"},
                      {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}});
    EXPECT_EQ(r.status, 429) << r.body;
    EXPECT_NE(r.body.find("TOO_MANY_STREAMS"), std::string::npos) << r.body;
  }

  // A is killed mid-stream; B's stream goes on, and the balancer serves from B.
  send_f32_frames(*on_b_ws, intoned_syllables(16000, 1.0, 150, 30, 0.1), 16000, 1, 20);
  EXPECT_EQ(a->stop(SIGKILL), -SIGKILL);
  std::this_thread::sleep_for(std::chrono::milliseconds(800));  // two failed checks
  int served = 0;
  for (int i = 0; i < 6; ++i) served += call(via, "GET", "/v1/sessions", "", token).status == 200;
  EXPECT_EQ(served, 6) << "every request through the balancer is answered while A is down";
  send_f32_frames(*on_b_ws, intoned_syllables(16000, 1.0, 150, 30, 0.1), 16000, 1, 20);
  const auto rest = stop_and_collect(*on_b_ws);
  ASSERT_FALSE(rest.empty());
  EXPECT_EQ(rest.back().type(), "assessment") << "B's stream is finished normally";
  EXPECT_NEAR(number(rest.back().json().at("duration")), 2.0, 0.05);
  for (int i = 0; i < 50 && status_of(b.port(), token, b_id) == "live"; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(status_of(b.port(), token, b_id), "completed");

  // A comes back (same data directory, same instance) and takes back what it left live.
  a = std::make_unique<ServerProcess>(flags(data_a));
  EXPECT_EQ(status_of(a->port(), token, a_id), "interrupted");
  on_a_ws.reset();

  // The rate limit (40 a minute) is one budget over both instances, for a fresh user.
  r = call(b.port(), "POST", "/v1/auth/register", R"({"email":"bob@example.com","password":"a long enough password"})");
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string bob(r.json().at("access_token").as_string());
  int allowed = 0, refused_a = 0, refused_b = 0;
  for (int i = 0; i < 80; ++i) {
    const int port = i % 2 ? b.port() : a->port();
    const int status = call(port, "GET", "/v1/users/me", "", bob).status;
    allowed += status == 200;
    if (status == 429) ++(i % 2 ? refused_b : refused_a);
  }
  std::printf("[ multi ] 80 requests alternating A and B at 40 a minute: %d allowed, %d + %d refused\n", allowed, refused_a,
              refused_b);
  EXPECT_GE(allowed, 40);
  EXPECT_LE(allowed, 42) << "per-instance buckets would allow 80";
  EXPECT_GT(refused_a, 0);
  EXPECT_GT(refused_b, 0);

  // Failed sign-ins count over both: the sixth wrong password in a row waits, on either.
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(call(i % 2 ? b.port() : a->port(), "POST", "/v1/auth/login", R"({"email":"ada@example.com","password":"wrong password!"})").status,
              401);
  r = call(b.port(), "POST", "/v1/auth/login", R"({"email":"ada@example.com","password":"wrong password!"})");
  EXPECT_EQ(r.status, 429) << r.body;
  EXPECT_NE(r.body.find("failed sign-ins"), std::string::npos) << r.body;
}

// An upload answered 202 by an instance that then dies for good, disk and
// all: its bytes were kept in the database, and the other instance adopts
// it once the dead one's lease lapses and finishes it.
TEST_F(MultiInstance, UploadsOfAnInstanceThatDiedAreFinishedByAnother) {
  auto unlimited = flags();
  unlimited.insert(unlimited.end(), {"--rate-limit", "100000"});  // the test polls
  auto a = std::make_unique<ServerProcess>(unlimited);
  ServerProcess b(unlimited);
  auto r = call(a->port(), "POST", "/v1/auth/register", R"({"email":"ada@example.com","password":"a long enough password"})");
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string token(r.json().at("access_token").as_string());
  // A long recording keeps A busy; the short one waits in A's queue behind it.
  const auto wav_of = [&](double seconds) {
    std::vector<float> audio(static_cast<std::size_t>(16000 * seconds));
    for (std::size_t i = 0; i < audio.size(); ++i) audio[i] = 0.1f * static_cast<float>(std::sin(0.05 * static_cast<double>(i)));
    return wav_bytes(Wav{16000, 1, audio});
  };
  std::vector<std::string> ids;
  for (const double seconds : {1500.0, 60.0}) {
    ids.emplace_back(call(a->port(), "POST", "/v1/sessions", "{}", token).json().at("id").as_string());
    r = http_request(a->port(), "POST", "/v1/sessions/" + ids.back() + "/upload", wav_of(seconds),
                     {{"Authorization", "Bearer " + token}}, "audio/wav");
    ASSERT_EQ(r.status, 202) << r.body;
  }
  EXPECT_EQ(status_of(b.port(), token, ids.back()), "processing");
  EXPECT_EQ(a->stop(SIGKILL), -SIGKILL);
  std::filesystem::remove_all(a->dir() + "/data");  // nothing of A's disk survives
  for (const auto& id : ids) {
    std::string status;
    for (int i = 0; i < 600 && (status = status_of(b.port(), token, id)) == "processing"; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_EQ(status, "completed") << id << "\n" << b.log();
  }
  EXPECT_NE(b.log().find("adopted from instance"), std::string::npos) << b.log();
  const auto report = call(b.port(), "GET", "/v1/sessions/" + ids.back() + "/report", "", token);
  ASSERT_EQ(report.status, 200) << report.body;
  EXPECT_NEAR(number(report.json().at("duration")), 60.0, 0.1) << "the whole recording, from the database";
}

// The stream cap over two instances when streams open on both at once:
// each claim is taken in the database under the user's lock, so no two
// instances both give away the last place.
TEST_F(MultiInstance, TheStreamCapHoldsWhenBothInstancesOpenStreamsAtOnce) {
  auto unlimited = flags();  // --max-streams-per-user 2
  unlimited.insert(unlimited.end(), {"--rate-limit", "100000"});
  ServerProcess a(unlimited);
  ServerProcess b(unlimited);
  auto r = call(a.port(), "POST", "/v1/auth/register", R"({"email":"ada@example.com","password":"a long enough password"})");
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string token(r.json().at("access_token").as_string());
  int most = 0;
  for (int round = 0; round < 5; ++round) {
    std::vector<std::unique_ptr<WsClient>> opened(8);
    std::vector<std::thread> openers;
    std::atomic<int> ready{0};
    for (std::size_t i = 0; i < opened.size(); ++i)
      openers.emplace_back([&, i] {
        ++ready;
        while (ready.load() < static_cast<int>(opened.size())) std::this_thread::yield();
        try {
          opened[i] = std::make_unique<WsClient>(i % 2 ? b.port() : a.port(), "/v1/stream?access_token=" + token);
        } catch (const std::exception&) {  // refused: 429 TOO_MANY_STREAMS
        }
      });
    for (auto& t : openers) t.join();
    int open = 0;
    for (const auto& ws : opened) open += ws != nullptr;
    most = std::max(most, open);
    EXPECT_EQ(open, 2) << "round " << round << ": the cap is 2 over both instances";
    opened.clear();
    // The places come back once the streams end (released by a worker).
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  std::printf("[ multi ] 8 streams opened at once on two instances, 5 rounds: at most %d open (cap 2)\n", most);
}

}  // namespace
