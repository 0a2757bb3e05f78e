#pragma once
// Locates ../shared/corpus (or $ORATOR_CORPUS). Tests skip when it is absent.
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

namespace orator::test_support {

inline std::optional<std::filesystem::path> corpus_dir() {
  if (const char* env = std::getenv("ORATOR_CORPUS"); env && *env) {
    if (std::filesystem::is_directory(env)) return std::filesystem::path(env);
    return std::nullopt;
  }
  const std::filesystem::path dflt = ORATOR_DEFAULT_CORPUS;
  if (std::filesystem::is_directory(dflt)) return dflt;
  return std::nullopt;
}

}  // namespace orator::test_support
