// orator-server: the real-time speech-analysis server (docs/configuration.md).
#include <malloc.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "server/config.hpp"
#include "server/json_log.hpp"
#include "server/server.hpp"

int main(int argc, char** argv) {
  // A long stream's checkpoint reports are big, short-lived buffers that grow
  // with the stream. glibc's sliding mmap threshold rises to the size of the
  // first one freed, so later ones come from the heap, each leaving a hole a
  // little too small for the next. Fixed, every block of 64 KiB or more has
  // its own mapping and goes back on free (docs/performance.md, "Soak").
  mallopt(M_MMAP_THRESHOLD, 64 * 1024);
  const std::vector<std::string> args(argv + 1, argv + argc);
  const auto parsed = orator::server::parse_config(args, [](const char* name) -> const char* { return std::getenv(name); });
  if (parsed.help) {
    std::fputs(orator::server::usage().c_str(), stdout);
    return 0;
  }
  if (!parsed.config) {
    std::fprintf(stderr, "orator-server: %s\n\n%s", parsed.error.c_str(), orator::server::usage().c_str());
    return 2;
  }
  spdlog::set_level(spdlog::level::from_str(parsed.config->log_level));
  if (parsed.config->json_logs) spdlog::set_formatter(orator::server::make_json_log_formatter());
  try {
    return orator::server::run_server(*parsed.config);
  } catch (const std::exception& e) {
    spdlog::critical("fatal: {}", e.what());
    return 1;
  }
}
