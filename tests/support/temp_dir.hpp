#pragma once
// A fresh directory under /tmp for one test, removed with everything in it
// when the object goes. Throws when it cannot be made, so a test never runs
// against a directory it did not get.
#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>

namespace orator::test_support {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "orator-test") {
    std::string name = "/tmp/" + prefix + ".XXXXXX";
    if (!::mkdtemp(name.data())) throw std::runtime_error("mkdtemp failed for " + name);
    path_ = name;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] bool empty() const { return std::filesystem::is_empty(path_); }

 private:
  std::filesystem::path path_;
};

}  // namespace orator::test_support
