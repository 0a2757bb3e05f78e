#pragma once
// Streaming speech recognition with CMU PocketSphinx (Debian 12's
// 0.8+5prealpha and its en-us models).
//
// RecognizerModels is the shared, immutable part: validated model paths, the
// decoder settings and the filler dictionary, written once. It is
// thread-safe. A decoder's language model keeps mutable score caches
// (sphinxbase's lm_trie), so decoders running at once cannot share one: each
// StreamRecognizer loads its own; the acoustic model files are memory-mapped.
//
// StreamRecognizer is one stream's decoder: not thread-safe, used from one
// thread at a time (it may move between threads). It decodes the way
// pocketsphinx_continuous does, so that streaming costs no accuracy: the
// decoder's own voice activity detection cuts utterances at pauses and drops
// silence before the search, audio goes in 2048-sample blocks, and word
// times count from the stream's start. Words are reported in stream
// seconds: partial ones while an utterance runs, final ones when it ends.
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "speech/words.hpp"

namespace orator::speech {

class WorkDir;  // speech/work_dir.hpp

struct RecognizerOptions {
  std::string model_dir;         // holds en-us/, en-us.lm.bin, cmudict-en-us.dict; empty: the Debian path
  // Weight of a uniform model of hesitations (um, uh, er, ah, hmm, mm)
  // interpolated with the language model, so they may stand anywhere rather
  // than only where the model expects them (measured in docs/performance.md).
  double hesitation_probability = 0.0005;
  // A hesitation shorter than this is dropped as noise: filled pauses last
  // 100 ms and more; the shorter ones the search claims were never one
  // (docs/performance.md, "Speech recognition").
  double min_hesitation_seconds = 0.09;
  double silence_probability = 0.005;
  // Probability of the model's noise words ([NOISE], [SPEECH]) between
  // words. 1e-2 absorbed junk in PocketSphinx's batch decoder (WER -2.1
  // points) but swallowed hesitations here (filler recall 65% -> 50%) and did
  // not help streaming: PocketSphinx's default stays.
  double noise_probability = 1e-8;
  double word_insertion_penalty = 0.65;
  double language_weight = 6.5;
  // Search pruning: HMMs and word exits kept per frame (-maxhmmpf, -maxwpf;
  // PocketSphinx's defaults are 30000 and unlimited). 5000 and 20 cost 44%
  // less CPU and measured no worse on the corpus (docs/performance.md).
  int max_hmms_per_frame = 5000;
  int max_words_per_frame = 20;
  double endpoint_silence_seconds = 0.5;   // a pause this long ends an utterance (-vad_postspeech)
  double max_utterance_seconds = 30;       // longer speech is cut (bounds decoder cost)
  double partial_interval_seconds = 0.25;  // partial hypotheses this often while speaking
};

class RecognizerModels {
 public:
  // Checks the model files and writes the decoders' dictionary (cut to the
  // language model's words) and the hesitation model to `work_dir` (a
  // temporary directory, removed with these models, when empty). nullptr
  // with `error` set on failure.
  [[nodiscard]] static std::shared_ptr<const RecognizerModels> load(const RecognizerOptions& options, std::string& error,
                                                                    const std::string& work_dir = {});
  [[nodiscard]] static std::string default_model_dir();
  // Languages these models recognise: English (en, en-US, en-GB, ...).
  [[nodiscard]] static bool supports_language(std::string_view bcp47);

  [[nodiscard]] const RecognizerOptions& options() const { return options_; }
  [[nodiscard]] const std::vector<std::string>& decoder_args() const { return args_; }

  [[nodiscard]] const std::string& hesitation_lm() const { return hesitation_lm_; }

  RecognizerModels(RecognizerOptions options, std::vector<std::string> args, std::string hesitation_lm,
                   std::shared_ptr<const WorkDir> files);

 private:
  RecognizerOptions options_;
  std::vector<std::string> args_;  // "-hmm", path, ... for cmd_ln_parse_r
  std::string hesitation_lm_;      // ARPA unigram model of hesitations
  std::shared_ptr<const WorkDir> files_;  // holds the two files above while decoders may still be made
};

struct RecognizerUpdate {
  std::vector<Word> finals;    // words finalised since the last update, in order
  std::vector<Word> partial;   // the running utterance's current hypothesis (may be revised)
  bool partial_changed = false;
};

class StreamRecognizer {
 public:
  // Throws std::runtime_error when the decoder cannot be created.
  explicit StreamRecognizer(std::shared_ptr<const RecognizerModels> models);
  ~StreamRecognizer();
  StreamRecognizer(const StreamRecognizer&) = delete;
  StreamRecognizer& operator=(const StreamRecognizer&) = delete;

  // Mono 16 kHz samples in [-1, 1], any block size.
  void push(std::span<const float> samples16k);
  // Ends the running utterance (end of stream). push() may follow (a new utterance).
  void finish();
  // Forgets the stream (any running utterance is dropped): the decoder is
  // ready for another stream whose time starts at 0. Its adapted state (the
  // live cepstral mean, the voice activity detector's noise estimate) carries
  // over, so a reused decoder's words depend a little on what it heard
  // before: the server gives each stream a fresh decoder instead
  // (docs/performance.md).
  void reset();
  // What changed since the last call.
  [[nodiscard]] RecognizerUpdate take_update();
  [[nodiscard]] double processed_seconds() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace orator::speech
