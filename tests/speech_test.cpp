// speech/: word error rate, discourse-marker rule, repetitions and
// word-based pace on timed word sequences with known answers.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "speech/fluency.hpp"
#include "speech/pronouncing_dictionary.hpp"
#include "speech/pronunciation.hpp"
#include "speech/recognizer.hpp"
#include "speech/wer.hpp"
#include "speech/work_dir.hpp"
#include "support/temp_dir.hpp"

using namespace orator::speech;

namespace {

// Words of `durations` seconds separated by `gaps` (gaps[i] follows word i).
std::vector<Word> timed(const std::vector<std::string>& texts, double duration = 0.3, double gap = 0.05,
                        std::vector<std::pair<std::size_t, double>> long_gaps = {}) {
  std::vector<Word> out;
  double t = 1.0;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    Word w;
    w.text = texts[i];
    w.start = t;
    w.end = t + duration;
    w.syllables = 1;
    w.filler = is_hesitation(w.text);
    out.push_back(w);
    t = w.end + gap;
    for (auto [after, g] : long_gaps)
      if (after == i) t = w.end + g;
  }
  return out;
}

}  // namespace

TEST(Wer, CountsEachKindOfError) {
  const auto r = word_error_rate(tokenize("the cat sat on the mat"), tokenize("The cat sat on a mat today."));
  EXPECT_EQ(r.reference_words, 6);
  EXPECT_EQ(r.substitutions, 1);
  EXPECT_EQ(r.insertions, 1);
  EXPECT_EQ(r.deletions, 0);
  EXPECT_NEAR(r.wer(), 2.0 / 6, 1e-12);
  const auto d = word_error_rate(tokenize("a b c d"), tokenize("a d"));
  EXPECT_EQ(d.deletions, 2);
  EXPECT_EQ(d.alignment.size(), 4u);
  EXPECT_EQ(word_error_rate({}, tokenize("x")).wer(), 0.0);
}

TEST(Wer, NormalisesPunctuationAndCase) {
  EXPECT_EQ(tokenize("Don't STOP, it's 'fine'!"), (std::vector<std::string>{"don't", "stop", "it's", "fine"}));
}

TEST(Fluency, CountsHesitationsWithTheirTimes) {
  auto w = timed({"so", "um", "i", "think", "uh", "we", "should", "um", "go"});
  mark_discourse_markers(w);
  const auto r = analyse_fluency(w);
  EXPECT_EQ(r.words, 9);
  EXPECT_EQ(r.filler_count, 3);
  EXPECT_NEAR(r.filler_ratio, 3.0 / 9, 1e-12);
  ASSERT_EQ(r.filler_words.size(), 2u);
  EXPECT_EQ(r.filler_words[0].word, "um");
  EXPECT_EQ(r.filler_words[0].count, 2);
  EXPECT_DOUBLE_EQ(r.filler_words[0].times[0], w[1].start);
  // "so" at the start, followed by a hesitation, is a marker used as a filler.
  EXPECT_EQ(r.marker_count, 1);
  EXPECT_EQ(r.lexical_words, 5);
}

TEST(Fluency, LikeCountsOnlyWhenSetOffFromItsNeighbours) {
  // "i like tea": no pause around "like": a verb, not a filler.
  auto verb = timed({"i", "like", "tea"});
  mark_discourse_markers(verb);
  EXPECT_FALSE(verb[1].marker);
  // "it was <pause> like <pause> huge": a filler.
  auto filler = timed({"it", "was", "like", "huge"}, 0.3, 0.05, {{1, 0.4}, {2, 0.3}});
  mark_discourse_markers(filler);
  EXPECT_TRUE(filler[2].marker);
  // Pause on one side only is not enough.
  auto half = timed({"it", "was", "like", "huge"}, 0.3, 0.05, {{1, 0.4}});
  mark_discourse_markers(half);
  EXPECT_FALSE(half[2].marker);
}

TEST(Fluency, YouKnowIsOneMarker) {
  auto w = timed({"and", "uh", "you", "know", "it", "works", "you", "know", "the", "thing"}, 0.3, 0.05, {{3, 0.5}});
  mark_discourse_markers(w);
  const auto r = analyse_fluency(w);
  ASSERT_EQ(r.discourse_markers.size(), 1u);
  EXPECT_EQ(r.discourse_markers[0].word, "you know");
  EXPECT_EQ(r.discourse_markers[0].count, 1);  // the second is followed straight by "the"
  EXPECT_FALSE(w[6].marker);
}

TEST(Fluency, FindsRepetitionsAcrossFillers) {
  auto w = timed({"i", "i", "think", "the", "uh", "the", "plan", "is", "is", "is", "good", "we", "can", "we", "can", "go"});
  const auto r = analyse_fluency(w);
  ASSERT_EQ(r.repetitions.size(), 5u);
  EXPECT_EQ(r.repetitions[0].text, "i");
  EXPECT_DOUBLE_EQ(r.repetitions[0].t, w[1].start);
  EXPECT_EQ(r.repetitions[1].text, "the");
  EXPECT_EQ(r.repetitions[2].text, "is");
  EXPECT_EQ(r.repetitions[3].text, "is");
  EXPECT_EQ(r.repetitions[4].text, "we can");
  // Far apart is not a repetition.
  auto apart = timed({"go", "go"}, 0.3, 2.0);
  EXPECT_TRUE(analyse_fluency(apart).repetitions.empty());
}

TEST(Fluency, PaceExcludesPausesAndFillers) {
  // 10 words of 0.3 s, 0.05 s gaps, one 2 s pause: speaking time 10*0.3 + 8*0.05.
  std::vector<std::string> texts(10, "word");
  for (std::size_t i = 0; i < texts.size(); ++i) texts[i] += std::to_string(i);
  auto w = timed(texts, 0.3, 0.05, {{4, 2.0}});
  const auto r = analyse_fluency(w);
  EXPECT_NEAR(r.speaking_time, 3.4, 1e-9);
  EXPECT_NEAR(*r.wpm, 60.0 * 10 / 3.4, 1e-9);
  EXPECT_NEAR(*r.articulation_rate, 10 / 3.0, 1e-9);
  EXPECT_FALSE(analyse_fluency({}).wpm);
}

TEST(Recognizer, KnowsItsLanguages) {
  EXPECT_TRUE(RecognizerModels::supports_language("en-US"));
  EXPECT_TRUE(RecognizerModels::supports_language("en"));
  EXPECT_FALSE(RecognizerModels::supports_language("fr-FR"));
  EXPECT_FALSE(RecognizerModels::supports_language("eng"));
}

TEST(Recognizer, MissingModelsAreAClearError) {
  std::string error;
  RecognizerOptions o;
  o.model_dir = "/nonexistent/models";
  EXPECT_FALSE(RecognizerModels::load(o, error));
  EXPECT_NE(error.find("pocketsphinx-en-us"), std::string::npos) << error;
}

TEST(WorkDir, APrivateDirectoryGoesWithItsLastReferenceAGivenOneStays) {
  std::string error;
  std::filesystem::path made;
  {
    const auto dir = WorkDir::use({}, "orator-workdir", error);
    ASSERT_TRUE(dir) << error;
    made = dir->path();
    EXPECT_EQ(made.filename().string().rfind("orator-workdir-", 0), 0u) << made;
    std::ofstream(made / "file") << "x";
    const auto again = WorkDir::use({}, "orator-workdir", error);
    ASSERT_TRUE(again);
    EXPECT_NE(again->path(), made) << "each set of models has its own";
  }
  EXPECT_FALSE(std::filesystem::exists(made));
  const orator::test_support::TempDir temp("orator-given");
  const auto given = temp.path() / "asr";
  { EXPECT_TRUE(WorkDir::use(given.string(), "unused", error)); }
  EXPECT_TRUE(std::filesystem::is_directory(given)) << "a directory the caller named is created and kept";
  EXPECT_FALSE(WorkDir::use("/proc/orator-cannot-be-here", "unused", error));
  EXPECT_NE(error.find("/proc/orator-cannot-be-here"), std::string::npos) << error;
}

// The decoders' dictionary holds what the language model can say, the
// hesitations among it, and nothing the search could never propose.
TEST(Recognizer, DecodersLoadTheDictionaryCutToTheLanguageModel) {
  const std::filesystem::path full = RecognizerModels::default_model_dir() + "/cmudict-en-us.dict";
  if (!std::filesystem::exists(full)) {
    if (std::getenv("CI")) FAIL() << full << " missing (scripts/setup.sh installs pocketsphinx-en-us)";
    GTEST_SKIP() << full << " missing: pocketsphinx-en-us not installed";
  }
  const orator::test_support::TempDir temp("orator-asr-dict");
  std::string error;
  const auto models = RecognizerModels::load({}, error, temp.path().string());
  ASSERT_TRUE(models) << error;
  const auto& args = models->decoder_args();
  const auto at = std::find(args.begin(), args.end(), "-dict");
  ASSERT_NE(at, args.end());
  ASSERT_EQ(*(at + 1), (temp.path() / "searchable.dict").string());
  const auto words_of = [](const std::filesystem::path& path) {
    std::set<std::string> out;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) out.insert(line.substr(0, line.find(' ')));
    return out;
  };
  const auto cut = words_of(*(at + 1)), all = words_of(full);
  std::printf("decoder dictionary: %zu of %zu entries\n", cut.size(), all.size());
  EXPECT_LT(cut.size(), all.size() * 3 / 4);
  EXPECT_GT(cut.size(), all.size() / 3);
  for (const char* w : {"um", "uh", "hmm", "the", "read", "read(2)", "president"}) EXPECT_TRUE(cut.count(w)) << w;
  for (const auto& w : cut) EXPECT_TRUE(all.count(w)) << w << " is not in the pronouncing dictionary";
}

// sphinxbase's process-wide log stream (the test sees no sphinxbase header).
extern "C" FILE* err_get_logfp(void);

// Making a decoder must not swap that stream: the swap closes the stream that
// decoders on other threads may be writing to (speech/sphinx_logging.hpp).
TEST(Recognizer, MakingADecoderLeavesTheSharedLogStreamAlone) {
  if (!std::filesystem::exists(RecognizerModels::default_model_dir() + "/en-us/mdef")) {
    if (std::getenv("CI")) FAIL() << "pocketsphinx-en-us missing (scripts/setup.sh installs it)";
    GTEST_SKIP() << "pocketsphinx-en-us not installed";
  }
  const orator::test_support::TempDir temp("orator-asr-log");
  std::string error;
  const auto asr = RecognizerModels::load({}, error, (temp.path() / "asr").string());
  ASSERT_TRUE(asr) << error;
  const auto pron = PronunciationModels::load({}, error, (temp.path() / "pron").string());
  ASSERT_TRUE(pron) << error;
  for (const auto& args : {asr->decoder_args(), pron->decoder_args()})
    EXPECT_EQ(std::find(args.begin(), args.end(), "-logfn"), args.end());
  ASSERT_EQ(err_get_logfp(), nullptr) << "the log is silenced before the first decoder";
  StreamRecognizer recognizer(asr);
  EXPECT_EQ(err_get_logfp(), nullptr) << "a recogniser's decoder reopened the log";
  PronunciationAssessor assessor(pron);
  EXPECT_EQ(err_get_logfp(), nullptr) << "a pronunciation decoder reopened the log";
}

TEST(PronouncingDictionary, OneSyllablePerVowelPhoneOfTheFirstPronunciation) {
  EXPECT_EQ(vowel_phones("HH AH0 L OW1"), 2);
  EXPECT_EQ(vowel_phones("S T R EH NG K TH S"), 1);
  EXPECT_EQ(vowel_phones(""), 0);
  const orator::test_support::TempDir temp("orator-dict");
  const auto path = temp.path() / "dict";
  std::ofstream(path) << "hello HH AH L OW\nread R IY D\nread(2) R EH D\nbeautiful B Y UW T AH F AH L\n";
  std::string error;
  const auto dict = PronouncingDictionary::load(path.string(), error);
  ASSERT_TRUE(dict) << error;
  EXPECT_EQ(dict->syllables("beautiful"), 3);
  EXPECT_EQ(dict->syllables("read"), 1);
  EXPECT_FALSE(dict->syllables("zyzzyva"));
  // Unknown words are counted from their spelling, and said to be.
  const auto c = dict->count("Hello, beautiful make-believe!");
  EXPECT_EQ(c.words, 3);
  EXPECT_EQ(c.guessed, 1);
  EXPECT_EQ(c.syllables, 2 + 3 + syllables_from_spelling("make-believe"));
  EXPECT_FALSE(PronouncingDictionary::load("/nonexistent/dict", error));
  EXPECT_NE(error.find("/nonexistent/dict"), std::string::npos);
}

TEST(PronouncingDictionary, SpellingGuessesCountVowelGroups) {
  EXPECT_EQ(syllables_from_spelling("cat"), 1);
  EXPECT_EQ(syllables_from_spelling("make"), 1);
  EXPECT_EQ(syllables_from_spelling("rhythm"), 1);
  EXPECT_EQ(syllables_from_spelling("banana"), 3);
  EXPECT_EQ(syllables_from_spelling("zzz"), 1);
}
