#pragma once
// Reads the intervals of one tier of a Praat TextGrid (long or short text form).
#include <optional>
#include <string>
#include <vector>

namespace orator::test_support {

struct TextGridInterval {
  double start = 0, end = 0;
  std::string text;
};

[[nodiscard]] std::optional<std::vector<TextGridInterval>> read_textgrid_tier(const std::string& path, const std::string& tier);

}  // namespace orator::test_support
