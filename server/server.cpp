#include "server/server.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <spdlog/spdlog.h>

#include <sys/resource.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "server/api/api.hpp"
#include "server/pronunciation/library.hpp"
#include "server/sessions/session_events.hpp"
#include "server/dictation/dictation_services.hpp"
#include "server/sessions/session_service.hpp"
#include "server/transcription/decoder_pool.hpp"
#include "server/transcription/transcription_jobs.hpp"
#include "speech/recognizer.hpp"
#include "server/auth/jwt.hpp"
#include "server/http_session.hpp"
#include "server/server_context.hpp"
#include "server/stream_session.hpp"
#include "storage/store.hpp"
#include "storage/worker_pool.hpp"

namespace orator::server {
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  // Accepts on the first loop and hands each connection to the next loop in turn.
  Listener(std::vector<std::unique_ptr<net::io_context>>& loops, ServerContext& ctx)
      : loops_(loops), acceptor_(net::make_strand(*loops.front())), ctx_(ctx) {}

  // Returns the bound port, or 0 with an error logged.
  std::uint16_t open(const std::string& host, std::uint16_t port) {
    boost::system::error_code ec;
    const auto address = net::ip::make_address(host, ec);
    if (ec) {
      spdlog::error("invalid listen address {}: {}", host, ec.message());
      return 0;
    }
    const tcp::endpoint endpoint{address, port};
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      spdlog::error("cannot listen on {}:{}: {}", host, port, ec.message());
      return 0;
    }
    return acceptor_.local_endpoint().port();
  }

  void start() { do_accept(); }
  void stop() {
    net::dispatch(acceptor_.get_executor(), [self = shared_from_this()] {
      boost::system::error_code ignored;
      self->acceptor_.close(ignored);
    });
  }

 private:
  void do_accept() {
    auto& loop = *loops_[next_loop_++ % loops_.size()];
    acceptor_.async_accept(net::make_strand(loop), [self = shared_from_this()](boost::system::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted || !self->acceptor_.is_open()) return;
      if (ec) return self->back_off(ec);
      self->backoff_ = std::chrono::milliseconds(0);
      self->admit(std::move(socket));
      self->do_accept();
    });
  }

  void admit(tcp::socket socket) {
    boost::system::error_code ec;
    const auto peer = socket.remote_endpoint(ec);
    const std::string address = ec ? std::string() : peer.address().to_string();
    ConnectionLimits::Refusal why{};
    auto slot = ctx_.connections.acquire(address, why);
    if (!slot.held()) {
      // A flood repeats this thousands of times a second: logged once a minute at most.
      if (const auto n = refusals_.occur())
        spdlog::warn("{} connection(s) refused: {} (--max-connections {}, --max-connections-per-address {})", n,
                     why == ConnectionLimits::Refusal::server_full ? "the server is full" : "too many from one address",
                     ctx_.config.max_connections, ctx_.config.max_connections_per_address);
      socket.close(ec);
      return;
    }
    socket.set_option(tcp::no_delay(true), ec);
    if (ctx_.tls)
      std::make_shared<HttpSession<TlsStream>>(TlsStream(std::move(socket), *ctx_.tls), ctx_, std::move(slot))->run();
    else
      std::make_shared<HttpSession<PlainStream>>(PlainStream(std::move(socket)), ctx_, std::move(slot))->run();
  }

  // Accept failed (out of descriptors, most often): retrying at once would
  // spin a core, so wait, doubling up to a second, and log once a minute.
  void back_off(boost::system::error_code ec) {
    backoff_ = std::clamp(backoff_ * 2, std::chrono::milliseconds(10), std::chrono::milliseconds(1000));
    if (const auto n = accept_failures_.occur())
      spdlog::warn("accepting connections failed {} time(s): {}; retrying in {} ms", n, ec.message(), backoff_.count());
    retry_.expires_after(backoff_);
    retry_.async_wait([self = shared_from_this()](boost::system::error_code wait_ec) {
      if (!wait_ec && self->acceptor_.is_open()) self->do_accept();
    });
  }

  std::vector<std::unique_ptr<net::io_context>>& loops_;
  std::size_t next_loop_ = 0;  // only touched on the acceptor's strand
  tcp::acceptor acceptor_;
  net::steady_timer retry_{acceptor_.get_executor()};
  std::chrono::milliseconds backoff_{0};
  ThrottledLog refusals_{std::chrono::minutes(1)}, accept_failures_{std::chrono::minutes(1)};
  ServerContext& ctx_;
};

// How late a 100 ms timer fires on one event loop (ServerMetrics::loop_lag):
// a handler that blocks the loop delays every connection on it.
class LoopLagProbe {
 public:
  LoopLagProbe(net::io_context& loop, ServerMetrics& metrics, AdmissionControl& admission)
      : timer_(loop), metrics_(metrics), admission_(admission) {}
  void start() {
    due_ = std::chrono::steady_clock::now() + kPeriod;
    timer_.expires_at(due_);
    // The probe outlives the loop's run (it is destroyed after the threads join).
    timer_.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      const double lag = std::chrono::duration<double>(std::chrono::steady_clock::now() - due_).count();
      metrics_.loop_lag.observe(lag);
      admission_.note_loop_lag(lag);
      start();
    });
  }

 private:
  static constexpr std::chrono::milliseconds kPeriod{100};
  net::steady_timer timer_;
  ServerMetrics& metrics_;
  AdmissionControl& admission_;
  std::chrono::steady_clock::time_point due_;
};

// Once a second: what the machine, the process, the loops and the database
// queue did, for admission control.
class LoadMonitor {
 public:
  LoadMonitor(net::io_context& loop, ServerContext& ctx) : timer_(loop), ctx_(ctx) {}
  void start() {
    timer_.expires_after(std::chrono::seconds(1));
    timer_.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      LoadSample sample = sampler_.sample();
      if (ctx_.workers && ctx_.config.db_queue > 0)
        sample.queue_fill = static_cast<double>(ctx_.workers->queued()) / static_cast<double>(ctx_.config.db_queue);
      if (++ticks_ % kQueueReadingSeconds == 1) read_job_queues();
      const bool was_refusing = ctx_.admission.shedding();
      ctx_.admission.update(sample);
      if (ctx_.admission.shedding() != was_refusing) {
        if (was_refusing) spdlog::info("overload over: serving REST and admitting streams again");
        else spdlog::warn("{}: refusing new streams and REST (503) until it passes", ctx_.admission.reason());
      }
      start();
    });
  }

 private:
  static constexpr unsigned kQueueReadingSeconds = 10;

  // The durable queues, for /metrics: read on a database thread, never here.
  void read_job_queues() {
    if (!ctx_.workers || !ctx_.store) return;
    (void)ctx_.workers->submit([&ctx = ctx_] {
      const auto keep = [](ServerMetrics::QueueReading& into, std::int64_t waiting, std::int64_t running,
                           std::optional<std::int64_t> oldest_at) {
        into.running.store(running);
        into.oldest_waiting_at_ms.store(oldest_at.value_or(0));
        into.waiting.store(waiting);
      };
      try {
        const auto jobs = ctx.store->job_queue();
        keep(ctx.metrics.transcription_jobs, jobs.queued, jobs.running, jobs.oldest_queued_at);
        if (ctx.dictation) {
          const auto tts = ctx.dictation->store.tts_queue();
          keep(ctx.metrics.speech_synthesis, tts.pending, tts.processing, tts.oldest_pending_at);
        }
      } catch (const std::exception& e) {
        spdlog::debug("metrics: the job queues could not be read: {}", e.what());
      }
    });
  }

  net::steady_timer timer_;
  ServerContext& ctx_;
  LoadSampler sampler_;
  unsigned ticks_ = 0;
};

// Raises the soft descriptor limit to the hard one and keeps the connection
// cap below it, with room for the database, recordings, uploads and logs.
std::size_t fit_connections_to_descriptors(std::size_t max_connections, std::size_t db_pool_size) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return max_connections;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) getrlimit(RLIMIT_NOFILE, &limit);
  }
  const auto descriptors = static_cast<std::size_t>(limit.rlim_cur == RLIM_INFINITY ? 1u << 20 : limit.rlim_cur);
  const std::size_t reserve = std::min<std::size_t>(descriptors / 2, 64 + 2 * db_pool_size);
  const std::size_t fitted = std::min(max_connections, descriptors - reserve);
  if (fitted < max_connections)
    spdlog::warn("descriptor limit {}: at most {} connections ({} descriptors kept for the database, files and logs)",
                 descriptors, fitted, reserve);
  else
    spdlog::info("descriptor limit {}: room for --max-connections {}", descriptors, max_connections);
  return fitted;
}

// TLS 1.2 and later only, with the server's certificate chain and key.
std::unique_ptr<net::ssl::context> make_tls_context(const ServerConfig& config) {
  auto tls = std::make_unique<net::ssl::context>(net::ssl::context::tls_server);
  tls->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 | net::ssl::context::no_sslv3 |
                   net::ssl::context::no_tlsv1 | net::ssl::context::no_tlsv1_1 | net::ssl::context::single_dh_use);
  // Forward-secret suites only: ECDHE with AEAD ciphers for TLS 1.2 (TLS 1.3's
  // suites all are). No static-RSA key exchange, no CBC.
  if (SSL_CTX_set_cipher_list(tls->native_handle(), "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!eNULL") != 1)
    throw std::runtime_error("the TLS cipher list was refused");
  tls->use_certificate_chain_file(config.tls_cert_file);
  tls->use_private_key_file(config.tls_key_file, net::ssl::context::pem);
  return tls;
}

// This instance's id, kept in the data directory so a restart is the same
// instance (and recovers what it left live at once).
std::string load_instance_id(const std::string& data_dir) {
  const std::string path = data_dir + "/instance-id";
  std::string id;
  if (std::ifstream in(path); in >> id && !id.empty()) return id;
  id = random_id();
  const std::string tmp = path + ".tmp";
  std::ofstream(tmp) << id << "\n";
  // Everything in the data directory is the owner's only.
  std::filesystem::permissions(tmp, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::replace);
  std::rename(tmp.c_str(), path.c_str());
  return id;
}

}  // namespace

int run_server(const ServerConfig& config) {
  const int threads = config.threads > 0 ? config.threads : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  // Declaration order is teardown order in reverse: the worker pool drains
  // first (its tasks use the store and post to the io_context), then the
  // io_context destroys pending sessions (they use ctx), then the rest.
  ServerContext ctx;
  ctx.config = config;
  ctx.config.max_connections = fit_connections_to_descriptors(config.max_connections, config.db_pool_size);
  ctx.connections.configure(ctx.config.max_connections, config.max_connections_per_address, config.trusted_proxies);
  ctx.admission.configure({config.max_streams, config.admission_cpu, config.admission_loop_lag_seconds, 0.5,
                           config.overload_retry_after_seconds});
  ctx.analysis = dsp::AnalysisContext::create();

  std::unique_ptr<storage::Store> store;
  std::unique_ptr<auth::JwtSigner> signer;
  // Events are announced by the session service and the transcription jobs:
  // it outlives both.
  sessions::SessionEvents events;
  events.subscribe([](const sessions::SessionEvent& e) {
    spdlog::debug("session {}: {}{}{}", e.session_id, sessions::event_name(e.kind), e.detail.empty() ? "" : ": ", e.detail);
  });
  std::unique_ptr<sessions::SessionService> session_service;
  std::unique_ptr<dictation::DictationServices> dictation;
  std::unique_ptr<api::Api> rest;
  std::unique_ptr<net::ssl::context> tls;
  try {
    if (config.tls()) {
      tls = make_tls_context(config);
      ctx.tls = tls.get();
    }
    std::filesystem::create_directories(config.data_dir);
    // The database and the signing secret live here: the owner's only.
    std::filesystem::permissions(config.data_dir, std::filesystem::perms::owner_all, std::filesystem::perm_options::replace);
    // Upload bodies arrive here (same file system as their final place, so the hand-over is a rename).
    std::filesystem::create_directories(config.data_dir + "/uploads");
    store = storage::Store::open(config.database_url(), config.db_pool_size, config.sqlite_cache_bytes);
    store->pool().observe({[&metrics = ctx.metrics](double waited, bool timed_out) {
                             metrics.db_pool_wait.observe(waited);
                             if (timed_out) metrics.db_pool_timeouts.fetch_add(1, std::memory_order_relaxed);
                           },
                           [&metrics = ctx.metrics](double held) { metrics.db_query.observe(held); }});
    signer = std::make_unique<auth::JwtSigner>(
        auth::load_signing_secret(std::getenv("ORATOR_JWT_SECRET"), config.jwt_secret_file, config.data_dir));
    if (ctx.config.instance_id.empty()) ctx.config.instance_id = load_instance_id(config.data_dir);
    session_service = std::make_unique<sessions::SessionService>(*store, events, ctx.config);
    dictation = dictation::make_dictation_services(store->pool(), ctx.config);
    ctx.dictation = dictation.get();
    rest = std::make_unique<api::Api>(*store, *signer, ctx.config, *session_service, auth::ScryptParams{}, dictation.get());
    // What a process that died left live or processing. On a full disk
    // this cannot be written yet: the server starts anyway (reads work,
    // writes get 507, /health says why) and tries again each lease beat.
    (void)session_service->recover();
  } catch (const std::exception& e) {
    spdlog::error("cannot start: {}", e.what());
    return 1;
  }
  spdlog::info("storage: {}", store->backend());

  pronunciation::set_models_work_dir(config.data_dir + "/pronunciation");

  // One event loop per thread: connections are spread across them, so the
  // loops do not contend on one scheduler (docs/performance.md).
  std::vector<std::unique_ptr<net::io_context>> loops;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> keep_running;
  for (int i = 0; i < threads; ++i) {
    loops.push_back(std::make_unique<net::io_context>(1));
    keep_running.push_back(net::make_work_guard(*loops.back()));
  }
  net::io_context& ioc = *loops.front();
  std::vector<std::unique_ptr<LoopLagProbe>> lag_probes;
  for (auto& loop : loops) {
    lag_probes.push_back(std::make_unique<LoopLagProbe>(*loop, ctx.metrics, ctx.admission));
    lag_probes.back()->start();
  }

  // Recognition: decoders shared by live streams and background jobs. They
  // outlive the worker pools below, whose tasks may queue jobs.
  std::unique_ptr<transcription::DecoderPool> decoders;
  std::unique_ptr<transcription::TranscriptionJobs> jobs;
  if (config.asr_threads != 0) {
    speech::RecognizerOptions options;
    options.model_dir = config.asr_model_dir;
    std::string error;
    if (auto models = speech::RecognizerModels::load(options, error, config.data_dir + "/asr")) {
      const auto n = config.asr_threads > 0 ? static_cast<std::size_t>(config.asr_threads)
                                            : std::max<std::size_t>(1, std::thread::hardware_concurrency());
      decoders = std::make_unique<transcription::DecoderPool>(std::move(models), n);
      ctx.decoders = decoders.get();
      rest->use_decoders(decoders.get());
      spdlog::info("speech recognition: {} decoders (PocketSphinx en-US)", n);
    } else {
      spdlog::warn("speech recognition off: {}", error);
    }
  } else {
    spdlog::info("speech recognition off (--asr-threads 0)");
  }
  std::optional<transcription::ProviderConfig> provider;
  if (!config.transcription_provider_url.empty()) {
    const char* key = std::getenv("ORATOR_TRANSCRIPTION_API_KEY");
    provider = transcription::ProviderConfig{config.transcription_provider_url, key ? key : "",
                                             config.transcription_provider_model, std::chrono::seconds(300)};
    spdlog::info("background transcription: {} (model {})", config.transcription_provider_url, config.transcription_provider_model);
  }
  if (decoders || provider) {
    jobs = std::make_unique<transcription::TranscriptionJobs>(*store, decoders.get(), provider, events, ctx.config);
  }

  storage::WorkerPool workers(config.db_pool_size, config.db_queue);
  workers.observe([&metrics = ctx.metrics](double waited) { metrics.db_queue_wait.observe(waited); });
  storage::WorkerPool processing(1, config.max_queued_uploads);  // recordings, one at a time
  storage::WorkerPool long_requests(config.long_request_threads, config.long_request_queue);
  session_service->attach(workers, processing, ctx.analysis, jobs.get());
  session_service->resume_uploads();
  session_service->keep_lease();
  spdlog::info("instance {}: lease {} s", ctx.config.instance_id, ctx.config.instance_lease_seconds);
  ctx.sessions = session_service.get();
  ctx.store = store.get();
  ctx.workers = &workers;
  ctx.long_requests = &long_requests;
  ctx.api = rest.get();

  LoadMonitor load_monitor(ioc, ctx);
  load_monitor.start();

  auto listener = std::make_shared<Listener>(loops, ctx);
  const std::uint16_t port = listener->open(config.host, config.port);
  if (port == 0) return 1;
  listener->start();
  spdlog::info("orator listening on {}:{} ({}) with {} threads", config.host, port,
               tls ? "https and wss" : "http and ws", threads);
  if (!config.port_file.empty()) {
    const std::string tmp = config.port_file + ".tmp";
    std::ofstream(tmp) << port << "\n";
    std::rename(tmp.c_str(), config.port_file.c_str());  // atomic: readers never see a partial file
  }

  net::signal_set signals(ioc, SIGINT, SIGTERM);
  net::steady_timer drain_timer(ioc);
  std::chrono::steady_clock::time_point deadline;
  std::function<void()> wait_for_streams = [&] {
    if (ctx.streams.size() == 0 || std::chrono::steady_clock::now() >= deadline) {
      if (ctx.streams.size() > 0) spdlog::warn("{} streams still open after the grace period", ctx.streams.size());
      keep_running.clear();
      for (auto& loop : loops) loop->stop();
      return;
    }
    drain_timer.expires_after(std::chrono::milliseconds(20));
    drain_timer.async_wait([&](boost::system::error_code) { wait_for_streams(); });
  };
  signals.async_wait([&](boost::system::error_code ec, int signal) {
    if (ec) return;
    spdlog::info("signal {}: stopping; finalising {} live streams", signal, ctx.streams.size());
    ctx.stopping = true;
    listener->stop();
    for (const auto& session : ctx.streams.snapshot()) session->shutdown();
    deadline = std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                       std::chrono::duration<double>(config.shutdown_grace_seconds));
    wait_for_streams();
  });

  std::vector<std::thread> pool;
  pool.reserve(static_cast<std::size_t>(threads - 1));
  for (int i = 1; i < threads; ++i) pool.emplace_back([&loops, i] { loops[static_cast<std::size_t>(i)]->run(); });
  ioc.run();
  for (auto& t : pool) t.join();
  // Uploads waiting for analysis keep their bytes and stay processing: the
  // next start resumes them, so stopping waits for the one in hand only.
  if (const auto left = processing.discard_queued(); left > 0)
    spdlog::info("{} queued uploads left for the next start", left);
  // Nobody waits for their answers any more: seconds each, not worth the stop's time.
  if (const auto left = long_requests.discard_queued(); left > 0) spdlog::info("{} queued long requests dropped", left);
  spdlog::info("orator stopped");
  return 0;
}

}  // namespace orator::server
