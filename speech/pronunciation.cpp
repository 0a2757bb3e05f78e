#include "speech/pronunciation.hpp"

#include <pocketsphinx.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>

#include "speech/phonemes.hpp"
#include "speech/recognizer.hpp"
#include "speech/sphinx_logging.hpp"
#include "speech/spoken_text.hpp"
#include "speech/wer.hpp"
#include "speech/words.hpp"
#include "speech/work_dir.hpp"

namespace orator::speech {
namespace fs = std::filesystem;
namespace {

constexpr double kFramesPerSecond = 100.0;
// Below this a phone is called wrong and the phone heard instead is named.
constexpr int kLowPhoneScore = 50;
// Below this a word is mispronounced even when no single phone is low.
constexpr int kLowWordScore = 60;

// The pseudo-word of phone `phone` in target word `k`: "w3_AH".
std::string pseudo_word(std::size_t k, std::string_view phone) { return "w" + std::to_string(k) + "_" + std::string(phone); }

// "w3_AH" -> (3, "AH"); nullopt for <sil>, [NOISE] and the like.
std::optional<std::pair<std::size_t, std::string>> parse_pseudo_word(std::string_view w) {
  if (w.size() < 4 || w[0] != 'w') return std::nullopt;
  const auto underscore = w.find('_');
  if (underscore == std::string_view::npos) return std::nullopt;
  std::size_t k = 0;
  for (std::size_t i = 1; i < underscore; ++i) {
    if (w[i] < '0' || w[i] > '9') return std::nullopt;
    k = k * 10 + static_cast<std::size_t>(w[i] - '0');
  }
  return std::pair{k, std::string(w.substr(underscore + 1))};
}

std::string grammar_of(const Target& target, Reading reading) {
  std::string g = "#JSGF V1.0;\ngrammar target;\npublic <utterance> =";
  // Each word may be skipped (not said), at a price: a word read badly
  // should still be aligned and scored, not skipped for a silence. Silence
  // is explicit (-fsgusefiller no): the noise models would otherwise
  // swallow whole words. A reading so far may end after any word, free: the
  // price of skipping every word not read yet would take the only complete
  // path out of the search's beam.
  g += " [sil]";
  const std::size_t n = target.words.size();
  for (std::size_t k = 0; k < n; ++k)
    g += std::string(reading == Reading::so_far && k ? " [" : "") + " ( /0.99/ <w" + std::to_string(k) + "> | /0.01/ <NULL> ) [sil]";
  if (reading == Reading::so_far && n > 1) g += std::string(n - 1, ']');
  g += ";\n";
  for (std::size_t k = 0; k < target.words.size(); ++k) {
    g += "<w" + std::to_string(k) + "> =";
    const auto& variants = target.words[k].variants;
    for (std::size_t v = 0; v < variants.size(); ++v) {
      if (v) g += " |";
      for (const auto& p : variants[v]) g += " " + pseudo_word(k, p);
    }
    g += ";\n";
  }
  return g;
}

// What was actually said: any phone, any number of times, silences
// between. Its best path over a phone's frames is the competitor of the
// phone the alignment expected there (the GOP's denominator).
std::string phone_loop_grammar() {
  std::string g = "#JSGF V1.0;\ngrammar loop;\npublic <utterance> = ( sil";
  for (const auto& p : phonemes()) g += " | " + pseudo_word(0, p.arpabet);
  return g + " )+;\n";
}

struct Segment {
  std::string name;
  int start_frame = 0, end_frame = 0;  // inclusive
  double ascr_ln = 0;                  // acoustic score, natural log
};

double seconds(int frame) { return frame / kFramesPerSecond; }

}  // namespace

std::string_view word_status_name(WordStatus s) {
  switch (s) {
    case WordStatus::correct: return "correct";
    case WordStatus::mispronounced: return "mispronounced";
    case WordStatus::omitted: return "omitted";
    case WordStatus::inserted: return "inserted";
    case WordStatus::repeated: return "repeated";
  }
  return "omitted";
}

int phone_score(double gop) {
  // A logistic over the GOP: 50 at -0.0045, about the 10th percentile of
  // phones read right by flite and espeak-ng (docs/pronunciation.md).
  constexpr double kCentre = -0.0045, kWidth = 0.0012;
  const double s = 100.0 / (1.0 + std::exp(-(gop - kCentre) / kWidth));
  return static_cast<int>(std::lround(std::clamp(s, 0.0, 100.0)));
}

int overall_score(int accuracy, int fluency, int completeness, std::optional<int> prosody) {
  // Accuracy, fluency and prosody describe the words said: they count as
  // far as the text was said, so that one word read well of eight is not a
  // good attempt.
  const double said = std::clamp(completeness, 0, 100) / 100.0;
  const double base = prosody ? (0.5 * accuracy + 0.15 * fluency + 0.15 * *prosody) * said + 0.2 * completeness
                              : (0.6 * accuracy + 0.2 * fluency) * said + 0.2 * completeness;
  return static_cast<int>(std::lround(std::clamp(base, 0.0, 100.0)));
}

PronunciationModels::PronunciationModels(PronunciationOptions options, std::vector<std::string> args,
                                         std::shared_ptr<const Lexicon> lexicon, std::shared_ptr<const WorkDir> files)
    : options_(std::move(options)), args_(std::move(args)), lexicon_(std::move(lexicon)), files_(std::move(files)) {}

std::shared_ptr<const PronunciationModels> PronunciationModels::load(const PronunciationOptions& options, std::string& error,
                                                                     const std::string& work_dir) {
  silence_sphinx_logging();
  PronunciationOptions o = options;
  if (o.model_dir.empty()) o.model_dir = RecognizerModels::default_model_dir();
  o.max_words = std::clamp(o.max_words, 1, 200);
  const fs::path dir(o.model_dir);
  const fs::path hmm = dir / "en-us", dict = dir / "cmudict-en-us.dict";
  for (const auto& p : {hmm / "mdef", dict}) {
    if (!fs::exists(p)) {
      error = "speech model file missing: " + p.string() + " (install pocketsphinx-en-us)";
      return nullptr;
    }
  }
  auto lexicon = Lexicon::load(dict.string(), error);
  if (!lexicon) return nullptr;
  auto files = WorkDir::use(work_dir, "orator-pron", error);
  if (!files) return nullptr;
  const fs::path& out_dir = files->path();
  const fs::path pseudo = out_dir / "phones-by-position.dict";
  {
    std::ofstream f(pseudo, std::ios::trunc);
    for (int k = 0; k < o.max_words; ++k)
      for (const auto& p : phonemes()) f << pseudo_word(static_cast<std::size_t>(k), p.arpabet) << ' ' << p.arpabet << '\n';
    f << "sil SIL\n";
    if (!f) {
      error = "cannot write the alignment dictionary to " + out_dir.string();
      return nullptr;
    }
  }
  std::vector<std::string> args = {"-hmm", hmm.string(), "-dict", pseudo.string(), "-mmap", "yes",
                                   // Scores against every senone: what makes an aligned score a GOP.
                                   "-compallsen", "yes", "-bestpath", "no", "-fsgusefiller", "no",
                                   // Every frame kept: the front end's silence removal drops pauses'
                                   // frames, and phone times (and the pauses between words) shrink.
                                   "-remove_silence", "no"};
  return std::make_shared<const PronunciationModels>(std::move(o), std::move(args), std::move(lexicon), std::move(files));
}

std::optional<Target> PronunciationModels::prepare(std::string_view text, std::string& error) const {
  Target target;
  const auto tokens = spoken_tokens(text);
  for (std::size_t t = 0; t < tokens.size(); ++t) {
    for (const auto& spoken : tokens[t].spoken) {
      auto p = lexicon_->lookup(spoken);
      if (p.variants.empty()) continue;  // nothing sayable (a stray symbol)
      target.words.push_back({tokens[t].written, spoken, t, std::move(p.variants), p.guessed});
    }
  }
  if (target.words.empty()) {
    error = "the target text has no words to read";
    return std::nullopt;
  }
  if (target.words.size() > static_cast<std::size_t>(options_.max_words)) {
    error = "the target text has " + std::to_string(target.words.size()) + " words; at most " + std::to_string(options_.max_words) +
            " can be assessed at once";
    return std::nullopt;
  }
  return target;
}

struct PronunciationAssessor::Impl {
  std::shared_ptr<const PronunciationModels> models;
  cmd_ln_t* config = nullptr;
  ps_decoder_t* ps = nullptr;
  bool has_loop = false;  // the "loop" search is set
  std::vector<std::int16_t> pcm;

  explicit Impl(std::shared_ptr<const PronunciationModels> m) : models(std::move(m)) {
    std::vector<std::string> copy = models->decoder_args();
    std::vector<char*> argv;
    for (auto& a : copy) argv.push_back(a.data());
    config = cmd_ln_parse_r(nullptr, ps_args(), static_cast<int32>(argv.size()), argv.data(), TRUE);
    if (!config) throw std::runtime_error("pronunciation decoder settings were rejected");
    ps = ps_init(config);
    if (!ps) {
      cmd_ln_free_r(config);
      throw std::runtime_error("pronunciation decoder could not be created (model files unreadable?)");
    }
    // The loop is the same for every attempt: compiled once per decoder.
    has_loop = ps_set_jsgf_string(ps, "loop", phone_loop_grammar().c_str()) >= 0;
  }
  ~Impl() {
    if (ps) ps_free(ps);
    if (config) cmd_ln_free_r(config);
  }

  // One pass of `search` over the attempt; its segments in order.
  std::vector<Segment> decode(const char* search) {
    std::vector<Segment> out;
    if (ps_set_search(ps, search) < 0) return out;
    ps_start_stream(ps);  // frame times from 0 for each pass
    ps_start_utt(ps);
    ps_process_raw(ps, pcm.data(), pcm.size(), FALSE, TRUE);
    ps_end_utt(ps);
    logmath_t* lmath = ps_get_logmath(ps);
    for (ps_seg_t* seg = ps_seg_iter(ps); seg; seg = ps_seg_next(seg)) {
      Segment s;
      s.name = ps_seg_word(seg);
      ps_seg_frames(seg, &s.start_frame, &s.end_frame);
      int32 ascr = 0, lscr = 0, lback = 0;
      ps_seg_prob(seg, &ascr, &lscr, &lback);
      s.ascr_ln = logmath_log_to_ln(lmath, ascr);
      out.push_back(std::move(s));
    }
    return out;
  }
};

PronunciationAssessor::PronunciationAssessor(std::shared_ptr<const PronunciationModels> models)
    : impl_(std::make_unique<Impl>(std::move(models))) {}

PronunciationAssessor::~PronunciationAssessor() = default;

namespace {

// A pass's phone segments per target word, each named by its phone
// ("w3_AH" becomes "AH" in word 3); silences dropped.
std::vector<std::vector<Segment>> phones_by_word(std::vector<Segment> segments, std::size_t words) {
  std::vector<std::vector<Segment>> out(words);
  for (auto& s : segments) {
    auto parsed = parse_pseudo_word(s.name);
    if (!parsed || parsed->first >= words) continue;
    s.name = std::move(parsed->second);
    out[parsed->first].push_back(std::move(s));
  }
  return out;
}

int mean_score(const std::vector<PhoneAssessment>& phones) {
  if (phones.empty()) return 0;
  double sum = 0;
  for (const auto& p : phones) sum += p.score;
  return static_cast<int>(std::lround(sum / static_cast<double>(phones.size())));
}

}  // namespace

PronunciationAssessment PronunciationAssessor::assess(std::span<const float> samples, const Target& target,
                                                      std::span<const Word> transcript) {
  return with_transcript(assess_audio(samples, target), target, transcript);
}

PronunciationAssessment PronunciationAssessor::assess_audio(std::span<const float> samples, const Target& target, Reading reading) {
  auto& m = *impl_;
  m.pcm.resize(samples.size());
  // A dither of a few steps (about -80 dBFS): every frame is decoded, and a
  // muted microphone's digital silence would otherwise align to any word
  // as well as to silence. Its own generator, the same for every call: the
  // dither adds no randomness (the decoder's running cepstral mean, carried
  // from its previous attempt, still does: docs/pronunciation.md).
  std::uint32_t noise = 0x2545F491u;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    noise = noise * 1664525u + 1013904223u;
    const float dither = static_cast<float>(noise >> 29) - 3.5f;  // uniform, -3.5..3.5 steps
    m.pcm[i] = static_cast<std::int16_t>(std::clamp(std::lrint(std::clamp(samples[i], -1.0f, 1.0f) * 32767.0f + dither), -32768L, 32767L));
  }

  std::vector<WordAssessment> words(target.words.size());
  for (std::size_t k = 0; k < words.size(); ++k) {
    words[k].text = target.words[k].spoken;
    words[k].target = k;
  }
  if (!target.words.empty() && target.words.size() <= static_cast<std::size_t>(m.models->options().max_words) && !m.pcm.empty() &&
      ps_set_jsgf_string(m.ps, "target", grammar_of(target, reading).c_str()) >= 0) {
    const auto forced = phones_by_word(m.decode("target"), words.size());
    std::vector<Segment> heard;
    if (m.has_loop && std::any_of(forced.begin(), forced.end(), [](const auto& w) { return !w.empty(); })) {
      heard = m.decode("loop");
      for (auto& h : heard)  // "w0_AH" -> "AH"; silences keep their names and compete too
        if (auto parsed = parse_pseudo_word(h.name)) h.name = std::move(parsed->second);
    }
    for (std::size_t k = 0; k < words.size(); ++k) {
      for (const Segment& s : forced[k]) {
        PhoneAssessment p;
        p.phone = s.name;
        p.start = seconds(s.start_frame);
        p.end = seconds(s.end_frame + 1);
        // The loop's score over the same frames, each of its phones counted
        // by the share of its frames that overlap; the phone it heard there
        // is the one with the most frames.
        double loop_score = 0;
        int most = 0;
        for (const Segment& h : heard) {
          const int overlap = std::min(h.end_frame, s.end_frame) - std::max(h.start_frame, s.start_frame) + 1;
          if (overlap <= 0) continue;
          loop_score += h.ascr_ln * overlap / (h.end_frame - h.start_frame + 1);
          if (overlap > most) most = overlap, p.said_as = h.name;
        }
        const int frames = s.end_frame - s.start_frame + 1;
        if (most > 0) p.gop = std::min(0.0, (s.ascr_ln - loop_score) / frames);
        p.score = phone_score(p.gop);
        if (p.score >= kLowPhoneScore || p.said_as == p.phone || !find_phoneme(p.said_as)) p.said_as.clear();
        words[k].phones.push_back(std::move(p));
      }
    }
  }
  return scored(std::move(words));
}

PronunciationAssessment scored(std::vector<WordAssessment> words) {
  PronunciationAssessment out;
  // Per word: said or not, and how well.
  int said = 0;
  std::map<std::string, std::pair<double, int>> by_phone;  // sum of scores, count
  double phone_sum = 0;
  int phone_count = 0;
  for (auto& w : words) {
    if (w.phones.empty()) continue;
    ++said;
    w.start = w.phones.front().start;
    w.end = w.phones.back().end;
    w.score = mean_score(w.phones);
    const bool low_phone = std::any_of(w.phones.begin(), w.phones.end(), [](const auto& p) { return p.score < kLowPhoneScore; });
    w.status = low_phone || w.score < kLowWordScore ? WordStatus::mispronounced : WordStatus::correct;
    for (const auto& p : w.phones) {
      auto& [sum, n] = by_phone[p.phone];
      sum += p.score;
      ++n;
      phone_sum += p.score;
      ++phone_count;
    }
  }
  out.completeness = words.empty() ? 0 : static_cast<int>(std::lround(100.0 * said / static_cast<double>(words.size())));
  out.accuracy = phone_count ? static_cast<int>(std::lround(phone_sum / phone_count)) : 0;

  // The attempt's weak phonemes: mean score below the low mark, worst first.
  std::vector<std::pair<double, std::string>> weak;
  for (const auto& [phone, sn] : by_phone)
    if (sn.first / sn.second < kLowPhoneScore + 10) weak.emplace_back(sn.first / sn.second, phone);
  std::sort(weak.begin(), weak.end());
  for (std::size_t i = 0; i < weak.size() && i < 5; ++i) out.weak_phonemes.push_back(weak[i].second);
  out.words = std::move(words);
  return out;
}

PronunciationAssessment with_transcript(PronunciationAssessment out, const Target& target, std::span<const Word> transcript) {
  auto& words = out.words;
  const auto said = std::count_if(words.begin(), words.end(), [](const WordAssessment& w) { return !w.phones.empty(); });
  // Words the recogniser heard that the target lacks: the insertions of its
  // transcript aligned to the target text (the forced alignment cannot say:
  // it stretches the neighbouring words over an extra one). Repeated when the
  // same as a word heard next to it.
  std::vector<WordAssessment> extras;
  std::vector<const Word*> heard;
  std::vector<std::string> heard_text, target_text;
  for (const auto& t : transcript)
    if (!t.filler) heard.push_back(&t), heard_text.push_back(normalise_word(t.text));  // hesitations are fluency's, below
  for (const auto& w : target.words) target_text.push_back(normalise_word(w.spoken));
  for (const auto& pair : word_error_rate(target_text, heard_text).alignment) {
    if (pair.ref >= 0 || pair.hyp < 0) continue;
    const auto h = static_cast<std::size_t>(pair.hyp);
    WordAssessment e;
    e.text = heard[h]->text;
    e.start = heard[h]->start;
    e.end = heard[h]->end;
    const bool again = (h > 0 && heard_text[h - 1] == heard_text[h]) || (h + 1 < heard.size() && heard_text[h + 1] == heard_text[h]);
    e.status = again ? WordStatus::repeated : WordStatus::inserted;
    extras.push_back(std::move(e));
  }
  // Fluency: long pauses between words said, hesitations, insertions and repetitions.
  double first = -1, last = 0, pausing = 0, previous_end = -1;
  for (const auto& w : words) {
    if (w.phones.empty()) continue;
    if (first < 0) first = w.start;
    if (previous_end >= 0) pausing += std::max(0.0, std::min(w.start - previous_end, 2.0) - 0.4);
    previous_end = w.end;
    last = w.end;
  }
  out.speech_seconds = first < 0 ? 0 : last - first;
  int hesitations = 0;
  for (const auto& t : transcript) hesitations += t.filler ? 1 : 0;
  if (said == 0) {
    out.fluency = 0;
  } else {
    const double pause_share = out.speech_seconds > 0 ? pausing / out.speech_seconds : 0;
    const double penalty = 100.0 * std::min(1.0, pause_share / 0.5) * 0.6 + 8.0 * static_cast<double>(extras.size() + hesitations);
    out.fluency = static_cast<int>(std::lround(std::clamp(100.0 - penalty, 0.0, 100.0)));
  }
  // Words in the order said: extras go before the first target word said after them.
  for (auto& e : extras) {
    auto at = std::find_if(words.begin(), words.end(), [&](const WordAssessment& w) { return !w.phones.empty() && w.start >= e.start; });
    words.insert(at, std::move(e));
  }
  return out;
}

}  // namespace orator::speech
