#include "server/server_metrics.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>

#include <malloc.h>
#include <unistd.h>

#include "dsp/nudge_engine.hpp"
#include "protocol/audio_decoder.hpp"
#include "server/server_context.hpp"
#include "server/sessions/session_service.hpp"
#include "server/transcription/decoder_pool.hpp"
#include "storage/sqlite_connection.hpp"
#include "storage/worker_pool.hpp"

namespace orator::server {
namespace {

void header(std::string& out, const char* name, const char* type, const char* help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void sample(std::string& out, const char* name, const std::string& labels, double value) {
  char number[32];
  std::snprintf(number, sizeof number, "%.17g", value);
  out += name;
  if (!labels.empty()) out += "{" + labels + "}";
  out += ' ';
  out += number;
  out += '\n';
}

void single(std::string& out, const char* name, const char* type, const char* help, double value) {
  header(out, name, type, help);
  sample(out, name, {}, value);
}

// The durable queues, as last read from the database.
void write_job_queues(std::string& out, const ServerContext& ctx) {
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  const std::pair<const char*, const ServerMetrics::QueueReading*> queues[] = {
      {"transcription", &ctx.metrics.transcription_jobs}, {"speech_synthesis", &ctx.metrics.speech_synthesis}};
  header(out, "orator_jobs", "gauge", "Durable jobs of every instance waiting and running, by queue (read every 10 s).");
  for (const auto& [name, q] : queues) {
    if (q->waiting.load() < 0) continue;
    sample(out, "orator_jobs", std::string("queue=\"") + name + "\",state=\"waiting\"", static_cast<double>(q->waiting.load()));
    sample(out, "orator_jobs", std::string("queue=\"") + name + "\",state=\"running\"", static_cast<double>(q->running.load()));
  }
  header(out, "orator_job_oldest_waiting_seconds", "gauge", "How long the oldest waiting job of a queue has waited (0: none).");
  for (const auto& [name, q] : queues) {
    if (q->waiting.load() < 0) continue;
    const auto at = q->oldest_waiting_at_ms.load();
    sample(out, "orator_job_oldest_waiting_seconds", std::string("queue=\"") + name + "\"",
           at > 0 ? std::max(0.0, static_cast<double>(now_ms - at) / 1000) : 0.0);
  }
}

void write_uploads(std::string& out, const ServerContext& ctx) {
  header(out, "orator_uploads", "gauge", "Recording uploads on this instance, by state.");
  sample(out, "orator_uploads", "state=\"receiving\"", static_cast<double>(ctx.metrics.uploads_receiving.load()));
  if (!ctx.sessions) return;
  const auto u = ctx.sessions->upload_counts();
  sample(out, "orator_uploads", "state=\"queued\"", static_cast<double>(u.queued));
  sample(out, "orator_uploads", "state=\"analysing\"", static_cast<double>(u.analysing));
  header(out, "orator_uploads_analysed_total", "counter", "Uploads this instance finished analysing, by outcome.");
  sample(out, "orator_uploads_analysed_total", "outcome=\"completed\"", static_cast<double>(u.completed));
  sample(out, "orator_uploads_analysed_total", "outcome=\"failed\"", static_cast<double>(u.failed));
}

// Resident memory beside what the allocator holds, so that growth can be told
// apart: live allocations, memory freed but kept by glibc, SQLite's share.
void write_process_memory(std::string& out) {
  long resident_pages = 0;
  if (std::ifstream statm("/proc/self/statm"); statm) {
    long size_pages = 0;
    statm >> size_pages >> resident_pages;
  }
  single(out, "process_resident_memory_bytes", "gauge", "Resident memory of the process.",
         static_cast<double>(resident_pages) * static_cast<double>(sysconf(_SC_PAGESIZE)));
  const struct mallinfo2 heap = mallinfo2();  // walks the arenas: fine at scrape rate
  single(out, "orator_heap_in_use_bytes", "gauge", "Heap allocations live now (glibc, mmap'd blocks included).",
         static_cast<double>(heap.uordblks + heap.hblkhd));
  single(out, "orator_heap_free_bytes", "gauge", "Heap memory freed but kept by the allocator's arenas.",
         static_cast<double>(heap.fordblks));
}

}  // namespace

void SecondsHistogram::observe(double seconds) {
  std::size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i]) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(static_cast<std::uint64_t>(seconds * 1e9), std::memory_order_relaxed);
}

void SecondsHistogram::write(std::string& out, const char* name, const char* help) const {
  header(out, name, "histogram", help);
  const std::string bucket = std::string(name) + "_bucket";
  std::uint64_t cumulative = 0;
  char le[32];
  for (std::size_t i = 0; i <= kBounds.size(); ++i) {
    cumulative += counts_[i].load(std::memory_order_relaxed);
    if (i < kBounds.size()) std::snprintf(le, sizeof le, "le=\"%g\"", kBounds[i]);
    sample(out, bucket.c_str(), i < kBounds.size() ? le : "le=\"+Inf\"", static_cast<double>(cumulative));
  }
  sample(out, (std::string(name) + "_sum").c_str(), {}, static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9);
  sample(out, (std::string(name) + "_count").c_str(), {}, static_cast<double>(cumulative));
}

std::string metrics_exposition(const ServerContext& ctx) {
  const ServerMetrics& m = ctx.metrics;
  std::string out;
  out.reserve(4096);
  const auto uptime = std::chrono::duration<double>(std::chrono::steady_clock::now() - ctx.started).count();
  single(out, "orator_uptime_seconds", "gauge", "Seconds since the server started.", uptime);
  single(out, "orator_connections_open", "gauge", "Open HTTP and WebSocket connections.",
         static_cast<double>(ctx.connections.total()));
  single(out, "orator_streams_started_total", "counter", "Streams upgraded since the start.",
         static_cast<double>(ctx.streams_started.load()));
  header(out, "orator_streams_active", "gauge", "Streams analysing audio now, by codec.");
  for (std::size_t c = 0; c < ServerMetrics::kCodecs; ++c)
    sample(out, "orator_streams_active", "codec=\"" + std::string(protocol::codec_name(static_cast<protocol::Codec>(c))) + "\"",
           static_cast<double>(m.streams_active[c].load()));
  single(out, "orator_audio_frames_received_total", "counter", "Binary audio frames received.", static_cast<double>(m.frames_in.load()));
  single(out, "orator_audio_bytes_received_total", "counter", "Bytes of audio frames received.",
         static_cast<double>(m.audio_bytes_in.load()));
  single(out, "orator_audio_decode_errors_total", "counter", "Audio frames refused as undecodable.",
         static_cast<double>(m.decode_errors.load()));
  single(out, "orator_stream_messages_sent_total", "counter", "Text messages queued to streams.",
         static_cast<double>(m.messages_out.load()));
  single(out, "orator_stream_bytes_sent_total", "counter", "Bytes of text messages queued to streams.",
         static_cast<double>(m.bytes_out.load()));
  header(out, "orator_nudges_total", "counter", "Nudges raised, by code.");
  for (std::size_t n = 0; n < ServerMetrics::kNudgeCodes; ++n)
    sample(out, "orator_nudges_total", "code=\"" + std::string(dsp::nudge_code_name(static_cast<dsp::NudgeCode>(n))) + "\"",
           static_cast<double>(m.nudges[n].load()));
  single(out, "orator_rate_limited_total", "counter", "Requests and stream upgrades refused by a rate limit or quota.",
         static_cast<double>(m.rate_limited.load()));
  const AdmissionControl& admission = ctx.admission;
  single(out, "orator_streams_admitted", "gauge", "Streams holding a place within this instance's capacity.",
         static_cast<double>(admission.admitted()));
  single(out, "orator_admission_capacity_streams", "gauge",
         "Streams this instance can take, learned from their measured CPU cost (0: not learned yet).",
         static_cast<double>(admission.capacity()));
  single(out, "orator_admission_overloaded", "gauge", "1 while REST answers 503 and no stream is admitted.",
         admission.shedding() ? 1 : 0);
  single(out, "orator_streams_refused_overload_total", "counter", "Streams refused by admission control (closed with 1013).",
         static_cast<double>(admission.refused_streams()));
  single(out, "orator_requests_refused_overload_total", "counter", "REST requests answered 503 while overloaded.",
         static_cast<double>(admission.refused_requests()));
  if (ctx.workers)
    single(out, "orator_database_queue_depth", "gauge", "Database tasks waiting for a worker.",
           static_cast<double>(ctx.workers->queued()));
  if (ctx.long_requests)
    single(out, "orator_long_request_queue_depth", "gauge",
           "Requests that take seconds (pronunciation uploads, translations) waiting for a thread.",
           static_cast<double>(ctx.long_requests->queued()));
  if (ctx.decoders) {
    single(out, "orator_decoders", "gauge", "Speech recognisers in the pool.", static_cast<double>(ctx.decoders->size()));
    single(out, "orator_decoders_leased", "gauge", "Speech recognisers leased to streams or jobs.",
           static_cast<double>(ctx.decoders->leased()));
  }
  if (ctx.workers)
    single(out, "orator_database_queue_oldest_seconds", "gauge", "How long the oldest database task has waited for a worker.",
           ctx.workers->oldest_wait_seconds());
  single(out, "orator_db_pool_timeouts_total", "counter", "Waits for a database connection that gave up (10 s).",
         static_cast<double>(m.db_pool_timeouts.load()));
  single(out, "orator_sqlite_memory_bytes", "gauge",
         "What SQLite holds on the heap: statements, schemas and any cache page beyond its reserved region.",
         static_cast<double>(storage::sqlite_memory_bytes()));
  single(out, "orator_sqlite_page_cache_bytes", "gauge",
         "Page-cache bytes in use in SQLite's reserved region (--sqlite-cache-mb, resident from start).",
         static_cast<double>(storage::sqlite_reserved_cache_bytes()));
  write_process_memory(out);
  m.db_pool_wait.write(out, "orator_db_pool_wait_seconds", "How long each database task waited for a pooled connection.");
  m.db_query.write(out, "orator_db_query_seconds", "How long each database lease held its connection: one query or transaction.");
  m.db_queue_wait.write(out, "orator_db_queue_wait_seconds", "How long each database task waited for a database thread.");
  write_job_queues(out, ctx);
  write_uploads(out, ctx);
  m.metrics_latency.write(out, "orator_metrics_latency_seconds",
                          "From the audio frame that completes an interval arriving to its metrics message queued.");
  m.loop_lag.write(out, "orator_event_loop_lag_seconds", "How late a 100 ms timer fires on an event loop.");
  return out;
}

}  // namespace orator::server
