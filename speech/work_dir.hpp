#pragma once
// Where a model set writes the files its decoders read when they are
// created (a cut dictionary, a hesitation model): the caller's directory,
// kept, or a private temporary one that goes with the last reference, so
// that tests and benchmarks leave nothing behind.
//
// Immutable once made; thread-safe.
#include <filesystem>
#include <memory>
#include <string>

namespace orator::speech {

class WorkDir {
 public:
  // `dir` empty: a new directory under the system's temporary one, named
  // `prefix` and a unique suffix. nullptr with `error` set when it cannot be made.
  [[nodiscard]] static std::shared_ptr<const WorkDir> use(const std::string& dir, const std::string& prefix, std::string& error);

  WorkDir(std::filesystem::path path, bool owned) : path_(std::move(path)), owned_(owned) {}
  ~WorkDir();
  WorkDir(const WorkDir&) = delete;
  WorkDir& operator=(const WorkDir&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  bool owned_;
};

}  // namespace orator::speech
