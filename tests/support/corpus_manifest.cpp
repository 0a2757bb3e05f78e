#include "support/corpus_manifest.hpp"

#include <fstream>
#include <sstream>

namespace orator::test_support {

std::optional<std::string> transcript_of(const std::string& ground_truth) {
  // The transcript leads the column, or follows other truth as "| TRANSCRIPT: ".
  std::string truth = ground_truth;
  if (truth.rfind("TRANSCRIPT", 0) != 0) {
    const auto at = truth.find("| TRANSCRIPT");
    if (at == std::string::npos) return std::nullopt;
    truth.erase(0, at + 2);
  }
  auto colon = truth.find(": ");
  if (colon == std::string::npos) return std::nullopt;
  std::string text = truth.substr(colon + 2);
  for (const char* end : {" | ", " ("})
    if (auto p = text.find(end); p != std::string::npos) text.resize(p);
  return text;
}

std::vector<CorpusItem> manifest(const std::filesystem::path& dir) {
  std::vector<CorpusItem> out;
  std::ifstream in(dir / "MANIFEST.tsv");
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::vector<std::string> cols;
    std::stringstream ss(line);
    for (std::string c; std::getline(ss, c, '\t');) cols.push_back(c);
    if (cols.size() < 5) continue;
    auto text = transcript_of(cols[4]);
    if (!text || text->find('<') != std::string::npos || text->find('[') != std::string::npos) continue;
    out.push_back({dir / cols[0], *text});
  }
  return out;
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace orator::test_support
