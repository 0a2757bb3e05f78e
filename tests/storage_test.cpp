// One storage suite, run against both backends: SQLite (a temp file) and a
// throwaway PostgreSQL cluster.
#include <gtest/gtest.h>

#include <algorithm>

#include <atomic>
#include <mutex>
#include <chrono>
#include <filesystem>
#include <map>
#include <thread>

#include "storage/limit_store.hpp"
#include "storage/migrations.hpp"
#include "storage/postgres_connection.hpp"
#include "storage/pronunciation_store.hpp"
#include "storage/sqlite_connection.hpp"
#include "storage/session_statistics.hpp"
#include "storage/store.hpp"
#include "storage/worker_pool.hpp"
#include "support/postgres_server.hpp"

namespace {
using namespace orator::storage;
using orator::test_support::PostgresServer;

class StorageTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "sqlite") {
      dir_ = std::filesystem::temp_directory_path() / (std::string("orator-sqlite-") + std::to_string(::getpid()) + "-" +
                                                      std::to_string(counter_++));
      std::filesystem::create_directories(dir_);
      url_ = "sqlite:" + (dir_ / "orator.db").string();
    } else {
      std::string why;
      auto* pg = PostgresServer::instance(&why);
      if (!pg) GTEST_SKIP() << why;
      url_ = pg->create_database();
    }
    store_ = Store::open(url_);
  }
  void TearDown() override {
    store_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  User user(const std::string& id, const std::string& email) {
    return store_->create_user({id, email, "Name " + id, "hash-" + id, "Europe/Paris", 1000, 1000, 0});
  }
  SessionRecord session(const std::string& id, const std::string& user_id, std::int64_t created, Mode mode = Mode::presentation) {
    SessionRecord s;
    s.id = id; s.user_id = user_id; s.title = "Talk " + id; s.mode = mode; s.status = SessionStatus::created; s.created_at = created;
    return store_->create_session(s);
  }

  static inline int counter_ = 0;
  std::filesystem::path dir_;
  std::string url_;
  std::unique_ptr<Store> store_;
};

TEST_P(StorageTest, MigrationsApplyOnceAndRecordTheirVersion) {
  EXPECT_EQ(store_->backend(), GetParam());
  // Store::open migrated; a second run over the same database applies nothing.
  ConnectionPool pool(
      [&]() -> std::unique_ptr<SqlConnection> {
        if (GetParam() == "sqlite") return orator::storage::open_sqlite(url_.substr(7));
        return orator::storage::open_postgres(url_);
      },
      1);
  auto c = pool.acquire();
  EXPECT_EQ(migrate(*c), 0);
  EXPECT_EQ(schema_version(*c), migrations().back().version);
}

TEST_P(StorageTest, UsersAreUniqueByEmailAndRoundTrip) {
  const auto u = user("u1", "ada@example.com");
  EXPECT_EQ(u.email, "ada@example.com");
  EXPECT_EQ(store_->find_user("u1")->timezone, "Europe/Paris");
  EXPECT_EQ(store_->find_user_by_email("ada@example.com")->id, "u1");
  EXPECT_FALSE(store_->find_user("nobody"));
  try {
    user("u2", "ada@example.com");
    FAIL() << "duplicate email accepted";
  } catch (const StorageError& e) {
    EXPECT_TRUE(e.conflict()) << e.what();
  }
  auto changed = u;
  changed.display_name = "Ada L.";
  changed.updated_at = 2000;
  store_->update_user(changed);
  EXPECT_EQ(store_->find_user("u1")->display_name, "Ada L.");
}

TEST_P(StorageTest, SqlMetacharactersAreData) {
  const std::string evil = "Robert'); DROP TABLE users;-- \" \\ % _ $1 ? ;";
  user("u1", evil);
  EXPECT_EQ(store_->find_user_by_email(evil)->email, evil);
  SessionRecord s;
  s.id = "s1"; s.user_id = "u1"; s.title = evil; s.description = evil; s.mode = Mode::presentation; s.status = SessionStatus::created;
  s.settings = R"({"k":"' OR 1=1 --"})";
  s.created_at = 5;
  store_->create_session(s);
  const auto back = store_->find_session("u1", "s1");
  ASSERT_TRUE(back);
  EXPECT_EQ(back->title, evil);
  EXPECT_EQ(back->settings, s.settings);
  EXPECT_FALSE(store_->find_session("u1' OR '1'='1", "s1"));
}

TEST_P(StorageTest, SessionsAreScopedToTheirOwner) {
  user("alice", "alice@example.com");
  user("bob", "bob@example.com");
  session("a1", "alice", 100);
  EXPECT_TRUE(store_->find_session("alice", "a1"));
  EXPECT_FALSE(store_->find_session("bob", "a1"));
  EXPECT_FALSE(store_->delete_session("bob", "a1"));
  EXPECT_EQ(store_->list_sessions("bob", {}, 1, 20).total, 0);
  EXPECT_TRUE(store_->delete_session("alice", "a1"));
  EXPECT_FALSE(store_->find_session("alice", "a1"));
}

TEST_P(StorageTest, ListingFiltersAndPaginates) {
  user("u", "u@example.com");
  for (int i = 0; i < 25; ++i) session(std::string("s") + std::to_string(i), "u", 1000 + i, i % 2 ? Mode::interview : Mode::presentation);
  auto page = store_->list_sessions("u", {}, 1, 10);
  EXPECT_EQ(page.total, 25);
  ASSERT_EQ(page.sessions.size(), 10u);
  EXPECT_EQ(page.sessions.front().id, "s24");  // newest first
  page = store_->list_sessions("u", {}, 3, 10);
  ASSERT_EQ(page.sessions.size(), 5u);
  EXPECT_EQ(page.sessions.back().id, "s0");
  SessionFilter f;
  f.mode = Mode::interview;
  f.from = 1010;
  f.to = 1019;
  page = store_->list_sessions("u", f, 1, 100);
  EXPECT_EQ(page.total, 5);  // 1011, 1013, 1015, 1017, 1019
  f = {};
  f.status = SessionStatus::completed;
  EXPECT_EQ(store_->list_sessions("u", f, 1, 100).total, 0);
  EXPECT_EQ(store_->list_sessions("u", {}, 1, 1000).sessions.size(), 25u);  // limit is capped at 100, not refused
}

TEST_P(StorageTest, LiveSessionsCheckpointFinishAndRecover) {
  user("u", "u@example.com");
  session("done", "u", 1);
  session("crashed", "u", 2);
  ASSERT_TRUE(store_->mark_session_live("done", 10));
  ASSERT_TRUE(store_->mark_session_live("crashed", 11));
  store_->save_checkpoint("done", R"({"duration":3})", 20);
  store_->finish_session("done", {SessionStatus::completed, 9.5, 6.0, 87, 90, 80, 70, 60, R"({"status":"completed"})", 30, {}});
  store_->save_checkpoint("crashed", R"({"status":"interrupted","duration":4})", 25);
  // A new process starts: whatever is still live was cut off.
  const auto recovered = store_->recover_interrupted_sessions(99);
  ASSERT_EQ(recovered.size(), 1u);
  EXPECT_EQ(recovered[0].id, "crashed");
  EXPECT_EQ(recovered[0].user_id, "u");
  const auto done = store_->find_session("u", "done");
  EXPECT_EQ(done->status, SessionStatus::completed);
  EXPECT_EQ(done->overall_score, 87);
  EXPECT_EQ(done->engagement_score, 70);
  EXPECT_DOUBLE_EQ(*done->duration, 9.5);
  EXPECT_EQ(*done->report, R"({"status":"completed"})");
  EXPECT_FALSE(done->checkpoint);
  const auto crashed = store_->find_session("u", "crashed");
  EXPECT_EQ(crashed->status, SessionStatus::interrupted);
  EXPECT_EQ(*crashed->report, R"({"status":"interrupted","duration":4})");
  EXPECT_EQ(*crashed->ended_at, 25);
  EXPECT_TRUE(store_->recover_interrupted_sessions(100).empty());
  // Statistics read the aggregate columns only, never the (large) reports.
  const auto ended = store_->ended_sessions("u", std::nullopt, std::nullopt).sessions;
  ASSERT_EQ(ended.size(), 2u);
  EXPECT_EQ(ended[0].id, "done");
  EXPECT_EQ(ended[0].overall_score, 87);
  EXPECT_DOUBLE_EQ(*ended[0].speaking_time, 6.0);
  EXPECT_FALSE(ended[0].report);
  EXPECT_FALSE(ended[1].report);
}

// Several instances on one database: recovery takes only the live streams of
// the recovering instance itself (restarted under its id), of instances
// whose lease lapsed, and of none.
TEST_P(StorageTest, RecoveryRespectsTheLeasesOfLiveInstances) {
  user("u", "u@example.com");
  for (const char* id : {"on-a", "on-b", "on-none", "on-c"}) session(id, "u", 1);
  store_->heartbeat_instance("a", 1000);
  store_->heartbeat_instance("b", 100);
  ASSERT_TRUE(store_->mark_session_live("on-a", 10, "a"));
  ASSERT_TRUE(store_->mark_session_live("on-b", 10, "b"));
  ASSERT_TRUE(store_->mark_session_live("on-none", 10));
  ASSERT_TRUE(store_->mark_session_live("on-c", 10, "c"));
  EXPECT_TRUE(store_->instance_alive("a", 500));
  EXPECT_FALSE(store_->instance_alive("b", 500));
  auto recovered = store_->recover_interrupted_sessions(2000, "c", 500);
  std::vector<std::string> ids;
  for (const auto& r : recovered) ids.push_back(r.id);
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::string>{"on-b", "on-c", "on-none"})) << "a still beats: its stream stays live";
  EXPECT_EQ(store_->find_session("u", "on-a")->status, SessionStatus::live);
  recovered = store_->recover_interrupted_sessions(2000, "a", 500);
  ASSERT_EQ(recovered.size(), 1u) << "a restarted under its id takes back its own";
  EXPECT_EQ(recovered[0].instance_id, "a");
}

TEST_P(StorageTest, RefreshTokensAreSingleUseAndFamiliesRevoke) {
  user("u", "u@example.com");
  store_->insert_refresh_token({"t1", "fam", "u", "hash1", 1, 999999, {}, {}});
  store_->insert_refresh_token({"t2", "fam", "u", "hash2", 2, 999999, {}, {}});
  EXPECT_EQ(store_->find_refresh_token("hash1")->family_id, "fam");
  EXPECT_TRUE(store_->use_refresh_token("t1", 5));
  EXPECT_FALSE(store_->use_refresh_token("t1", 6)) << "second use is reuse";
  store_->revoke_token_family("fam", 7);
  EXPECT_FALSE(store_->use_refresh_token("t2", 8)) << "revoked with its family";
  EXPECT_EQ(*store_->find_refresh_token("hash2")->revoked_at, 7);
}

TEST_P(StorageTest, ApiKeysListRevokeAndDeleteUserCascades) {
  user("alice", "alice@example.com");
  user("bob", "bob@example.com");
  store_->insert_api_key({"k1", "alice", "ci", "ora_ab12", "khash1", 1, {}, {}, "read", 5000});
  store_->insert_api_key({"k2", "alice", "laptop", "ora_cd34", "khash2", 2, {}, {}, "read,write,stream", {}});
  EXPECT_EQ(store_->list_api_keys("alice").size(), 2u);
  EXPECT_TRUE(store_->list_api_keys("bob").empty());
  EXPECT_FALSE(store_->revoke_api_key("bob", "k1", 3));
  EXPECT_TRUE(store_->revoke_api_key("alice", "k1", 3));
  EXPECT_EQ(*store_->find_api_key("khash1")->revoked_at, 3);
  EXPECT_EQ(store_->find_api_key("khash1")->scopes, "read");
  EXPECT_EQ(*store_->find_api_key("khash1")->expires_at, 5000);
  store_->touch_api_key("k2", 100000);
  store_->touch_api_key("k2", 120000);  // within a minute: not written
  EXPECT_EQ(*store_->find_api_key("khash2")->last_used_at, 100000);
  // Signing out everywhere: refresh tokens revoked, the generation moved on.
  store_->insert_refresh_token({"t0", "f0", "alice", "th0", 1, 9, {}, {}});
  store_->revoke_all_tokens("alice", 50);
  EXPECT_EQ(*store_->find_refresh_token("th0")->revoked_at, 50);
  EXPECT_EQ(store_->find_user("alice")->token_generation, 1);
  EXPECT_EQ(store_->find_user("bob")->token_generation, 0);
  session("s", "alice", 1);
  store_->insert_refresh_token({"t", "f", "alice", "th", 1, 9, {}, {}});
  EXPECT_TRUE(store_->delete_user("alice"));
  EXPECT_FALSE(store_->find_api_key("khash2"));
  EXPECT_FALSE(store_->find_refresh_token("th"));
  EXPECT_EQ(store_->list_sessions("alice", {}, 1, 10).total, 0);
  EXPECT_TRUE(store_->find_user("bob"));
}

TEST_P(StorageTest, ConcurrentWritersThroughThePool) {
  user("u", "u@example.com");
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        try {
          session(std::string("c") + std::to_string(t) + std::string("-") + std::to_string(i), "u", t * 100 + i);
        } catch (const std::exception&) {
          ++failures;
        }
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(store_->list_sessions("u", {}, 1, 10).total, 200);
}


TEST_P(StorageTest, TranscriptsAreSearchedPerUserWithSnippets) {
  user("u1", "a@example.com");
  user("u2", "b@example.com");
  session("s1", "u1", 1000);
  session("s2", "u1", 2000);
  session("s3", "u2", 3000);
  auto save = [&](const std::string& sid, const std::string& uid, const std::string& text) {
    store_->save_transcript({sid, uid, "en-US", text, "[]", "{}", "live", 0.8, 5000});
  };
  save("s1", "u1", "today we talk about quarterly revenue and growth");
  save("s2", "u1", "revenue revenue revenue is the whole story of the quarter");
  save("s3", "u2", "my revenue is private");
  auto r = store_->search_transcripts("u1", "revenue", "relevance", 1, 10);
  ASSERT_EQ(r.total, 2);
  EXPECT_EQ(r.hits[0].session.id, "s2") << "three mentions rank above one";
  EXPECT_NE(r.hits[0].snippet.find("<mark>revenue</mark>"), std::string::npos) << r.hits[0].snippet;
  EXPECT_EQ(store_->search_transcripts("u1", "revenue", "date", 1, 10).hits[0].session.id, "s2");
  EXPECT_EQ(store_->search_transcripts("u1", "private", "relevance", 1, 10).total, 0) << "another user's transcript";
  EXPECT_EQ(store_->search_transcripts("u1", "quarterly growth", "relevance", 1, 10).total, 1);
  // Query syntax is data.
  EXPECT_EQ(store_->search_transcripts("u1", "\"revenue\" OR * NEAR( -- ';", "relevance", 1, 10).total, 0);
  EXPECT_EQ(store_->search_transcripts("u1", "", "relevance", 1, 10).total, 0);
  // Re-saving replaces the text in the index too; deleting the session removes it.
  save("s1", "u1", "nothing about money");
  EXPECT_EQ(store_->search_transcripts("u1", "revenue", "relevance", 1, 10).total, 1);
  EXPECT_TRUE(store_->delete_session("u1", "s2"));
  EXPECT_EQ(store_->search_transcripts("u1", "revenue", "relevance", 1, 10).total, 0);
  ASSERT_TRUE(store_->find_transcript("u1", "s1"));
  EXPECT_FALSE(store_->find_transcript("u2", "s1"));
}

TEST_P(StorageTest, JobsAreClaimedOnceAndRecoveredWhenTheirWorkerStops) {
  user("u1", "a@example.com");
  session("s1", "u1", 1000);
  session("s2", "u1", 2000);
  store_->enqueue_job("s1", "transcript", 10);
  store_->enqueue_job("s2", "transcript", 20);
  // Jobs wait for their session to end (its stream is still storing its report).
  EXPECT_FALSE(store_->claim_job("early", 50));
  for (const char* id : {"s1", "s2"}) store_->finish_session(id, {SessionStatus::completed, 1, 1, 1, 1, 1, 1, 1, "{}", 60, {}});
  // Concurrent workers never take the same job.
  std::vector<std::string> claimed;
  std::mutex m;
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w)
    workers.emplace_back([&, w] {
      if (auto j = store_->claim_job("worker-" + std::to_string(w), 100)) {
        std::lock_guard lock(m);
        claimed.push_back(j->session_id);
      }
    });
  for (auto& t : workers) t.join();
  ASSERT_EQ(claimed.size(), 2u);
  EXPECT_NE(claimed[0], claimed[1]);
  EXPECT_FALSE(store_->claim_job("late", 100));
  // A worker that stopped beating: queued again, then failed after the limit.
  EXPECT_EQ(store_->recover_stale_jobs(50, 2, 200), 0) << "claimed at 100: not stale before 50";
  EXPECT_EQ(store_->recover_stale_jobs(150, 2, 200), 2);
  auto again = store_->claim_job("w", 300);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->attempts, 2);
  store_->heartbeat_job(again->id, 400);
  EXPECT_EQ(store_->recover_stale_jobs(350, 2, 500), 0) << "its heartbeat keeps it";
  EXPECT_EQ(store_->recover_stale_jobs(450, 2, 500), 1);
  const auto failed = store_->latest_job("u1", again->session_id, "transcript");
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->status, "failed");
  EXPECT_NE(failed->error.value_or("").find("gave up after 2 attempts"), std::string::npos);
  store_->complete_job(store_->claim_job("w", 600)->id, "done", std::nullopt, 700);
  EXPECT_FALSE(store_->latest_job("u2", "s1", "transcript")) << "scoped by user";
}

TEST(WorkerPool, BoundedQueueRefusesAndDrainsOnStop) {
  std::atomic<int> ran{0};
  std::atomic<bool> release{false};
  {
    WorkerPool pool(1, 2);
    ASSERT_TRUE(pool.submit([&] { while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1)); ++ran; }));
    while (pool.queued() != 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));  // the worker took it
    EXPECT_TRUE(pool.submit([&] { ++ran; }));
    EXPECT_TRUE(pool.submit([&] { ++ran; }));
    EXPECT_FALSE(pool.submit([&] { ++ran; })) << "the queue is bounded";
    release = true;
  }
  EXPECT_EQ(ran, 3);
}

}  // namespace

namespace {
// Several instances starting at once on one database: each applies what is
// missing exactly once, none fails.
TEST_P(StorageTest, ConcurrentStartsMigrateOnce) {
  // A database nobody has migrated yet.
  const std::string fresh = GetParam() == "sqlite" ? url_ + "-fresh" : PostgresServer::instance()->create_database();
  std::vector<std::thread> starts;
  std::atomic<int> failures{0};
  std::mutex first_mutex;
  std::string first_failure;
  for (int i = 0; i < 4; ++i)
    starts.emplace_back([&] {
      try {
        (void)Store::open(fresh, 1);
      } catch (const std::exception& e) {
        ++failures;
        std::lock_guard lock(first_mutex);
        if (first_failure.empty()) first_failure = e.what();
      }
    });
  for (auto& t : starts) t.join();
  EXPECT_EQ(failures, 0) << first_failure;
  auto pool = ConnectionPool([&]() -> std::unique_ptr<SqlConnection> {
    if (GetParam() == "sqlite") return open_sqlite(fresh.substr(7));
    return open_postgres(fresh);
  }, 1);
  auto c = pool.acquire();
  EXPECT_EQ(schema_version(*c), migrations().back().version);
  EXPECT_EQ(c->query("SELECT COUNT(*) FROM schema_migrations").at(0).integer(0), static_cast<std::int64_t>(migrations().size()));
}
}  // namespace

// The shared rate limit: a minute's worth at once, then one per interval;
// concurrent takers (as two instances would be) never get more than that.
TEST_P(StorageTest, SharedRateLimitsAllowAMinutesWorthAndNoMore) {
  orator::storage::LimitStore limits(store_->pool());
  const std::int64_t minute = 60'000'000, interval = minute / 10;  // 10 a minute
  const std::int64_t t0 = 1'700'000'000'000'000;
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(limits.take("k", t0, interval, minute)) << "request " << i;
  const auto wait = limits.take("k", t0, interval, minute);
  ASSERT_TRUE(wait);
  EXPECT_EQ(*wait, interval) << "the next token comes one interval later";
  EXPECT_FALSE(limits.take("other", t0, interval, minute)) << "keys are separate";
  EXPECT_FALSE(limits.take("k", t0 + interval, interval, minute)) << "one interval later, one more";
  EXPECT_TRUE(limits.take("k", t0 + interval, interval, minute));
  limits.forget_idle(t0 + 2 * minute);
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(limits.take("k", t0 + 2 * minute, interval, minute)) << "full again: " << i;

  // Four threads race for 100 tokens of a fresh key: exactly 100 are granted.
  std::atomic<int> granted{0};
  std::vector<std::thread> racers;
  for (int t = 0; t < 4; ++t)
    racers.emplace_back([&] {
      for (int i = 0; i < 50; ++i)
        if (!limits.take("race", t0, minute / 100, minute)) ++granted;
    });
  for (auto& r : racers) r.join();
  EXPECT_EQ(granted.load(), 100);
}

TEST_P(StorageTest, SignInFailuresAreCountedUntilASuccess) {
  orator::storage::LimitStore limits(store_->pool());
  EXPECT_EQ(limits.sign_in_failures("ada@example.com").count, 0);
  for (int i = 0; i < 3; ++i) limits.sign_in_failed("ada@example.com", 1000 + i);
  EXPECT_EQ(limits.sign_in_failures("ada@example.com").count, 3);
  EXPECT_EQ(limits.sign_in_failures("ada@example.com").last_at, 1002);
  limits.forget_sign_in_failures(1000);
  EXPECT_EQ(limits.sign_in_failures("ada@example.com").count, 3) << "not old enough to forget";
  limits.sign_in_succeeded("ada@example.com");
  EXPECT_EQ(limits.sign_in_failures("ada@example.com").count, 0);
}

// The concurrent-stream cap over instances: claims of instances that still
// beat count, and eight claimed at once from two instances leave two.
TEST_P(StorageTest, StreamClaimsAreCappedOverEveryLiveInstance) {
  user("u", "u@example.com");
  store_->heartbeat_instance("i1", 1000);
  store_->heartbeat_instance("i2", 1000);
  LimitStore limits(store_->pool());
  EXPECT_TRUE(limits.claim_stream("c1", "u", "i1", 500, 2));
  EXPECT_TRUE(limits.claim_stream("c2", "u", "i2", 500, 2));
  EXPECT_FALSE(limits.claim_stream("c3", "u", "i1", 500, 2)) << "both places are taken, one on each instance";
  limits.release_stream("c1");
  EXPECT_TRUE(limits.claim_stream("c3", "u", "i1", 500, 2));
  EXPECT_TRUE(limits.claim_stream("c4", "u", "i1", 1500, 2)) << "once their lease lapsed, no claim counts";
  limits.forget_stream_claims({}, 1500);
  EXPECT_TRUE(limits.claim_stream("c5", "u", "i1", 500, 2)) << "the lapsed claims are gone: c5 is the only one";
  EXPECT_FALSE(limits.claim_stream("c6", "u", "i1", 500, 1));
  limits.forget_stream_claims("i1", 500);
  EXPECT_TRUE(limits.claim_stream("c6", "u", "i1", 500, 1)) << "an instance's start drops its earlier run's claims";
  limits.forget_stream_claims("i1", 500);

  std::atomic<int> taken{0};
  std::vector<std::thread> racers;
  for (int i = 0; i < 8; ++i)
    racers.emplace_back([&, i] {
      if (limits.claim_stream("r" + std::to_string(i), "u", i % 2 ? "i1" : "i2", 500, 2)) ++taken;
    });
  for (auto& t : racers) t.join();
  EXPECT_EQ(taken.load(), 2);
}

// Two streams racing into one session: the second finds it taken.
TEST_P(StorageTest, OnlyOneStreamTakesASession) {
  user("u", "u@example.com");
  session("s", "u", 1);
  EXPECT_TRUE(store_->mark_session_live("s", 10));
  EXPECT_FALSE(store_->mark_session_live("s", 11));
  store_->finish_session("s", {SessionStatus::completed, 1, 1, 1, 1, 1, 1, 1, "{}", 20, {}});
  EXPECT_FALSE(store_->mark_session_live("s", 30)) << "an ended session stays ended";
  EXPECT_EQ(store_->find_session("u", "s")->status, SessionStatus::completed);
}

PronunciationAssessmentRecord attempt(const std::string& id, const std::string& session_id, int overall, std::int64_t ms) {
  PronunciationAssessmentRecord a;
  a.id = id; a.user_id = "u"; a.session_id = session_id; a.target_text = "ship";
  a.overall = a.accuracy = a.fluency = a.completeness = overall;
  a.duration_ms = ms; a.result_json = "{}"; a.created_at = 100;
  return a;
}

// Attempts stored while a practice session ends are either in its summary
// or refused: none lands after it, uncounted (both backends lock the row).
TEST_P(StorageTest, PracticeEndsWithEveryAttemptItAccepted) {
  user("u", "u@example.com");
  for (int round = 0; round < 5; ++round) {
    const std::string practice = "practice-" + std::to_string(round);
    session(practice, "u", 1, Mode::pronunciation);
    PronunciationStore attempts(store_->pool());
    std::atomic<int> accepted{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> writers;
    for (int w = 0; w < 3; ++w)
      writers.emplace_back([&, w] {
        while (!go) std::this_thread::yield();
        for (int i = 0; i < 20; ++i) {
          const auto id = practice + "-" + std::to_string(w) + "-" + std::to_string(i);
          if (attempts.create(attempt(id, practice, 70, 1000), {{"SH", "ship", 70}})) ++accepted;
        }
      });
    std::int64_t summarised = -1;
    go = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2 * round));
    const auto found = attempts.end_practice("u", practice, 60, 2, 5, [&](const PracticeSummary& summary) {
      summarised = summary.totals.attempts;
      SessionOutcome o;
      o.duration = static_cast<double>(summary.totals.duration_ms) / 1000.0;
      o.speaking_time = std::nullopt;
      o.report_json = "{}";
      return o;
    });
    for (auto& t : writers) t.join();
    ASSERT_EQ(found, SessionStatus::created);
    EXPECT_EQ(summarised, accepted.load()) << "round " << round << ": an attempt was stored after the summary";
    EXPECT_EQ(attempts.practice_summary("u", practice, 60, 2, 5).totals.attempts, accepted.load());
    EXPECT_EQ(attempts.end_practice("u", practice, 60, 2, 5, [](const PracticeSummary&) { return SessionOutcome{}; }),
              SessionStatus::completed) << "ended once";
    std::printf("[ storage ] round %d: %d of 60 attempts in before the end\n", round, accepted.load());
  }
  PronunciationStore attempts(store_->pool());
  EXPECT_FALSE(attempts.create(attempt("late", "practice-0", 70, 1000), {})) << "an ended session takes no attempt";
  EXPECT_FALSE(attempts.create(attempt("nowhere", "no-such-session", 70, 1000), {}));
  EXPECT_EQ(attempts.end_practice("v", "practice-0", 60, 2, 5, [](const PracticeSummary&) { return SessionOutcome{}; }), std::nullopt)
      << "another user's session is not found";
}

// A reading streamed into a practice session counts there once that ends.
TEST_P(StorageTest, ReadingsInAnEndedPracticeAreCountedThere) {
  user("u", "u@example.com");
  session("practice", "u", 1, Mode::pronunciation);
  session("reading", "u", 2, Mode::pronunciation);
  ASSERT_TRUE(store_->mark_session_live("reading", 10, "", std::string("practice")));
  store_->finish_session("reading", {SessionStatus::completed, 5, 3, 1, 1, 1, 1, 1, "{}", 20, {}});
  // Counted in its practice session: the statistics leave its duration out of its own practice time.
  auto counted = [&](std::int64_t started_at) {
    const auto buckets = session_buckets(store_->pool(), "u", {.from = started_at, .to = started_at});
    if (buckets.size() != 1) {
      ADD_FAILURE() << "no ended session started at " << started_at;
      return false;
    }
    return buckets.front().practice_s == 0;
  };
  const std::int64_t reading = 10, practice = 1;  // when each started
  EXPECT_EQ(store_->find_session("u", "reading")->practice_session_id, "practice");
  EXPECT_FALSE(counted(reading)) << "the practice has not ended: the reading's time is its own";
  store_->finish_session("practice", {SessionStatus::completed, 5, std::nullopt, 1, 0, 0, 0, 0, "{}", 30, {}});
  EXPECT_TRUE(counted(reading));
  EXPECT_FALSE(counted(practice));
  ASSERT_TRUE(store_->delete_session("u", "practice"));
  EXPECT_FALSE(counted(reading)) << "with the practice deleted, the reading's time is its own again";
}

// Statistics are summed by the database, a row per quarter hour, mode,
// status and window, and (SQLite) read from one covering index: never a
// row per session, never a session row past its report.
TEST_P(StorageTest, StatisticsAreSummedByTheDatabase) {
  user("u", "u@example.com");
  user("v", "v@example.com");
  const std::int64_t q = kStatisticsBucketMs;
  // Two in the first quarter hour (one muted: no score counts), one in the next, one of another user.
  session("a", "u", 10 * q + 1);
  session("b", "u", 10 * q + 2);
  session("c", "u", 11 * q + 5, Mode::interview);
  session("d", "v", 10 * q + 3);
  store_->finish_session("a", {SessionStatus::completed, 60, 40.0, 80, 70, 60, 50, 40, "{\"big\":1}", 20, {}});
  store_->finish_session("b", {SessionStatus::interrupted, 30, 0.5, 10, 10, 10, 10, 10, "{}", 20, {}});
  store_->finish_session("c", {SessionStatus::completed, 90, 60.0, 60, 50, 40, 30, 20, "{}", 20, {}});
  store_->finish_session("d", {SessionStatus::completed, 10, 8.0, 99, 99, 99, 99, 99, "{}", 20, {}});
  const auto all = session_buckets(store_->pool(), "u", {});
  ASSERT_EQ(all.size(), 3u) << "(quarter 10, completed), (quarter 10, interrupted), (quarter 11, interview)";
  int sessions = 0, scored = 0;
  double practice = 0, overall = 0;
  for (const auto& b : all) {
    sessions += b.sessions;
    scored += b.scored;
    practice += b.practice_s;
    overall += b.score_sums[0];
    EXPECT_EQ(b.start % q, 0);
  }
  EXPECT_EQ(sessions, 3);
  EXPECT_EQ(scored, 2) << "b heard half a second: its scores mean nothing";
  EXPECT_DOUBLE_EQ(practice, 180.0);
  EXPECT_DOUBLE_EQ(overall, 140.0);
  EXPECT_EQ(all.back().mode, Mode::interview);
  EXPECT_EQ(all.back().best_overall, 60);
  EXPECT_EQ(all.back().last_start, 11 * q + 5);
  // Windows: after the newer edge, after the older one, before both.
  const auto windows = session_buckets(store_->pool(), "u", {.newer_edge = 11 * q, .older_edge = 10 * q + 1});
  std::map<int, int> per_window;
  for (const auto& b : windows) per_window[b.window] += b.sessions;
  EXPECT_EQ(per_window, (std::map<int, int>{{0, 1}, {1, 1}, {2, 1}}));
  EXPECT_EQ(session_buckets(store_->pool(), "u", {.from = 11 * q}).size(), 1u);
  if (GetParam() == "sqlite") {
    std::string plan;
    const SqlValue p[] = {std::string("u"), nullptr, nullptr, nullptr, nullptr, 1.0, q};
    for (const auto& r : store_->pool().acquire()->query(std::string("EXPLAIN QUERY PLAN ") + session_buckets_query(), p))
      plan += r.text(3) + "\n";
    EXPECT_NE(plan.find("COVERING INDEX sessions_statistics"), std::string::npos) << plan;
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, StorageTest, ::testing::Values("sqlite", "postgresql"));
