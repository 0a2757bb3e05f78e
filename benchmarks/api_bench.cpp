// Latency of the REST path and of storing an assessment, on SQLite and on a
// throwaway PostgreSQL: p50/p99 over the iterations, as counters (ms).
// GET /v1/sessions goes through Api::handle as the server runs it: token
// verification, user lookup, count + page query, JSON (no socket).
#include <benchmark/benchmark.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <vector>

#include "bench_requests.hpp"
#include "dsp/analyzer.hpp"
#include "protocol/messages.hpp"
#include "server/api/api.hpp"
#include "server/auth/jwt.hpp"
#include "server/api/recordings.hpp"
#include "server/sessions/session_service.hpp"
#include "storage/store.hpp"
#include "support/postgres_server.hpp"
#include "support/temp_dir.hpp"
#include "support/signals.hpp"

namespace {
using namespace orator;

std::string database_url(const std::string& backend, benchmark::State& state) {
  if (backend == "sqlite") {
    static const test_support::TempDir dir("orator-bench");  // removed at exit
    static int databases = 0;
    return "sqlite:" + (dir.path() / ("bench-" + std::to_string(++databases) + ".db")).string();
  }
  std::string why;
  auto* pg = test_support::PostgresServer::instance(&why);
  if (!pg) {
    state.SkipWithError(why.c_str());
    return {};
  }
  return pg->create_database();
}

// A store on `backend` holding user "u", or null (the benchmark skipped) when
// PostgreSQL is not available.
std::unique_ptr<storage::Store> open_store(const std::string& backend, benchmark::State& state) {
  const auto url = database_url(backend, state);
  if (url.empty()) return nullptr;
  auto store = storage::Store::open(url, 4);
  store->create_user({"u", "u@example.com", "U", "x", "UTC", 1, 1});
  return store;
}

storage::SessionRecord session_of_u(std::string id, storage::SessionStatus status, std::int64_t created_at) {
  storage::SessionRecord s;
  s.id = std::move(id); s.user_id = "u"; s.title = "Talk"; s.mode = storage::Mode::presentation; s.status = status;
  s.created_at = created_at;
  return s;
}

using bench::ms_since;
using bench::report_percentiles;

// A realistic report: 10 minutes of speech-like audio with pauses.
const std::string& ten_minute_report() {
  static const std::string report = [] {
    struct Sink : dsp::AnalysisSink {
      void on_vad(bool, double) override {}
      void on_nudge(const dsp::Nudge&, const dsp::NudgeInputs&) override {}
      void on_metrics(const dsp::IntervalMetrics&) override {}
    } sink;
    dsp::StreamAnalyzer a(dsp::AnalysisContext::create(), {dsp::Mode::presentation, 16000, 1000}, sink);
    for (int i = 0; i < 60; ++i) {
      a.push(test_support::intoned_syllables(16000, 8.5, 150, 40, 0.1));
      a.push(test_support::silence(16000, 1.5));
    }
    return protocol::assessment_json("bench", a.finish(true));
  }();
  return report;
}

// `shared`: the rate limit counted in the database (--shared-limits), one upsert per request.
void BM_ListSessions(benchmark::State& state, const std::string& backend, bool shared) {
  auto store = open_store(backend, state);
  if (!store) return;
  server::auth::JwtSigner signer(std::vector<std::uint8_t>(32, 3));
  server::ServerConfig config;
  config.rate_limit_per_minute = 1e9;
  config.shared_limits = shared;
  server::sessions::SessionEvents events;
  server::sessions::SessionService sessions(*store, events, config);
  server::api::Api api(*store, signer, config, sessions, {10, 8, 1});
  for (int i = 0; i < 200; ++i) store->create_session(session_of_u("s" + std::to_string(i), storage::SessionStatus::completed, 1000 + i));
  const std::string token = signer.sign({"u", server::api::Api::now_ms() / 1000, server::api::Api::now_ms() / 1000 + 3600, "j", "user"});
  std::vector<double> ms;
  for (auto _ : state) {
    auto req = bench::signed_in_get("/v1/sessions?limit=20", token);
    const auto t0 = std::chrono::steady_clock::now();
    const auto res = api.handle(req);
    ms.push_back(ms_since(t0));
    if (res.status != 200) state.SkipWithError("request failed");
  }
  report_percentiles(state, ms);
}
BENCHMARK_CAPTURE(BM_ListSessions, sqlite, std::string("sqlite"), false)->Iterations(2000)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_ListSessions, postgresql, std::string("postgresql"), false)->Iterations(2000)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_ListSessions, sqlite_shared_limits, std::string("sqlite"), true)->Iterations(2000)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_ListSessions, postgresql_shared_limits, std::string("postgresql"), true)->Iterations(2000)->Unit(benchmark::kMicrosecond);

void BM_StoreAssessment(benchmark::State& state, const std::string& backend) {
  auto store = open_store(backend, state);
  if (!store) return;
  const std::string& report = ten_minute_report();
  state.counters["report_bytes"] = static_cast<double>(report.size());
  std::vector<double> ms;
  int i = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const auto s = store->create_session(session_of_u("a" + std::to_string(i), storage::SessionStatus::live, i + 1));
    ++i;
    state.ResumeTiming();
    const auto t0 = std::chrono::steady_clock::now();
    store->finish_session(s.id, {storage::SessionStatus::completed, 600, 510, 80, 80, 80, 80, 80, report, 1, {}});
    ms.push_back(ms_since(t0));
  }
  report_percentiles(state, ms);
}
BENCHMARK_CAPTURE(BM_StoreAssessment, sqlite, std::string("sqlite"))->Iterations(1000)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_StoreAssessment, postgresql, std::string("postgresql"))->Iterations(1000)->Unit(benchmark::kMicrosecond);

// Keeping a record: true session's audio: one 5 s chunk (16 kHz, 16-bit)
// encoded and written, the work a recording stream adds every 5 s.
void BM_StoreRecordingChunk(benchmark::State& state, const std::string& backend) {
  auto store = open_store(backend, state);
  if (!store) return;
  auto s = session_of_u("rec", storage::SessionStatus::live, 1);
  s.record = true;
  store->create_session(s);
  const auto audio = test_support::intoned_syllables(16000, server::api::kRecordingChunkSeconds, 150, 40, 0.1);
  protocol::PcmChunk chunk;
  protocol::RecordingBuffer buffer(16000, 3600, server::api::kRecordingChunkSeconds, [&](protocol::PcmChunk&& c) { chunk = std::move(c); });
  buffer.append(audio);
  std::vector<double> ms;
  int seq = 0;
  for (auto _ : state) {
    chunk.seq = seq++;
    const auto t0 = std::chrono::steady_clock::now();
    store->append_recording_chunk(s.id, server::api::to_stored_chunk(chunk, 16000));
    ms.push_back(ms_since(t0));
  }
  state.counters["chunk_bytes"] = static_cast<double>(chunk.pcm16le.size());
  report_percentiles(state, ms);
}
BENCHMARK_CAPTURE(BM_StoreRecordingChunk, sqlite, std::string("sqlite"))->Iterations(300)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_StoreRecordingChunk, postgresql, std::string("postgresql"))->Iterations(300)->Unit(benchmark::kMicrosecond);

}  // namespace
