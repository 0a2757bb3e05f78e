#pragma once
// Runs another program (espeak-ng, apertium: GPL tools we use without
// linking) with a deadline and a bound on what it may print. Blocking;
// thread-safe (no shared state).
#include <chrono>
#include <string>
#include <vector>

namespace orator::server::dictation {

struct ProgramResult {
  int exit_code = -1;      // -1 when it did not exit by itself
  std::string out, err;    // stdout, and the start of stderr
  std::string failure;     // why it did not run to the end: not found, timed out, output too large
  [[nodiscard]] bool ok() const { return failure.empty() && exit_code == 0; }
  // failure, or the exit code and the first line of stderr: for an error message.
  [[nodiscard]] std::string explain() const;
};

// argv[0] is looked up on PATH. stdin is /dev/null: pass input as a file.
[[nodiscard]] ProgramResult run_program(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                                        std::size_t max_output);

// A file that is removed when this goes out of scope (input for a program).
class TempFile {
 public:
  explicit TempFile(const std::string& contents);
  ~TempFile();
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] bool ok() const { return !path_.empty(); }

 private:
  std::string path_;
};

}  // namespace orator::server::dictation
