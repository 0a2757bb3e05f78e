// A long stream's timeline and pauses in a file (ReportSpillFile) instead of memory: the
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
#include "server/sessions/report_spill_file.hpp"
#include "support/analysis.hpp"
#include "support/signals.hpp"
#include "support/temp_dir.hpp"

namespace {
using namespace orator;
using server::sessions::ReportSpillFile;
using test_support::TempDir;

TEST(ReportSpillFile, ReadsBackWhatWasWrittenAndLeavesNoFile) {
  TempDir dir("orator-spill");
  ReportSpillFile file(dir.path().string());
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

  ReportSpillFile nowhere((dir.path() / "missing").string());
  EXPECT_FALSE(nowhere.write_at(0, first));
  EXPECT_FALSE(nowhere.made());
}

// 9 minutes of intoned phrases, 1.1 s each with a 0.4 s pause: two timeline
// blocks and a part, one pause block and a part.
const std::vector<float>& long_talk() {
  static const std::vector<float> audio = [] {
    std::vector<float> out;
    for (int phrase = 0; phrase < 9 * 40; ++phrase) {
      test_support::append(out, test_support::intoned_syllables(16000, 1.1, 120.0 + phrase % 7, 25, 0.05 + 0.0005 * (phrase % 11)));
      test_support::append(out, test_support::silence(16000, 0.4));
    }
    return out;
  }();
  return audio;
}

struct Reports {
  std::string at_eight_minutes, final;
  std::size_t pauses = 0;
};

Reports analyse(const std::vector<float>& audio, dsp::ReportSpill* spill) {
  static const auto context = dsp::AnalysisContext::create();
  test_support::RecordedAnalysis sink;
  dsp::StreamAnalyzer analyzer(context, {dsp::Mode::presentation, 16000, 250}, sink);
  analyzer.set_report_spill(spill);
  Reports out;
  constexpr std::size_t kBlock = 320;
  for (std::size_t i = 0; i < audio.size(); i += kBlock) {
    analyzer.push(std::span<const float>(audio.data() + i, std::min(kBlock, audio.size() - i)));
    if (i == 16000 * 480) out.at_eight_minutes = protocol::assessment_json("s", analyzer.snapshot());
  }
  const dsp::Assessment report = analyzer.finish(true);
  out.pauses = report.pauses.size();
  out.final = protocol::assessment_json("s", report);
  return out;
}

const Reports& in_memory() {
  static const Reports reports = analyse(long_talk(), nullptr);
  return reports;
}

TEST(ReportSpill, TheReportFromAFileIsTheReportFromMemory) {
  TempDir dir("orator-spill");
  ReportSpillFile file(dir.path().string());
  const Reports spilled = analyse(long_talk(), &file);
  EXPECT_TRUE(file.made());
  EXPECT_TRUE(dir.empty());
  ASSERT_GT(in_memory().final.size(), 30000u) << "the timeline is in the report";
  ASSERT_GT(in_memory().pauses, 300u) << "more pauses than one block holds";
  EXPECT_EQ(spilled.pauses, in_memory().pauses);
  EXPECT_EQ(spilled.at_eight_minutes, in_memory().at_eight_minutes) << "a checkpoint reads the file back too";
  EXPECT_EQ(spilled.final, in_memory().final);
  std::printf("9-minute report: %zu bytes, %zu pauses, %s from the file and from memory\n", spilled.final.size(), spilled.pauses,
              spilled.final == in_memory().final ? "identical" : "DIFFERENT");
}

TEST(ReportSpill, ASpillThatCannotBeWrittenKeepsEverythingInMemory) {
  TempDir dir("orator-spill");
  ReportSpillFile nowhere((dir.path() / "missing").string());  // every write fails, as on a full disk
  const Reports kept = analyse(long_talk(), &nowhere);
  EXPECT_FALSE(nowhere.made());
  EXPECT_EQ(kept.final, in_memory().final);
}

// A spill that refuses every write, counting how often it is asked.
struct RefusingSpill final : dsp::ReportSpill {
  int writes = 0;
  bool write_at(std::uint64_t, std::span<const std::byte>) override {
    ++writes;
    return false;
  }
  bool read_at(std::uint64_t, std::span<std::byte>) const override { return false; }
};

TEST(ReportSpill, AFullDiskIsAskedOncePerBlockNotOnEveryFrame) {
  RefusingSpill full;
  const Reports kept = analyse(long_talk(), &full);
  EXPECT_EQ(kept.final, in_memory().final);
  EXPECT_EQ(full.writes, 3) << "540 seconds and 359 pauses: two blocks of seconds, one of pauses";
}

}  // namespace
