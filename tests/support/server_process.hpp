#pragma once
// Starts the real orator-server binary on a free port for a test, and stops it.
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace orator::test_support {

// Resource limits the server starts under (0: inherited).
struct ProcessLimits {
  std::uint64_t open_files = 0;          // RLIMIT_NOFILE, soft and hard
  std::uint64_t address_space_bytes = 0; // RLIMIT_AS, soft and hard
};

class ServerProcess {
 public:
  // Extra flags are appended to `--port 0 --port-file ... --data-dir <temp>`
  // (a fresh SQLite database and JWT secret per server).
  explicit ServerProcess(std::vector<std::string> extra_args = {}, ProcessLimits limits = {});
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  // Sends `signal` and waits for exit; returns the exit status (or -signal if killed).
  int stop(int signal, double timeout_s = 15.0);
  bool running() const;
  // Everything the server printed so far.
  std::string log() const;
  // The server's own temporary directory (its data directory is <dir>/data).
  const std::string& dir() const { return dir_; }
  // Waits until the log contains `text`; false on timeout.
  bool wait_for_log(const std::string& text, double timeout_s = 5.0) const;

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string dir_;
};

}  // namespace orator::test_support
