#include "support/server_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace orator::test_support {

ServerProcess::ServerProcess(std::vector<std::string> extra_args, ProcessLimits limits) {
  char tmpl[] = "/tmp/orator-test-XXXXXX";
  if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  const std::string port_file = dir_ + "/port";
  // $ORATOR_TEST_SERVER runs another build (e.g. an older one, to see a regression test fail on it).
  const char* binary = std::getenv("ORATOR_TEST_SERVER");
  std::vector<std::string> args = {binary && *binary ? binary : ORATOR_SERVER_BINARY, "--port", "0", "--port-file", port_file, "--host", "127.0.0.1",
                                   "--data-dir", dir_ + "/data",
                                   // Tests share a busy machine: its CPU and lag would refuse their streams.
                                   // Admission control is tested with these set (extra flags win).
                                   "--admission-cpu", "0", "--admission-loop-lag-ms", "0"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());

  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    const int fd = open((dir_ + "/server.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    if (limits.open_files) {
      const rlimit l{limits.open_files, limits.open_files};
      setrlimit(RLIMIT_NOFILE, &l);
    }
    if (limits.address_space_bytes) {
      const rlimit l{limits.address_space_bytes, limits.address_space_bytes};
      setrlimit(RLIMIT_AS, &l);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(port_file);
    if (in >> port_) return;
    if (!running()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw std::runtime_error("server did not start; log:\n" + log());
}

ServerProcess::~ServerProcess() {
  if (running()) stop(SIGKILL, 5);
  std::error_code ec;
  if (!std::getenv("ORATOR_KEEP_TEST_LOGS")) std::filesystem::remove_all(dir_, ec);
}

bool ServerProcess::running() const {
  if (pid_ <= 0) return false;
  return waitpid(pid_, nullptr, WNOHANG) == 0;
}

int ServerProcess::stop(int signal, double timeout_s) {
  if (pid_ <= 0) return -1;
  kill(pid_, signal);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    const pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      return -WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return -SIGKILL;
}

std::string ServerProcess::log() const {
  std::ifstream in(dir_ + "/server.log");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool ServerProcess::wait_for_log(const std::string& text, double timeout_s) const {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  while (log().find(text) == std::string::npos) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

}  // namespace orator::test_support
