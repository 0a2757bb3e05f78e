#pragma once
// Pronunciation assessment against a known text, on PocketSphinx (Debian
// 12's 0.8+5prealpha and its en-us models).
//
// How: the target's words become phones (Lexicon); a grammar of those
// phones, each word skippable and with its dictionary variants, with
// explicit optional silences, is aligned to the audio (5prealpha has no
// phone alignment: each phone is a one-phone pseudo-word named by its
// word's position, so that a skipped word is known). A second grammar, a
// free loop of the 39 phones and silence, finds what was said. A phone's
// goodness of pronunciation (GOP, <= 0) is its aligned acoustic score per
// frame (with -compallsen) less the loop's score over the same frames; the
// loop's phone with the most of those frames is what was said instead.
//
// Accuracy with the en-us PTM model is far from the targets of
// docs/pronunciation.md (measured there); treat scores as indicative.
//
// PronunciationModels is the shared, immutable part (decoder settings, the
// pseudo-word dictionary, the lexicon): thread-safe. PronunciationAssessor
// is one decoder: not thread-safe, one thread at a time (it may move).
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "speech/lexicon.hpp"
#include "speech/words.hpp"

namespace orator::speech {

class WorkDir;  // speech/work_dir.hpp

struct PronunciationOptions {
  std::string model_dir;  // holds en-us/ and cmudict-en-us.dict; empty: the Debian path
  int max_words = 50;     // longest target accepted
};

struct TargetWord {
  std::string written;          // as the text has it ("21st")
  std::string spoken;           // what is said, one word ("twenty")
  std::size_t token = 0;        // which written token it belongs to
  std::vector<Phones> variants; // the dictionary's pronunciations
  bool guessed = false;         // from letter-to-sound
};

struct Target {
  std::vector<TargetWord> words;
};

// What the audio holds of the target: all of it (words not heard are
// omitted), or the start of it, up to where the reader has got.
enum class Reading { whole, so_far };

class PronunciationModels {
 public:
  // Checks the model files and writes the pseudo-word dictionary to
  // `work_dir` (a temporary directory, removed with these models, when
  // empty). nullptr with `error` set on failure.
  [[nodiscard]] static std::shared_ptr<const PronunciationModels> load(const PronunciationOptions& options, std::string& error,
                                                                       const std::string& work_dir = {});
  [[nodiscard]] const PronunciationOptions& options() const { return options_; }
  [[nodiscard]] const Lexicon& lexicon() const { return *lexicon_; }
  [[nodiscard]] const std::vector<std::string>& decoder_args() const { return args_; }

  // The text as words and phones; nullopt with `error` (a sentence for the
  // user) when it is empty, too long or holds nothing pronounceable.
  [[nodiscard]] std::optional<Target> prepare(std::string_view text, std::string& error) const;

  PronunciationModels(PronunciationOptions options, std::vector<std::string> args, std::shared_ptr<const Lexicon> lexicon,
                      std::shared_ptr<const WorkDir> files);

 private:
  PronunciationOptions options_;
  std::vector<std::string> args_;
  std::shared_ptr<const Lexicon> lexicon_;
  std::shared_ptr<const WorkDir> files_;  // the pseudo-word dictionary, while decoders may still be made
};

struct PhoneAssessment {
  std::string phone;      // ARPAbet, as expected
  double start = 0, end = 0;
  double gop = 0;         // log-likelihood ratio per frame, expected phone against the best free one (<= 0)
  int score = 0;          // 0-100
  std::string said_as;    // the phone the free alignment heard instead, when the score is low; empty otherwise
};

enum class WordStatus { correct, mispronounced, omitted, inserted, repeated };
[[nodiscard]] std::string_view word_status_name(WordStatus s);

struct WordAssessment {
  std::string text;                   // the target's spoken word, or the recognised one for inserted/repeated
  std::optional<std::size_t> target;  // index in Target::words; none for inserted/repeated
  WordStatus status = WordStatus::omitted;
  int score = 0;                      // 0-100 (0 when omitted)
  double start = 0, end = 0;
  std::vector<PhoneAssessment> phones;
};

struct PronunciationAssessment {
  std::vector<WordAssessment> words;  // in the order said; omitted words where they belonged
  int accuracy = 0;      // phones of the words said
  int fluency = 0;       // pauses between words, insertions and repetitions
  int completeness = 0;  // share of target words said
  std::vector<std::string> weak_phonemes;  // lowest-scoring phones of this attempt, worst first
  double speech_seconds = 0;               // from the first aligned word to the last
};

// 0-100 from the parts; prosody (from the DSP) when known.
[[nodiscard]] int overall_score(int accuracy, int fluency, int completeness, std::optional<int> prosody);
// The score of a phone from its GOP (the calibration in docs/pronunciation.md).
[[nodiscard]] int phone_score(double gop);

// The scores of words whose phones are aligned and scored (assess_audio()'s
// last step): each word's status, score and times from its phones, and the
// accuracy, completeness and weak phonemes over all of them. A reading
// aligned a part at a time is scored whole this way. Cheap: no decoding.
[[nodiscard]] PronunciationAssessment scored(std::vector<WordAssessment> words);

// Completes an assess_audio() result (call once on it): the transcript's
// inserted and repeated words, and fluency. Cheap: no decoding.
[[nodiscard]] PronunciationAssessment with_transcript(PronunciationAssessment aligned, const Target& target,
                                                      std::span<const Word> transcript);

class PronunciationAssessor {
 public:
  // Throws std::runtime_error when the decoder cannot be created.
  explicit PronunciationAssessor(std::shared_ptr<const PronunciationModels> models);
  ~PronunciationAssessor();
  PronunciationAssessor(const PronunciationAssessor&) = delete;
  PronunciationAssessor& operator=(const PronunciationAssessor&) = delete;

  // Mono 16 kHz samples in [-1, 1] of one attempt. `transcript` (the
  // recogniser's words for the same audio, times from its start) marks
  // insertions and repetitions; without it none are found.
  [[nodiscard]] PronunciationAssessment assess(std::span<const float> samples16k, const Target& target,
                                               std::span<const Word> transcript = {});
  // The costly part alone: alignment and phone scores, without fluency or
  // the transcript's words. with_transcript() completes it. A reading so
  // far (a live reading at a pause) may stop after any word: the words
  // after the last one said are left without phones.
  [[nodiscard]] PronunciationAssessment assess_audio(std::span<const float> samples16k, const Target& target,
                                                     Reading reading = Reading::whole);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace orator::speech
