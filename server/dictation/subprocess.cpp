#include "server/dictation/subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

extern char** environ;

namespace orator::server::dictation {
namespace {
constexpr std::size_t kMaxStderr = 4096;
}

std::string ProgramResult::explain() const {
  if (!failure.empty()) return failure;
  std::string line = err.substr(0, err.find('\n'));
  return "exited with status " + std::to_string(exit_code) + (line.empty() ? "" : ": " + line);
}

ProgramResult run_program(const std::vector<std::string>& argv, std::chrono::milliseconds timeout, std::size_t max_output) {
  ProgramResult result;
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) return result.failure = "cannot create a pipe", result;
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    close(out_pipe[0]), close(out_pipe[1]);
    return result.failure = "cannot create a pipe", result;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int spawned = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (spawned != 0) {
    close(out_pipe[0]), close(err_pipe[0]);
    result.failure = argv[0] + " could not be started: " + std::strerror(spawned);
    return result;
  }

  const auto deadline = std::chrono::steady_clock::now() + timeout;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  int open_fds = 2;
  char buffer[65536];
  while (open_fds > 0 && result.failure.empty()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) {
      result.failure = argv[0] + " took longer than " + std::to_string(timeout.count() / 1000) + " s";
      break;
    }
    if (poll(fds, 2, static_cast<int>(left)) < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
      if (n <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
        continue;
      }
      std::string& into = i == 0 ? result.out : result.err;
      if (i == 1 && into.size() >= kMaxStderr) continue;
      into.append(buffer, static_cast<std::size_t>(n));
      if (i == 0 && into.size() > max_output) result.failure = argv[0] + " printed more than its output limit";
    }
  }
  for (auto& f : fds)
    if (f.fd >= 0) close(f.fd);
  if (!result.failure.empty()) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (result.failure.empty()) result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (result.failure.empty() && WIFSIGNALED(status)) result.failure = argv[0] + " was killed by signal " + std::to_string(WTERMSIG(status));
  return result;
}

TempFile::TempFile(const std::string& contents) {
  const char* dir = std::getenv("TMPDIR");
  std::string pattern = std::string(dir && *dir ? dir : "/tmp") + "/orator-XXXXXX";
  const int fd = mkstemp(pattern.data());
  if (fd < 0) return;
  std::size_t written = 0;
  while (written < contents.size()) {
    const ssize_t n = write(fd, contents.data() + written, contents.size() - written);
    if (n <= 0) break;
    written += static_cast<std::size_t>(n);
  }
  close(fd);
  if (written == contents.size()) path_ = pattern;
  else unlink(pattern.c_str());
}

TempFile::~TempFile() {
  if (!path_.empty()) unlink(path_.c_str());
}

}  // namespace orator::server::dictation
