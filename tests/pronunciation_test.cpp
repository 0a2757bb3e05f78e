// Pronunciation assessment against a target text: text to phones, forced
// alignment and goodness of pronunciation, on speech whose truth we
// control (flite and espeak-ng reading sentences with deliberate
// substitutions) and on the shared speechocean762 subset (expert scores).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <fstream>
#include <map>
#include <numeric>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "server/dictation/speech_synthesis.hpp"
#include "server/pronunciation/library.hpp"
#include "server/pronunciation/live_pronunciation.hpp"
#include "speech/phonemes.hpp"
#include "speech/pronunciation.hpp"
#include "speech/spoken_text.hpp"
#include "support/corpus.hpp"
#include "support/posted_calls.hpp"
#include "support/signals.hpp"
#include "support/wav.hpp"

namespace {
using namespace orator;
using speech::WordStatus;

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

std::vector<std::string> spoken(const std::string& text) {
  std::vector<std::string> out;
  for (const auto& t : speech::spoken_tokens(text)) out.insert(out.end(), t.spoken.begin(), t.spoken.end());
  return out;
}

TEST(SpokenText, NumbersAreWrittenOut) {
  EXPECT_EQ(joined(spoken("I have 3 cats.")), "i have three cats");
  EXPECT_EQ(joined(spoken("Room 105, floor 21st")), "room one hundred five floor twenty first");
  EXPECT_EQ(joined(spoken("In 1999 and 2024 and 2005")), "in nineteen ninety nine and twenty twenty four and two thousand five");
  EXPECT_EQ(joined(spoken("It rose 3.5% to 10,000")), "it rose three point five percent to ten thousand");
  EXPECT_EQ(joined(spoken("Salt & pepper, well-known \"facts\"")), "salt and pepper well known facts");
  EXPECT_EQ(joined(spoken("Don't stop!")), "don't stop");
  EXPECT_EQ(joined(spoken("At 6:30, 9:05 or 7:00")), "at six thirty nine oh five or seven o'clock");
  EXPECT_EQ(joined(speech::number_words(1'000'001)), "one million one");
}

std::shared_ptr<const speech::PronunciationModels> models() {
  static const auto loaded = [] {
    std::string error;
    auto m = speech::PronunciationModels::load({}, error);
    if (!m) ADD_FAILURE() << error;
    return m;
  }();
  return loaded;
}

TEST(Lexicon, DictionaryVariantsAndLetterToSound) {
  const auto& lex = models()->lexicon();
  EXPECT_GT(lex.size(), 130000u);
  const auto read = lex.lookup("read");
  ASSERT_EQ(read.variants.size(), 2u);
  EXPECT_EQ(joined(read.variants[0]), "R EH D");
  EXPECT_EQ(joined(read.variants[1]), "R IY D");
  EXPECT_FALSE(read.guessed);
  const auto made_up = lex.lookup("glorbish");
  ASSERT_EQ(made_up.variants.size(), 1u);
  EXPECT_TRUE(made_up.guessed);
  EXPECT_EQ(made_up.variants[0].front(), "G") << joined(made_up.variants[0]);
  for (const auto& p : made_up.variants[0]) EXPECT_TRUE(speech::find_phoneme(p)) << p;
}

TEST(Pronunciation, TargetsThatCannotBeAssessedSayWhy) {
  std::string error;
  EXPECT_FALSE(models()->prepare("", error));
  EXPECT_NE(error.find("no words"), std::string::npos) << error;
  EXPECT_FALSE(models()->prepare("?! ...", error));
  std::string long_text;
  for (int i = 0; i < 51; ++i) long_text += "word ";
  EXPECT_FALSE(models()->prepare(long_text, error));
  EXPECT_NE(error.find("at most 50"), std::string::npos) << error;
  const auto t = models()->prepare("Meet me at 5.", error);
  ASSERT_TRUE(t);
  ASSERT_EQ(t->words.size(), 4u);
  EXPECT_EQ(t->words[3].written, "5");
  EXPECT_EQ(t->words[3].spoken, "five");
}

bool has_phone(const speech::Lexicon& lex, const std::string& word, const std::string& phone, const std::string& position) {
  for (const auto& v : lex.lookup(word).variants) {
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (v[i] != phone) continue;
      if (position.empty() || (position == "initial" && i == 0) || (position == "final" && i + 1 == v.size()) ||
          (position == "medial" && i > 0 && i + 1 < v.size()))
        return true;
    }
  }
  return false;
}

// The library's data says what the dictionary says: each example word has
// its phoneme where the entry claims, each minimal pair has the two phonemes.
TEST(PronunciationLibrary, ExamplesAndMinimalPairsAgreeWithTheDictionary) {
  std::string error;
  const auto* library = server::pronunciation::library(&error);
  ASSERT_TRUE(library) << error;
  const auto& lex = models()->lexicon();
  ASSERT_EQ(library->phonemes().size(), 39u);
  int vowels = 0;
  for (const auto& v : library->phonemes()) {
    const auto& p = v.as_object();
    const std::string symbol(p.at("symbol").as_string());
    const auto known = speech::find_phoneme(symbol);
    ASSERT_TRUE(known) << symbol;
    EXPECT_EQ(p.at("ipa").as_string(), known->ipa) << symbol;
    EXPECT_EQ(p.at("type").as_string() == "vowel", known->vowel) << symbol;
    vowels += known->vowel ? 1 : 0;
    EXPECT_GE(p.at("tip").as_string().size(), 40u) << symbol;
    EXPECT_GE(p.at("examples").as_array().size(), 2u) << symbol;
    for (const auto& e : p.at("examples").as_array()) {
      const std::string word(e.at("word").as_string()), position(e.at("position").as_string());
      EXPECT_TRUE(has_phone(lex, word, symbol, position)) << symbol << " " << position << " in \"" << word << "\"";
    }
    for (const auto& c : p.at("confusions").as_array()) {
      const std::string with(c.at("with").as_string());
      EXPECT_TRUE(speech::find_phoneme(with)) << with;
      for (const auto& pair : c.at("minimal_pairs").as_array()) {
        const std::string a(pair.at(0).as_string()), b(pair.at(1).as_string());
        EXPECT_TRUE(has_phone(lex, a, symbol, "")) << symbol << " in \"" << a << "\"";
        EXPECT_TRUE(has_phone(lex, b, with, "")) << with << " in \"" << b << "\"";
      }
    }
  }
  EXPECT_EQ(vowels, 15);
  // Sentences: enough, spread over the difficulties, every one pronounceable.
  std::map<std::string, int> by_difficulty;
  std::set<std::string> ids, exercised;
  for (const auto& s : library->sentences()) {
    ++by_difficulty[std::string(server::pronunciation::difficulty_name(s.difficulty))];
    EXPECT_TRUE(ids.insert(s.id).second) << "duplicate sentence: " << s.text;
    EXPECT_FALSE(s.words.empty()) << s.text;
    exercised.insert(s.exercises.begin(), s.exercises.end());
  }
  std::printf("[ pronunciation ] library: %zu sentences (beginner %d, intermediate %d, advanced %d), %zu phonemes exercised\n",
              library->sentences().size(), by_difficulty["beginner"], by_difficulty["intermediate"], by_difficulty["advanced"],
              exercised.size());
  EXPECT_GE(library->sentences().size(), 300u);
  for (const char* d : {"beginner", "intermediate", "advanced"}) EXPECT_GE(by_difficulty[d], 40) << d;
  EXPECT_GE(exercised.size(), 35u) << "nearly every phoneme has sentences that exercise it";
  // Recommendations for weak phonemes exercise them; a new learner gets variety.
  const auto for_th = library->recommend({"TH", "R"}, std::nullopt, 6);
  ASSERT_EQ(for_th.size(), 6u);
  int th = 0, r = 0;
  for (const auto* s : for_th) {
    th += std::count(s->exercises.begin(), s->exercises.end(), "TH") > 0 ? 1 : 0;
    r += std::count(s->exercises.begin(), s->exercises.end(), "R") > 0 ? 1 : 0;
  }
  EXPECT_GE(th, 2);
  EXPECT_GE(r, 2);
  const auto fresh = library->recommend({}, std::nullopt, 8);
  ASSERT_EQ(fresh.size(), 8u);
  std::set<std::string> first_exercises;
  for (const auto* s : fresh) {
    EXPECT_EQ(s->difficulty, server::pronunciation::Difficulty::beginner) << s->text;
    if (!s->exercises.empty()) first_exercises.insert(s->exercises.front());
  }
  EXPECT_GE(first_exercises.size(), 6u) << "a new learner's sentences exercise different phonemes";
}

std::vector<float> synthesise(server::dictation::SpeechSynthesis& tts, const std::string& text, const std::string& voice) {
  const auto r = tts.synthesise(text, voice, server::dictation::SpeakingRate::normal);
  EXPECT_TRUE(r.error.empty()) << r.error;
  std::vector<float> out(r.samples.size() + 8000, 0.0f);  // and half a second of silence after
  for (std::size_t i = 0; i < r.samples.size(); ++i) out[i + 4000] = static_cast<float>(r.samples[i]) / 32768.0f;
  return out;
}

// Speech under a microphone's faint hiss (about -65 dBFS): digital silence is
// no pause a reader makes.
void under_hiss(std::vector<float>& audio, std::uint32_t seed) {
  const auto hiss = test_support::white_noise(16000, static_cast<double>(audio.size()) / 16000 + 1, 0.00058, seed);
  for (std::size_t i = 0; i < audio.size(); ++i) audio[i] += hiss[i];
}

std::size_t words_in(const std::string& text) { return static_cast<std::size_t>(std::count(text.begin(), text.end(), ' ') + 1); }

struct Substitution {
  const char* target;
  const char* said;
  const char* word;      // the target word read wrongly
  const char* expected;  // its phone that was replaced
  const char* heard;     // the phone said instead
};

const Substitution kSubstitutions[] = {
    {"I saw a big ship in the harbour", "I saw a big sheep in the harbour", "ship", "IH", "IY"},
    {"Please turn on the light", "Please turn on the right", "light", "L", "R"},
    {"I think it will rain today", "I sink it will rain today", "think", "TH", "S"},
    {"The van is parked outside", "The fan is parked outside", "van", "V", "F"},
    {"That was a bad day", "That was a bed day", "bad", "AE", "EH"},
    {"She has a thin coat", "She has a tin coat", "thin", "TH", "T"},
    {"He bought a cheap car", "He bought a jeep car", "cheap", "CH", "JH"},
    {"We sat on the boat", "We sat on the vote", "boat", "B", "V"},
};

TEST(Pronunciation, SubstitutedPhonesAreFoundInSyntheticSpeech) {
  server::dictation::SpeechSynthesis tts;
  speech::PronunciationAssessor assessor(models());
  std::vector<std::string> voices = {"flite:cmu_us_slt"};
  if (tts.espeak_available()) voices.emplace_back("espeak-ng:en-us");
  else if (std::getenv("CI")) ADD_FAILURE() << "espeak-ng missing under CI";
  int substituted = 0, flagged = 0, flagged_right_phone = 0, correct_words = 0, correct_flagged = 0;
  std::vector<double> gop_right, gop_wrong;
  for (const auto& voice : voices) {
    for (const auto& s : kSubstitutions) {
      std::string error;
      const auto target = models()->prepare(s.target, error);
      ASSERT_TRUE(target) << error;
      // Read as written: every word should pass.
      const auto clean = assessor.assess(synthesise(tts, s.target, voice), *target);
      for (const auto& w : clean.words) {
        ++correct_words;
        if (w.status != WordStatus::correct) ++correct_flagged;
        for (const auto& p : w.phones) gop_right.push_back(p.gop);
      }
      // Read with one substitution.
      const auto wrong = assessor.assess(synthesise(tts, s.said, voice), *target);
      if (std::getenv("ORATOR_PRONUNCIATION_TRACE"))
        for (const auto& w : wrong.words)
          std::printf("  %s %s %d [%.2f-%.2f] %zu phones\n", w.text.c_str(), std::string(speech::word_status_name(w.status)).c_str(), w.score,
                      w.start, w.end, w.phones.size());
      for (const auto& w : wrong.words) {
        if (w.text != s.word) {
          ++correct_words;
          if (w.status != WordStatus::correct) ++correct_flagged;
          continue;
        }
        ++substituted;
        std::string phones;
        for (const auto& p : w.phones) {
          char gop[32];
          std::snprintf(gop, sizeof gop, "%.4f", p.gop);
          phones += " " + p.phone + "(" + std::to_string(p.score) + " " + gop + (p.said_as.empty() ? "" : "->" + p.said_as) + ")";
          if (p.phone == s.expected) gop_wrong.push_back(p.gop);
        }
        if (w.status == WordStatus::mispronounced) {
          ++flagged;
          for (const auto& p : w.phones)
            if (p.phone == s.expected && p.score < 50) {
              ++flagged_right_phone;
              break;
            }
        }
        std::printf("[ pronunciation ] %s %s \"%s\": %s score %d:%s\n", voice.c_str(), s.word, s.said,
                    std::string(speech::word_status_name(w.status)).c_str(), w.score, phones.c_str());
      }
    }
  }
  std::sort(gop_right.begin(), gop_right.end());
  if (!gop_right.empty())
    std::printf("[ pronunciation ] GOP of phones read right: p5 %.4f p10 %.4f p20 %.4f median %.4f\n", gop_right[gop_right.size() / 20],
                gop_right[gop_right.size() / 10], gop_right[gop_right.size() / 5], gop_right[gop_right.size() / 2]);
  const auto mean = [](const std::vector<double>& v) { return v.empty() ? 0.0 : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size()); };
  std::printf("[ pronunciation ] substitutions: %d/%d words flagged, %d/%d at the substituted phone (%.0f%%, target 80%%); "
              "correct words flagged: %d/%d (%.0f%%, target <= 10%%); mean GOP right %.2f, substituted %.2f\n",
              flagged, substituted, flagged_right_phone, substituted, 100.0 * flagged_right_phone / std::max(1, substituted),
              correct_flagged, correct_words, 100.0 * correct_flagged / std::max(1, correct_words), mean(gop_right), mean(gop_wrong));
  EXPECT_EQ(substituted, static_cast<int>(voices.size() * std::size(kSubstitutions))) << "every substituted word was assessed";
  EXPECT_LT(100.0 * flagged / std::max(1, substituted), 100.0 * (correct_words - correct_flagged) / std::max(1, correct_words))
      << "substituted words are flagged more often than correct words pass";
}

// Silence, another sentence and a fragment never score like the sentence read.
TEST(Pronunciation, WrongAudioScoresLow) {
  server::dictation::SpeechSynthesis tts;
  speech::PronunciationAssessor assessor(models());
  std::string error;
  const auto target = models()->prepare("Please turn on the light in the kitchen", error);
  ASSERT_TRUE(target) << error;
  const auto overall = [](const speech::PronunciationAssessment& a) {
    return speech::overall_score(a.accuracy, a.fluency, a.completeness, std::nullopt);
  };
  const auto read = assessor.assess(synthesise(tts, "Please turn on the light in the kitchen", "flite:cmu_us_slt"), *target);
  std::vector<float> quiet(32000);
  for (std::size_t i = 0; i < quiet.size(); ++i) quiet[i] = 0.001f * static_cast<float>((i * 7919) % 13) / 13.0f;
  const auto silence = assessor.assess(quiet, *target);
  const auto other = assessor.assess(synthesise(tts, "The weather was cold and windy all week", "flite:cmu_us_slt"), *target);
  const auto fragment = assessor.assess(synthesise(tts, "Please", "flite:cmu_us_slt"), *target);
  std::printf("[ pronunciation ] overall: read %d, silence %d (completeness %d), another sentence %d, one word of eight %d (completeness %d)\n",
              overall(read), overall(silence), silence.completeness, overall(other), overall(fragment), fragment.completeness);
  EXPECT_GE(read.completeness, 85);
  EXPECT_LT(overall(silence), overall(read) - 20);
  EXPECT_LT(overall(other), overall(read));
  EXPECT_LT(fragment.completeness, 60);
  EXPECT_LT(overall(fragment), 40);
  EXPECT_TRUE(assessor.assess({}, *target).words.size() == target->words.size()) << "no audio: every word omitted";
}

// A recogniser transcript of `words`, 0.3 s each, 50 ms apart.
std::vector<speech::Word> heard_words(std::initializer_list<const char*> words) {
  std::vector<speech::Word> out;
  double t = 0.1;
  for (const char* w : words) out.push_back({w, t, t + 0.3}), t += 0.35;
  return out;
}

// Inserted and repeated words come from the transcript aligned to the
// target's text, wherever the forced alignment put its words.
TEST(Pronunciation, TranscriptWordsTheTargetLacksAreInsertedOrRepeated) {
  server::dictation::SpeechSynthesis tts;
  speech::PronunciationAssessor assessor(models());
  std::string error;
  const auto target = models()->prepare("Please turn on the light", error);
  ASSERT_TRUE(target) << error;
  const auto audio = synthesise(tts, "Please turn on the the light", "flite:cmu_us_slt");
  auto statuses = [](const speech::PronunciationAssessment& a) {
    std::string out;
    for (const auto& w : a.words)
      if (w.status == speech::WordStatus::inserted || w.status == speech::WordStatus::repeated)
        out += w.text + (w.status == speech::WordStatus::inserted ? ":inserted " : ":repeated ");
    return out;
  };
  const auto plain = assessor.assess(audio, *target, heard_words({"please", "turn", "on", "the", "light"}));
  const auto again = assessor.assess(audio, *target, heard_words({"please", "turn", "on", "the", "the", "light"}));
  const auto extra = assessor.assess(audio, *target, heard_words({"please", "turn", "right", "on", "the", "light"}));
  auto misheard = heard_words({"please", "turn", "um", "on", "a", "light"});
  misheard[2].filler = true;
  const auto substituted = assessor.assess(audio, *target, misheard);
  EXPECT_EQ(statuses(plain), "");
  EXPECT_EQ(statuses(again), "the:repeated ");
  EXPECT_EQ(statuses(extra), "right:inserted ");
  EXPECT_EQ(statuses(substituted), "") << "a word heard as another and a hesitation are not insertions";
  EXPECT_LT(again.fluency, plain.fluency);
  EXPECT_LT(substituted.fluency, plain.fluency) << "the hesitation costs fluency";
}

// The stream's strand for a LivePronunciation.
class TestStrand : public test_support::PostedCalls {
 public:
  server::pronunciation::LivePronunciation::Post poster() {
    return [this](std::function<void()> f) { post(std::move(f)); };
  }
};

// A live reading whose reader said nothing after the last pause ends from
// that pause's pass (one decoding, completed with the transcript); speech
// after it takes a fresh final pass.
TEST(Pronunciation, ALiveReadingEndsFromItsLastPauseWhenNothingFollowed) {
  server::dictation::SpeechSynthesis tts;
  std::string error;
  const auto target = models()->prepare("Please turn on the light", error);
  ASSERT_TRUE(target) << error;
  auto audio = synthesise(tts, "Please turn on the the light", "flite:cmu_us_slt");
  audio.insert(audio.end(), 8000, 0.0f);
  const auto heard = heard_words({"please", "turn", "on", "the", "the", "light"});
  for (const bool spoke_again : {false, true}) {
    TestStrand strand;
    int words = 0;
    server::pronunciation::LivePronunciation live(*target, strand.poster(), [&](const speech::WordAssessment&) { ++words; });
    live.on_speech();
    ASSERT_TRUE(live.push(audio));
    live.on_pause();
    ASSERT_TRUE(strand.run_one()) << "the pause's pass came back";
    if (spoke_again) live.on_speech();
    std::optional<speech::PronunciationAssessment> result;
    bool done = false;
    live.finish(heard, [&](std::optional<speech::PronunciationAssessment> a) { result = std::move(a), done = true; });
    while (!done) ASSERT_TRUE(strand.run_one()) << "the assessment came back";
    ASSERT_TRUE(result);
    EXPECT_EQ(live.decodings(), spoke_again ? 2 : 1);
    const auto repeated = std::count_if(result->words.begin(), result->words.end(),
                                        [](const auto& w) { return w.status == speech::WordStatus::repeated; });
    EXPECT_EQ(repeated, 1) << "the transcript's part is applied either way";
    EXPECT_EQ(words, 6) << "every target word once, and the repeated one";
    EXPECT_GE(result->completeness, 80);
  }
}

// The start of a long target read so far: aligned as the whole target, its
// words could only be kept by skipping the 28 not read yet, a path the
// search's beam drops; as a reading so far, they are aligned.
TEST(Pronunciation, TheStartOfALongTargetIsAlignedAsAReadingSoFar) {
  server::dictation::SpeechSynthesis tts;
  std::string error;
  const std::string clause = "When the old bridge across the river finally closed for repairs last spring,";
  const auto target = models()->prepare(clause + " most people in our small town had to drive almost twenty minutes further every "
                                                 "morning, so the council decided to run a free ferry for cyclists and walkers.", error);
  ASSERT_TRUE(target) << error;
  auto audio = synthesise(tts, clause, "flite:cmu_us_slt");
  under_hiss(audio, 3);
  speech::PronunciationAssessor assessor(models());
  const auto said = [](const speech::PronunciationAssessment& a) {
    return std::count_if(a.words.begin(), a.words.end(), [](const auto& w) { return !w.phones.empty(); });
  };
  const auto so_far = assessor.assess_audio(audio, *target, speech::Reading::so_far);
  const auto whole = assessor.assess_audio(audio, *target, speech::Reading::whole);
  const auto read = words_in(clause);
  std::printf("[ pronunciation ] %zu words read of %zu: %ld aligned as a reading so far, %ld as the whole target\n", read,
              target->words.size(), long(said(so_far)), long(said(whole)));
  EXPECT_EQ(static_cast<std::size_t>(said(so_far)), read);
  for (std::size_t k = 0; k < read; ++k) EXPECT_FALSE(so_far.words[k].phones.empty()) << so_far.words[k].text;
}

// A reading with pauses: each pause's pass settles the words said before it,
// so the passes together decode the audio about once (whole-reading passes
// decoded each pause's prefix again), and the result matches one assessment
// of the whole reading.
TEST(Pronunciation, ALiveReadingsPassesDecodeOnlyWhatFollowsTheSettledWords) {
  server::dictation::SpeechSynthesis tts;
  std::string error;
  const std::vector<std::string> phrases = {"Please turn on the light", "and close the kitchen door", "before you leave the house"};
  const auto target = models()->prepare(phrases[0] + " " + phrases[1] + " " + phrases[2], error);
  ASSERT_TRUE(target) << error;
  // Each phrase, then 0.5 s of silence (synthesise()), under a hiss.
  std::vector<std::vector<float>> parts;
  std::vector<float> whole;
  for (const auto& p : phrases) {
    parts.push_back(synthesise(tts, p, "flite:cmu_us_slt"));
    under_hiss(parts.back(), static_cast<std::uint32_t>(7 + parts.size()));
    whole.insert(whole.end(), parts.back().begin(), parts.back().end());
  }
  TestStrand strand;
  std::vector<std::size_t> reported;
  server::pronunciation::LivePronunciation live(*target, strand.poster(), [&](const speech::WordAssessment& w) {
    if (w.target) reported.push_back(*w.target);
  });
  std::size_t read = 0;  // target words in the phrases so far
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    live.on_speech();
    ASSERT_TRUE(live.push(parts[i]));
    live.on_pause();
    ASSERT_TRUE(strand.run_one()) << "pause " << i << ": its pass came back";
    read += words_in(phrases[i]);
    EXPECT_EQ(reported.size(), read) << "at pause " << i << ", the words read so far are reported";
  }
  live.on_speech();
  ASSERT_TRUE(live.push(parts.back()));
  std::optional<speech::PronunciationAssessment> result;
  bool done = false;
  live.finish({}, [&](std::optional<speech::PronunciationAssessment> a) { result = std::move(a), done = true; });
  while (!done) ASSERT_TRUE(strand.run_one()) << "the assessment came back";
  ASSERT_TRUE(result);

  const double seconds = static_cast<double>(whole.size()) / 16000;
  std::printf("[ pronunciation ] live reading of %.1f s in 3 phrases: %d passes decoded %.1f s of audio\n", seconds, live.decodings(),
              live.decoded_seconds());
  EXPECT_EQ(live.decodings(), 3);
  EXPECT_LT(live.decoded_seconds(), seconds * 1.1) << "each pass decodes only the audio after the settled words";

  std::vector<std::size_t> each(target->words.size());
  std::iota(each.begin(), each.end(), 0);
  std::sort(reported.begin(), reported.end());
  EXPECT_EQ(reported, each) << "every target word reported once";

  speech::PronunciationAssessor assessor(models());
  const auto at_once = assessor.assess(whole, *target);
  std::printf("[ pronunciation ] the same reading in passes / at once: accuracy %d / %d, completeness %d / %d\n", result->accuracy,
              at_once.accuracy, result->completeness, at_once.completeness);
  EXPECT_EQ(result->completeness, 100);
  EXPECT_EQ(at_once.completeness, 100);
  EXPECT_NEAR(result->accuracy, at_once.accuracy, 10);
  // Each phrase's words start after the audio of the phrases before it.
  double phrase_start = 0;
  std::size_t word = 0;
  for (std::size_t i = 0; i < phrases.size(); ++i) {
    for (std::size_t k = 0; k < words_in(phrases[i]) && word < at_once.words.size(); ++k, ++word)
      EXPECT_GT(at_once.words[word].start, phrase_start) << at_once.words[word].text << " of phrase " << i;
    phrase_start += static_cast<double>(parts[i].size()) / 16000;
  }
  ASSERT_EQ(result->words.size(), at_once.words.size());
  for (std::size_t i = 0; i < result->words.size(); ++i) {
    EXPECT_EQ(result->words[i].target, at_once.words[i].target);
    // Within a few frames: both are the stream's times (every frame is kept,
    // pauses too, or the whole reading's times would shrink at each pause).
    EXPECT_NEAR(result->words[i].start, at_once.words[i].start, 0.05) << result->words[i].text;
    EXPECT_NEAR(result->words[i].end, at_once.words[i].end, 0.05) << result->words[i].text;
  }
}

double pearson(const std::vector<double>& a, const std::vector<double>& b) {
  const auto n = static_cast<double>(a.size());
  const double ma = std::accumulate(a.begin(), a.end(), 0.0) / n, mb = std::accumulate(b.begin(), b.end(), 0.0) / n;
  double sab = 0, saa = 0, sbb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return saa > 0 && sbb > 0 ? sab / std::sqrt(saa * sbb) : 0;
}

// speechocean762 (non-native children and adults, L1 Mandarin): expert
// scores per phone (0-2), word (0-10) and sentence (0-10).
TEST(Pronunciation, AgreesWithExpertsOnSpeechocean762) {
  const auto corpus = test_support::corpus_dir();
  if (!corpus) GTEST_SKIP() << "shared corpus absent (../shared/corpus or $ORATOR_CORPUS): pronunciation accuracy not measured";
  const auto dir = *corpus / "github_speechocean762_subset";
  std::ifstream scores(dir / "scores.tsv");
  ASSERT_TRUE(scores) << "speechocean762 subset missing from the corpus";
  speech::PronunciationAssessor assessor(models());
  std::vector<double> phone_ours, phone_experts, word_ours, word_experts, sentence_ours, sentence_experts, total_ours, total_experts;
  std::string line;
  std::getline(scores, line);  // header
  int utterances = 0, aligned = 0, words_paired = 0, words_total = 0;
  const std::regex word_re(R"((\S+) ([\d.]+)/[\d.?]+/[\d.?]+ \[([^\]]*)\])");
  while (std::getline(scores, line)) {
    std::vector<std::string> cols;
    std::istringstream in(line);
    for (std::string c; std::getline(in, c, '\t');) cols.push_back(c);
    ASSERT_GE(cols.size(), 12u) << line;
    const auto wav = test_support::read_wav((dir / "WAVE" / (cols[0] + ".wav")).string());
    ASSERT_TRUE(wav) << cols[0];
    std::string error;
    const auto target = models()->prepare(cols[5], error);
    ASSERT_TRUE(target) << cols[5] << ": " << error;
    const auto result = assessor.assess(test_support::mono(*wav), *target);
    ++utterances;
    if (result.completeness > 0) ++aligned;
    sentence_ours.push_back(result.accuracy);
    sentence_experts.push_back(std::stod(cols[6]));
    total_ours.push_back(speech::overall_score(result.accuracy, result.fluency, result.completeness, std::nullopt));
    total_experts.push_back(std::stod(cols[10]));
    // Words in order; phones paired by position where both have as many.
    std::vector<const speech::WordAssessment*> ours;
    for (const auto& w : result.words)
      if (w.target) ours.push_back(&w);
    std::size_t k = 0;
    for (auto it = std::sregex_iterator(cols[11].begin(), cols[11].end(), word_re); it != std::sregex_iterator(); ++it, ++k) {
      ++words_total;
      if (k >= ours.size()) continue;
      word_ours.push_back(ours[k]->score);
      word_experts.push_back(std::stod((*it)[2]));
      std::vector<double> expert_phones;
      std::istringstream ph((*it)[3]);
      for (std::string p; ph >> p;) expert_phones.push_back(std::stod(p.substr(p.find('=') + 1)));
      if (expert_phones.size() != ours[k]->phones.size()) continue;
      ++words_paired;
      for (std::size_t j = 0; j < expert_phones.size(); ++j) {
        phone_ours.push_back(ours[k]->phones[j].score);
        phone_experts.push_back(expert_phones[j]);
      }
    }
  }
  std::printf("[ pronunciation ] speechocean762 (%d utterances, %d aligned; %d/%d words with phones paired): Pearson with experts: "
              "phone %.2f (target 0.42; Kaldi GOP 0.42, GOPT 0.61), word %.2f (GOPT 0.55), sentence accuracy %.2f (target 0.60), "
              "total %.2f (GOPT 0.74)\n",
              utterances, aligned, words_paired, words_total, pearson(phone_ours, phone_experts), pearson(word_ours, word_experts),
              pearson(sentence_ours, sentence_experts), pearson(total_ours, total_experts));
  EXPECT_GE(aligned, utterances * 9 / 10) << "nearly every attempt is aligned";
  EXPECT_GE(words_paired, words_total * 3 / 4) << "the lexicon's phones match the experts' for most words";
}

}  // namespace
