#pragma once
// The shared corpus's MANIFEST.tsv files: which recordings have a transcript.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace orator::test_support {

struct CorpusItem {
  std::filesystem::path wav;
  std::string transcript;  // verbatim where the corpus has it
};

// "TRANSCRIPT ...: text | note", "TRANSCRIPT: text (source)" or "other truth |
// TRANSCRIPT: text" -> text.
[[nodiscard]] std::optional<std::string> transcript_of(const std::string& ground_truth);

// Recordings of `dir`'s MANIFEST.tsv with a plain transcript (partial words,
// laughter and unknown tokens have no dictionary form: those are left out).
[[nodiscard]] std::vector<CorpusItem> manifest(const std::filesystem::path& dir);

[[nodiscard]] std::string read_text(const std::filesystem::path& path);

}  // namespace orator::test_support
