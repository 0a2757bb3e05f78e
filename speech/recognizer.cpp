#include "speech/recognizer.hpp"

#include <pocketsphinx.h>
#include <sphinxbase/ckd_alloc.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string_view>
#include <unordered_set>

#include "speech/fluency.hpp"
#include "speech/pronouncing_dictionary.hpp"
#include "speech/sphinx_logging.hpp"
#include "speech/work_dir.hpp"


namespace orator::speech {
namespace fs = std::filesystem;
namespace {

constexpr int kRate = 16000;
constexpr double kFramesPerSecond = 100.0;  // the decoder's frame rate
// Audio goes to the decoder in blocks of this many samples, as
// pocketsphinx_continuous feeds it: its voice activity state is read between
// blocks, so the block size is part of how utterances are cut.
constexpr std::size_t kBlock = 2048;

// Hesitations the dictionary and language model know. A small unigram
// model over them is interpolated with the main language model, so they may
// stand anywhere (RecognizerOptions::hesitation_probability). 5prealpha
// cannot decode multi-phone words as fillers (its fwdtree search asserts).
constexpr std::array<const char*, 8> kHesitationWords = {"um", "umm", "uh", "er", "ah", "hmm", "hm", "mm"};

// The dictionary cut down to the words the language model knows, and the
// hesitations: the search can only ever propose those, and every decoder
// builds its own copy of the dictionary (docs/performance.md: 134,000
// entries cost 38 MB a decoder). An entry's variants "word(2)" go with it.
bool write_searchable_dictionary(const fs::path& dict, const fs::path& lm, const fs::path& out, std::string& error) {
  logmath_t* lmath = logmath_init(1.0001, 0, 0);
  ngram_model_t* model = lmath ? ngram_model_read(nullptr, lm.c_str(), NGRAM_AUTO, lmath) : nullptr;
  if (!model) {
    if (lmath) logmath_free(lmath);
    error = "language model unreadable: " + lm.string();
    return false;
  }
  std::unordered_set<std::string> known(kHesitationWords.begin(), kHesitationWords.end());
  const auto unigrams = static_cast<int32>(ngram_model_get_counts(model)[0]);
  for (int32 wid = 0; wid < unigrams; ++wid)
    if (const char* w = ngram_word(model, wid)) known.emplace(w);
  ngram_model_free(model);
  logmath_free(lmath);
  std::ifstream in(dict);
  std::ofstream f(out, std::ios::trunc);
  for (std::string line; std::getline(in, line);) {
    const auto word = std::string_view(line).substr(0, line.find_first_of(" \t"));
    if (known.count(std::string(headword(word)))) f << line << '\n';
  }
  f.close();  // a full disk shows at the last flush
  if (!in.eof() || !f) {
    error = "cannot write the recogniser's dictionary to " + out.string();
    return false;
  }
  return true;
}

std::string fmt_double(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

std::string RecognizerModels::default_model_dir() {
  if (const char* env = std::getenv("ORATOR_ASR_MODEL_DIR"); env && *env) return env;
  return "/usr/share/pocketsphinx/model/en-us";
}

bool RecognizerModels::supports_language(std::string_view lang) {
  return lang == "en" || (lang.size() > 3 && lang.substr(0, 3) == "en-");
}

RecognizerModels::RecognizerModels(RecognizerOptions options, std::vector<std::string> args, std::string hesitation_lm,
                                   std::shared_ptr<const WorkDir> files)
    : options_(std::move(options)), args_(std::move(args)), hesitation_lm_(std::move(hesitation_lm)), files_(std::move(files)) {}

std::shared_ptr<const RecognizerModels> RecognizerModels::load(const RecognizerOptions& options, std::string& error,
                                                               const std::string& work_dir) {
  silence_sphinx_logging();
  RecognizerOptions o = options;
  if (o.model_dir.empty()) o.model_dir = default_model_dir();
  const fs::path dir(o.model_dir);
  const fs::path hmm = dir / "en-us", lm = dir / "en-us.lm.bin", dict = dir / "cmudict-en-us.dict";
  for (const auto& p : {hmm / "mdef", lm, dict, hmm / "noisedict"}) {
    if (!fs::exists(p)) {
      error = "speech model file missing: " + p.string() + " (install pocketsphinx-en-us)";
      return nullptr;
    }
  }
  auto files = WorkDir::use(work_dir, "orator-asr", error);
  if (!files) return nullptr;
  const fs::path& out_dir = files->path();
  // The hesitation model: a uniform unigram model in ARPA text.
  const fs::path hesitation_lm = out_dir / "hesitations.arpa";
  {
    std::ofstream f(hesitation_lm, std::ios::trunc);
    const double logp = std::log10(1.0 / static_cast<double>(kHesitationWords.size() + 2));
    f << "\\data\\\nngram 1=" << kHesitationWords.size() + 2 << "\n\n\\1-grams:\n";
    f << logp << " </s>\n" << logp << " <s> 0\n";
    for (const char* w : kHesitationWords) f << logp << ' ' << w << " 0\n";
    f << "\n\\end\\\n";
    if (!f) {
      error = "cannot write the hesitation language model to " + out_dir.string();
      return nullptr;
    }
  }
  const fs::path searchable = out_dir / "searchable.dict";
  if (!write_searchable_dictionary(dict, lm, searchable, error)) return nullptr;
  std::vector<std::string> args = {
      "-hmm", hmm.string(), "-lm", lm.string(), "-dict", searchable.string(),
      "-mmap", "yes",
      "-vad_postspeech", std::to_string(std::lround(o.endpoint_silence_seconds * kFramesPerSecond)),
      "-silprob", fmt_double(o.silence_probability), "-fillprob", fmt_double(o.noise_probability),
      "-wip", fmt_double(o.word_insertion_penalty), "-lw", fmt_double(o.language_weight),
      "-maxhmmpf", std::to_string(o.max_hmms_per_frame), "-maxwpf", std::to_string(o.max_words_per_frame),
  };
  return std::make_shared<const RecognizerModels>(std::move(o), std::move(args), hesitation_lm.string(), std::move(files));
}

struct StreamRecognizer::Impl {
  std::shared_ptr<const RecognizerModels> models;
  ps_decoder_t* ps = nullptr;
  cmd_ln_t* config = nullptr;

  std::array<std::int16_t, kBlock> block{};
  std::size_t block_fill = 0;
  std::int64_t samples_seen = 0;         // given to the decoder since the stream began
  bool in_speech = false;                // the decoder's voice activity, after the last block
  std::int64_t speech_started = 0;       // samples_seen when the running utterance's speech began
  std::int64_t next_partial = 0;

  RecognizerUpdate pending;

  explicit Impl(std::shared_ptr<const RecognizerModels> m) : models(std::move(m)) {
    std::vector<char*> argv;
    std::vector<std::string> copy = models->decoder_args();
    for (auto& a : copy) argv.push_back(a.data());
    config = cmd_ln_parse_r(nullptr, ps_args(), static_cast<int32>(argv.size()), argv.data(), TRUE);
    if (!config) throw std::runtime_error("speech decoder settings were rejected");
    ps = ps_init(config);
    if (!ps) {
      cmd_ln_free_r(config);
      throw std::runtime_error("speech decoder could not be created (model files unreadable?)");
    }
    mix_in_hesitations();
    begin_stream();
  }

  void mix_in_hesitations() {
    const double p = models->options().hesitation_probability;
    if (p <= 0) return;
    ngram_model_t* hes = ngram_model_read(config, models->hesitation_lm().c_str(), NGRAM_ARPA, ps_get_logmath(ps));
    if (!hes) throw std::runtime_error("hesitation language model unreadable");
    std::array<ngram_model_t*, 2> lms = {ngram_model_retain(ps_get_lm(ps, "_default")), hes};
    std::array<char*, 2> names = {const_cast<char*>("main"), const_cast<char*>("hesitations")};
    const std::array<float32, 2> weights = {static_cast<float32>(1.0 - p), static_cast<float32>(p)};
    ngram_model_t* mixed = ngram_model_set_init(config, lms.data(), names.data(), weights.data(), 2);
    if (!mixed || ps_set_lm(ps, "mixed", mixed) < 0 || ps_set_search(ps, "mixed") < 0)
      throw std::runtime_error("hesitation language model could not be mixed in");
    ngram_model_free(mixed);  // the search holds its own reference
    // The plain search built its own lexicon tree (~60 MB): drop it. Its
    // language model lives on inside the mixed one.
    ps_unset_search(ps, "_default");
  }
  ~Impl() {
    if (ps) ps_free(ps);
    if (config) cmd_ln_free_r(config);
  }

  double frames_to_seconds(std::int64_t frames) const { return static_cast<double>(frames) / kFramesPerSecond; }
  std::int64_t seconds_to_samples(double seconds) const { return static_cast<std::int64_t>(seconds * kRate); }

  // A new timeline at 0, and an utterance open for whatever comes. The
  // decoder's own voice activity detection drops silence before it is
  // searched, and word times count from the stream's start (5prealpha adds
  // the stream offset to segment frames), as in pocketsphinx_continuous.
  void begin_stream() {
    ps_start_stream(ps);
    ps_start_utt(ps);
    samples_seen = 0;
    in_speech = false;
    block_fill = 0;
  }

  void process_block() {
    ps_process_raw(ps, block.data(), block_fill, FALSE, FALSE);
    samples_seen += static_cast<std::int64_t>(block_fill);
    block_fill = 0;
    const bool speech = ps_get_in_speech(ps) != 0;
    if (speech && !in_speech) {
      in_speech = true;
      speech_started = samples_seen;
      next_partial = samples_seen + seconds_to_samples(models->options().partial_interval_seconds);
      return;
    }
    if (!speech && in_speech) return end_utterance();
    if (!speech) return;
    if (samples_seen - speech_started >= seconds_to_samples(models->options().max_utterance_seconds)) return end_utterance();
    if (samples_seen >= next_partial) {
      next_partial = samples_seen + seconds_to_samples(models->options().partial_interval_seconds);
      update_partial();
    }
  }

  std::vector<Word> segments(bool final) {
    std::vector<Word> words;
    logmath_t* lmath = ps_get_logmath(ps);
    for (ps_seg_t* seg = ps_seg_iter(ps); seg; seg = ps_seg_next(seg)) {
      const char* raw = ps_seg_word(seg);
      if (!raw || raw[0] == '<' || raw[0] == '[' || raw[0] == '+') continue;  // <s> </s> <sil> [NOISE] ++X++
      std::string text(headword(raw));
      int sf = 0, ef = 0;
      ps_seg_frames(seg, &sf, &ef);  // stream frames
      Word w;
      w.start = frames_to_seconds(sf);
      w.end = frames_to_seconds(ef + 1);
      if (final) {
        int32 ascr = 0, lscr = 0, lback = 0;
        w.confidence = static_cast<float>(std::clamp(logmath_exp(lmath, ps_seg_prob(seg, &ascr, &lscr, &lback)), 0.0, 1.0));
      }
      w.filler = is_hesitation(text);
      if (w.filler && w.end - w.start < models->options().min_hesitation_seconds) continue;
      if (char* phones = ps_lookup_word(ps, text.c_str())) {
        w.syllables = vowel_phones(phones);
        ckd_free(phones);
      }
      w.text = std::move(text);
      words.push_back(std::move(w));
    }
    return words;
  }

  void update_partial() {
    auto words = segments(false);
    const bool same = words.size() == pending.partial.size() &&
                      std::equal(words.begin(), words.end(), pending.partial.begin(),
                                 [](const Word& a, const Word& b) { return a.text == b.text && a.end == b.end; });
    if (same) return;
    pending.partial = std::move(words);
    pending.partial_changed = true;
  }

  // Closes the running utterance, takes its words, and opens the next.
  void end_utterance() {
    ps_end_utt(ps);
    auto words = segments(true);
    // An utterance ends at a pause longer than any the marker rule looks
    // for, so marking each utterance alone marks what the whole would.
    mark_discourse_markers(words);
    pending.finals.insert(pending.finals.end(), std::make_move_iterator(words.begin()), std::make_move_iterator(words.end()));
    if (!pending.partial.empty()) pending.partial_changed = true;
    pending.partial.clear();
    in_speech = false;
    ps_start_utt(ps);
  }
};

StreamRecognizer::StreamRecognizer(std::shared_ptr<const RecognizerModels> models)
    : impl_(std::make_unique<Impl>(std::move(models))) {}

StreamRecognizer::~StreamRecognizer() = default;

void StreamRecognizer::push(std::span<const float> samples) {
  auto& m = *impl_;
  for (const float x : samples) {
    m.block[m.block_fill++] = static_cast<std::int16_t>(std::lrint(std::clamp(x, -1.0f, 1.0f) * 32767.0f));
    if (m.block_fill == kBlock) m.process_block();
  }
}

void StreamRecognizer::finish() {
  auto& m = *impl_;
  if (m.block_fill > 0) m.process_block();
  m.end_utterance();
}

void StreamRecognizer::reset() {
  auto& m = *impl_;
  ps_end_utt(m.ps);
  m.pending = {};
  m.begin_stream();
}

RecognizerUpdate StreamRecognizer::take_update() {
  RecognizerUpdate out = std::move(impl_->pending);
  impl_->pending = {};
  impl_->pending.partial = out.partial;  // the hypothesis stands until revised
  return out;
}

double StreamRecognizer::processed_seconds() const { return static_cast<double>(impl_->samples_seen) / kRate; }

}  // namespace orator::speech
