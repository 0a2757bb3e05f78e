#include "support/textgrid.hpp"

#include <fstream>

namespace orator::test_support {
namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

// The file's values in order. The short form has one value a line; the long
// form has "key = value" lines and "item [1]:" headers, which carry none.
std::vector<std::string> values(std::istream& in) {
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    line = trim(line);
    if (line.empty() || line.back() == ':') continue;
    if (const auto eq = line.find(" = "); eq != std::string::npos && line.front() != '"') line = trim(line.substr(eq + 3));
    else if (line.rfind("tiers? ", 0) == 0) line = trim(line.substr(7));
    if (line.size() >= 2 && line.front() == '"' && line.back() == '"') line = line.substr(1, line.size() - 2);
    out.push_back(line);
  }
  return out;
}

}  // namespace

std::optional<std::vector<TextGridInterval>> read_textgrid_tier(const std::string& path, const std::string& tier) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  const auto v = values(in);
  // Each tier: class, name, xmin, xmax, count, then count x (start, end, text).
  for (std::size_t i = 0; i + 4 < v.size(); ++i) {
    if (v[i] != "IntervalTier" || v[i + 1] != tier) continue;
    const int n = std::stoi(v[i + 4]);
    std::vector<TextGridInterval> out;
    for (std::size_t k = i + 5; static_cast<int>(out.size()) < n && k + 2 < v.size(); k += 3)
      out.push_back({std::stod(v[k]), std::stod(v[k + 1]), v[k + 2]});
    return out;
  }
  return std::nullopt;
}

}  // namespace orator::test_support
