#pragma once
// Runs the server until SIGINT/SIGTERM: an io_context per core, each run by
// its own thread, connections spread across them round-robin, a strand per
// connection. On a signal it stops accepting, finalises every
// live stream (assessment sent, close 1001) within the grace period, and
// returns 0.
#include "server/config.hpp"

namespace orator::server {

[[nodiscard]] int run_server(const ServerConfig& config);

}  // namespace orator::server
