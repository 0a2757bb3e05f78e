// A long stream's timeline in a file (SecondsFile) instead of memory: the
// report read back from it is the report kept in memory, to the byte, and a
// spill that cannot be written loses nothing.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "dsp/analyzer.hpp"
#include "protocol/messages.hpp"
#include "server/sessions/seconds_file.hpp"
#include "support/analysis.hpp"
#include "support/signals.hpp"

namespace {
using namespace orator;
using server::sessions::SecondsFile;

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    char name[] = "/tmp/orator-spill.XXXXXX";
    if (!::mkdtemp(name)) throw std::runtime_error("mkdtemp failed");
    path = name;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  [[nodiscard]] bool empty() const { return std::filesystem::is_empty(path); }
};

TEST(SecondsFile, ReadsBackWhatWasWrittenAndLeavesNoFile) {
  TempDir dir;
  SecondsFile file(dir.path.string());
  std::array<std::byte, 8> out{};
  EXPECT_TRUE(file.read_at(0, {}));  // nothing written: nothing to read
  EXPECT_FALSE(file.read_at(0, out));
  EXPECT_FALSE(file.made());
  const std::array<std::byte, 8> first{std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4},
                                       std::byte{5}, std::byte{6}, std::byte{7}, std::byte{8}};
  ASSERT_TRUE(file.write_at(0, first));
  ASSERT_TRUE(file.write_at(8, first));
  EXPECT_TRUE(file.made());
  EXPECT_TRUE(dir.empty()) << "the file is unlinked once open";
  ASSERT_TRUE(file.read_at(4, out));
  EXPECT_EQ(out[0], std::byte{5});
  EXPECT_EQ(out[4], std::byte{1});
  EXPECT_FALSE(file.read_at(12, out)) << "past the end";

  SecondsFile nowhere((dir.path / "missing").string());
  EXPECT_FALSE(nowhere.write_at(0, first));
  EXPECT_FALSE(nowhere.made());
}

// 9 minutes of intoned speech with pauses: two spill blocks and a part.
const std::vector<float>& long_talk() {
  static const std::vector<float> audio = [] {
    std::vector<float> out;
    for (int minute = 0; minute < 9; ++minute) {
      test_support::append(out, test_support::intoned_syllables(16000, 50.0, 120.0 + 4 * minute, 25, 0.05 + 0.005 * minute));
      test_support::append(out, test_support::silence(16000, 10.0));
    }
    return out;
  }();
  return audio;
}

struct Reports {
  std::string at_five_minutes, final;
};

Reports analyse(const std::vector<float>& audio, dsp::SecondsSpill* spill) {
  static const auto context = dsp::AnalysisContext::create();
  test_support::RecordedAnalysis sink;
  dsp::StreamAnalyzer analyzer(context, {dsp::Mode::presentation, 16000, 250}, sink);
  analyzer.set_timeline_spill(spill);
  Reports out;
  constexpr std::size_t kBlock = 320;
  for (std::size_t i = 0; i < audio.size(); i += kBlock) {
    analyzer.push(std::span<const float>(audio.data() + i, std::min(kBlock, audio.size() - i)));
    if (i == 16000 * 300) out.at_five_minutes = protocol::assessment_json("s", analyzer.snapshot());
  }
  out.final = protocol::assessment_json("s", analyzer.finish(true));
  return out;
}

const Reports& in_memory() {
  static const Reports reports = analyse(long_talk(), nullptr);
  return reports;
}

TEST(TimelineSpill, TheReportFromAFileIsTheReportFromMemory) {
  TempDir dir;
  SecondsFile file(dir.path.string());
  const Reports spilled = analyse(long_talk(), &file);
  EXPECT_TRUE(file.made());
  EXPECT_TRUE(dir.empty());
  ASSERT_GT(in_memory().final.size(), 30000u) << "the timeline is in the report";
  EXPECT_EQ(spilled.at_five_minutes, in_memory().at_five_minutes) << "a checkpoint reads the file back too";
  EXPECT_EQ(spilled.final, in_memory().final);
  std::printf("9-minute report: %zu bytes, %s from the file and from memory\n", spilled.final.size(),
              spilled.final == in_memory().final ? "identical" : "DIFFERENT");
}

TEST(TimelineSpill, ASpillThatCannotBeWrittenKeepsTheSecondsInMemory) {
  TempDir dir;
  SecondsFile nowhere((dir.path / "missing").string());  // every write fails, as on a full disk
  const Reports kept = analyse(long_talk(), &nowhere);
  EXPECT_FALSE(nowhere.made());
  EXPECT_EQ(kept.final, in_memory().final);
}

}  // namespace
