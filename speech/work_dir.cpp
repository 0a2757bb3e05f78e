#include "speech/work_dir.hpp"

#include <stdlib.h>

#include <system_error>
#include <vector>

namespace orator::speech {
namespace fs = std::filesystem;

std::shared_ptr<const WorkDir> WorkDir::use(const std::string& dir, const std::string& prefix, std::string& error) {
  std::error_code ec;
  if (!dir.empty()) {
    fs::create_directories(dir, ec);
    if (ec) {
      error = "cannot create " + dir + ": " + ec.message();
      return nullptr;
    }
    return std::make_shared<const WorkDir>(fs::path(dir), false);
  }
  const fs::path base = fs::temp_directory_path(ec);
  std::string pattern = ((ec ? fs::path("/tmp") : base) / (prefix + "-XXXXXX")).string();
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (!::mkdtemp(buffer.data())) {
    error = "cannot create a temporary directory like " + pattern;
    return nullptr;
  }
  return std::make_shared<const WorkDir>(fs::path(buffer.data()), true);
}

WorkDir::~WorkDir() {
  if (!owned_) return;
  std::error_code ec;
  fs::remove_all(path_, ec);  // best effort: nothing to do about a failure here
}

}  // namespace orator::speech
