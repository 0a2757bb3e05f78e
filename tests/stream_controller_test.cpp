// The stream controller without a socket: a transport of the test's own
// carries its messages, timer and posted tasks; persistence is the real
// session service over a real SQLite database.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <deque>
#include <filesystem>
#include <mutex>
#include <unistd.h>

#include "server/server_context.hpp"
#include "server/sessions/session_events.hpp"
#include "server/sessions/session_service.hpp"
#include "server/sessions/stream_controller.hpp"
#include "storage/store.hpp"
#include "storage/worker_pool.hpp"

namespace {
using namespace orator::server;
using sessions::CloseCode;
namespace json = boost::json;

class TestTransport final : public sessions::StreamTransport {
 public:
  struct Sent {
    std::string text;
    bool final_message;
  };
  std::vector<Sent> sent;
  std::optional<CloseCode> closed;
  bool peer_gone = false;
  std::optional<double> timer_seconds;
  std::function<void()> timer_task;

  void send(std::string message, bool final_message) override {
    ASSERT_FALSE(closed) << "sent after close: " << message;
    sent.push_back({std::move(message), final_message});
  }
  void close(CloseCode code, std::string_view) override {
    ASSERT_FALSE(closed) << "closed twice";
    closed = code;
  }
  bool connected() const override { return !peer_gone && !closed; }
  Post poster() override {
    return [posted = posted_](std::function<void()> task) {
      std::lock_guard lock(posted->mutex);
      posted->tasks.push_back(std::move(task));
    };
  }
  void arm_timer(double seconds, std::function<void()> task) override {
    timer_seconds = seconds;
    timer_task = std::move(task);
  }
  void cancel_timer() override {
    timer_seconds.reset();
    timer_task = nullptr;
  }

  void fire_timer() {
    auto task = std::move(timer_task);
    cancel_timer();
    ASSERT_TRUE(task) << "no timer armed";
    task();
  }
  // Runs what other threads posted, until `done` or a deadline.
  void run_posted_until(const std::function<bool()>& done, double seconds = 10) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      std::deque<std::function<void()>> tasks;
      {
        std::lock_guard lock(posted_->mutex);
        tasks.swap(posted_->tasks);
      }
      for (auto& t : tasks) t();
      if (tasks.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  std::vector<json::object> of_type(std::string_view type) const {
    std::vector<json::object> out;
    for (const auto& m : sent) {
      auto v = json::parse(m.text);
      if (v.as_object().at("type").as_string() == type) out.push_back(v.as_object());
    }
    return out;
  }

 private:
  struct Posted {
    std::mutex mutex;
    std::deque<std::function<void()>> tasks;
  };
  std::shared_ptr<Posted> posted_ = std::make_shared<Posted>();
};

// 0.25 s syllables of a 150 Hz voiced tone with harmonics, 0.1 s gaps: speech-like enough to analyse.
std::vector<float> voiced_syllables(double seconds, int rate) {
  std::vector<float> out(static_cast<std::size_t>(seconds * rate));
  for (std::size_t i = 0; i < out.size(); ++i) {
    const double t = static_cast<double>(i) / rate;
    const double phase = std::fmod(t, 0.35);
    if (phase > 0.25) continue;
    const double envelope = std::sin(M_PI * phase / 0.25);
    double v = 0;
    for (int h = 1; h <= 8; ++h) v += std::sin(2 * M_PI * 150 * h * t) / h;
    out[i] = static_cast<float>(0.2 * envelope * v);
  }
  return out;
}

void send_audio(sessions::StreamController& c, const std::vector<float>& samples, std::size_t block = 1600) {
  for (std::size_t i = 0; i < samples.size() && !c.finished(); i += block) {
    const std::size_t n = std::min(block, samples.size() - i);
    std::vector<std::uint8_t> bytes(n * sizeof(float));
    std::memcpy(bytes.data(), samples.data() + i, bytes.size());
    c.on_audio(bytes);
  }
}

class StreamControllerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ctx_.analysis = orator::dsp::AnalysisContext::create();
    ctx_.config.idle_timeout_seconds = 30;
  }
  // Persistence: the real service over SQLite, its workers and events.
  void with_storage() {
    dir_ = std::filesystem::temp_directory_path() / ("orator-controller-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    store_ = orator::storage::Store::open("sqlite:" + (dir_ / "db").string(), 2);
    store_->create_user({"u1", "u1@example.com", "U", "hash", "UTC", 1, 1, 0});
    events_.subscribe([this](const sessions::SessionEvent& e) {
      std::lock_guard lock(events_mutex_);
      seen_.push_back(std::string(sessions::event_name(e.kind)) + ":" + e.session_id);
    });
    service_ = std::make_unique<sessions::SessionService>(*store_, events_, ctx_.config);
    workers_ = std::make_unique<orator::storage::WorkerPool>(2, 64);
    processing_ = std::make_unique<orator::storage::WorkerPool>(1, 4);
    service_->attach(*workers_, *processing_, ctx_.analysis, nullptr);
    ctx_.sessions = service_.get();
  }
  void TearDown() override {
    workers_.reset();
    processing_.reset();
    service_.reset();
    store_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  // A session created through the service and authorised for a stream, as
  // the upgrade path does.
  orator::storage::SessionRecord stored_live_session(orator::storage::Mode mode) {
    const auto s = service_->create({"u1", "Talk", "", mode, "{}", false});
    if (!service_->begin_stream(s.id)) ADD_FAILURE() << "a new session could not go live";
    return s;
  }
  static StreamIdentity identity_of(const orator::storage::SessionRecord& s) {
    StreamIdentity identity;
    identity.user_id = s.user_id;
    identity.session_id = s.id;
    identity.session_mode = s.mode;
    return identity;
  }
  std::vector<std::string> events() {
    std::lock_guard lock(events_mutex_);
    return seen_;
  }
  // Waits for the worker pool to store what the stream handed it, and to
  // announce it (the event follows the write).
  std::optional<orator::storage::SessionRecord> ended_session(const std::string& id) {
    const auto announced = [&] {
      const auto seen = events();
      return std::any_of(seen.begin(), seen.end(), [&](const std::string& e) {
        return e == "finished:" + id || e == "interrupted:" + id || e == "failed:" + id;
      });
    };
    for (int i = 0; i < 400; ++i) {
      auto s = store_->find_session("u1", id);
      if (s && orator::storage::has_ended(s->status) && announced()) return s;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return store_->find_session("u1", id);
  }

  ServerContext ctx_;
  TestTransport transport_;
  std::filesystem::path dir_;
  std::unique_ptr<orator::storage::Store> store_;
  sessions::SessionEvents events_;
  std::mutex events_mutex_;
  std::vector<std::string> seen_;
  std::unique_ptr<sessions::SessionService> service_;
  std::unique_ptr<orator::storage::WorkerPool> workers_, processing_;
};

TEST_F(StreamControllerTest, StartAudioStopGivesMetricsThenTheAssessmentThenANormalClose) {
  sessions::StreamController c(ctx_, {}, transport_);
  c.configure({});
  c.on_open();
  ASSERT_EQ(transport_.of_type("ready").size(), 1u);
  c.on_text(R"({"type":"start","codec":"f32","sample_rate":16000,"interval_ms":500})");
  EXPECT_EQ(transport_.of_type("ready").size(), 2u) << "a start is acknowledged with ready";
  send_audio(c, voiced_syllables(6, 16000));
  EXPECT_FALSE(c.finished());
  EXPECT_GE(transport_.of_type("metrics").size(), 10u);
  EXPECT_FALSE(transport_.closed);
  c.on_text(R"({"type":"stop"})");
  EXPECT_TRUE(c.finished());
  ASSERT_EQ(transport_.of_type("assessment").size(), 1u);
  EXPECT_TRUE(transport_.sent.back().final_message);
  const auto a = transport_.of_type("assessment").front();
  EXPECT_EQ(a.at("status").as_string(), "completed");
  EXPECT_NEAR(a.at("duration").to_number<double>(), 6.0, 0.05);
  EXPECT_EQ(transport_.closed, CloseCode::normal);
  // After the end nothing more is taken or sent.
  const auto count = transport_.sent.size();
  c.on_text(R"({"type":"stop"})");
  send_audio(c, voiced_syllables(1, 16000));
  EXPECT_EQ(transport_.sent.size(), count);
}

TEST_F(StreamControllerTest, TheIdleTimerEndsTheStreamWithAnErrorAndPolicyClose) {
  sessions::StreamController c(ctx_, {}, transport_);
  c.configure({});
  c.on_open();
  ASSERT_TRUE(transport_.timer_seconds);
  EXPECT_DOUBLE_EQ(*transport_.timer_seconds, 30);
  send_audio(c, voiced_syllables(1, 16000));
  transport_.fire_timer();
  ASSERT_EQ(transport_.of_type("error").size(), 1u);
  EXPECT_EQ(transport_.of_type("error")[0].at("code").as_string(), "IDLE_TIMEOUT");
  ASSERT_EQ(transport_.of_type("assessment").size(), 1u);
  EXPECT_EQ(transport_.of_type("assessment")[0].at("status").as_string(), "interrupted");
  EXPECT_EQ(transport_.closed, CloseCode::policy);
}

TEST_F(StreamControllerTest, TooManyRejectedMessagesEndTheStream) {
  ctx_.config.max_errors_per_stream = 3;
  sessions::StreamController c(ctx_, {}, transport_);
  c.configure({});
  c.on_open();
  for (int i = 0; i < 3; ++i) c.on_text("{not json");
  EXPECT_TRUE(c.finished());
  EXPECT_EQ(transport_.of_type("error").back().at("code").as_string(), "TOO_MANY_ERRORS");
  EXPECT_EQ(transport_.closed, CloseCode::policy);
}

TEST_F(StreamControllerTest, AnInterviewSessionIsAnalysedAsAnInterviewAndRefusesAnotherMode) {
  with_storage();
  const auto s = stored_live_session(orator::storage::Mode::interview);
  sessions::StreamController c(ctx_, identity_of(s), transport_);
  c.configure({"", {{"mode", "presentation"}}});
  c.on_open();
  ASSERT_EQ(transport_.of_type("error").size(), 1u);
  EXPECT_EQ(transport_.of_type("error")[0].at("code").as_string(), "SESSION_MISMATCH");
  c.on_text(R"({"type":"start","sample_rate":16000})");
  ASSERT_EQ(transport_.of_type("ready").size(), 1u);
  EXPECT_EQ(transport_.of_type("ready")[0].at("mode").as_string(), "interview");
  send_audio(c, voiced_syllables(4, 16000));
  c.on_text(R"({"type":"stop"})");
  EXPECT_EQ(transport_.of_type("assessment").at(0).at("mode").as_string(), "interview");
  const auto stored = ended_session(s.id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->status, orator::storage::SessionStatus::completed);
  EXPECT_EQ(stored->mode, orator::storage::Mode::interview);
  ASSERT_TRUE(stored->report);
  EXPECT_NE(stored->report->find("\"interview\""), std::string::npos);
  EXPECT_EQ(events(), (std::vector<std::string>{"started:" + s.id, "finished:" + s.id}));
}

TEST_F(StreamControllerTest, APeerThatVanishesIsFinalisedStoredAndNotWrittenTo) {
  with_storage();
  const auto s = stored_live_session(orator::storage::Mode::presentation);
  sessions::StreamController c(ctx_, identity_of(s), transport_);
  c.configure({});
  c.on_open();
  send_audio(c, voiced_syllables(3, 16000));
  const auto before = transport_.sent.size();
  transport_.peer_gone = true;
  c.on_disconnect("connection reset");
  EXPECT_TRUE(c.finished());
  EXPECT_EQ(transport_.sent.size(), before) << "nothing is written to a peer that is gone";
  EXPECT_FALSE(transport_.closed);
  const auto stored = ended_session(s.id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->status, orator::storage::SessionStatus::interrupted);
  EXPECT_NEAR(stored->duration.value_or(0), 3.0, 0.05) << "what was analysed is kept";
  EXPECT_EQ(events().back(), "interrupted:" + s.id);
}

// The session is made live before the upgrade; when the upgrade itself
// fails (the peer reset meanwhile), the socket layer reports a disconnect
// before any open, and the session ends like any stream cut off.
TEST_F(StreamControllerTest, AnUpgradeThatFailsEndsItsLiveSession) {
  with_storage();
  const auto s = stored_live_session(orator::storage::Mode::presentation);
  sessions::StreamController c(ctx_, identity_of(s), transport_);
  c.configure({});
  transport_.peer_gone = true;
  c.on_disconnect("the connection was lost during the upgrade");
  EXPECT_TRUE(c.finished());
  EXPECT_TRUE(transport_.sent.empty());
  const auto stored = ended_session(s.id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->status, orator::storage::SessionStatus::interrupted) << "not left live";
}

TEST_F(StreamControllerTest, ShutdownFinalisesWithGoingAway) {
  sessions::StreamController c(ctx_, {}, transport_);
  c.configure({});
  c.on_open();
  send_audio(c, voiced_syllables(2, 16000));
  c.on_shutdown();
  EXPECT_TRUE(c.finished());
  EXPECT_EQ(transport_.of_type("assessment").size(), 1u);
  EXPECT_EQ(transport_.closed, CloseCode::going_away);
}

}  // namespace
