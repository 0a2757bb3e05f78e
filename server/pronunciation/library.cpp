#include "server/pronunciation/library.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>

#include "server/dictation/difficulty.hpp"
#include "speech/dictation_scoring.hpp"
#include "speech/phonemes.hpp"
#include "speech/spoken_text.hpp"

namespace orator::server {
std::string_view pronunciation_phonemes_json();   // data/phonemes.json, embedded
std::string_view pronunciation_sentences_text();  // data/sentences.txt, embedded
}  // namespace orator::server

namespace orator::server::pronunciation {
namespace json = boost::json;
namespace {

// Phonemes learners of English most often find hard (TH, DH, R, L, V, W,
// the lax vowels, ZH, NG, ER): a sentence full of them is harder.
constexpr std::array<std::string_view, 12> kHardPhonemes = {"TH", "DH", "R", "L", "V", "W", "IH", "UH", "AE", "ZH", "NG", "ER"};

std::string stable_id(std::string_view text) {
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a
  for (const unsigned char c : text) h = (h ^ c) * 1099511628211ULL;
  char buf[24];
  std::snprintf(buf, sizeof buf, "snt_%012llx", static_cast<unsigned long long>(h & 0xffffffffffffULL));
  return buf;
}

Difficulty difficulty_of(const Sentence& s) {
  // Rarity and word length as dictation judges them (1-5), then length in
  // words and hard phonemes: beginner <= 3 points, advanced >= 5.
  int points = dictation::estimate_difficulty(speech::dictation_words(s.text, {false, "en"}), "en");
  const auto words = s.words.size();
  points += (words > 9 ? 1 : 0) + (words > 13 ? 1 : 0);
  int hard = 0;
  for (const auto& w : s.words)
    for (const auto& p : w.phones) hard += std::find(kHardPhonemes.begin(), kHardPhonemes.end(), p) != kHardPhonemes.end() ? 1 : 0;
  points += (hard >= 6 ? 1 : 0) + (hard >= 10 ? 1 : 0);
  return points <= 3 ? Difficulty::beginner : points == 4 ? Difficulty::intermediate : Difficulty::advanced;
}

std::vector<Sentence> read_sentences(const speech::Lexicon& lexicon) {
  std::vector<Sentence> out;
  const std::string_view text = pronunciation_sentences_text();
  for (std::size_t at = 0; at < text.size();) {
    const auto end = std::min(text.find('\n', at), text.size());
    const std::string_view line = text.substr(at, end - at);
    at = end + 1;
    if (line.empty() || line[0] == '#') continue;
    const auto bar = line.find('|');
    if (bar == std::string_view::npos) throw std::runtime_error("sentence without a topic: " + std::string(line));
    Sentence s;
    s.topic = std::string(line.substr(0, bar));
    s.text = std::string(line.substr(bar + 1));
    s.id = stable_id(s.text);
    for (const auto& token : speech::spoken_tokens(s.text)) {
      for (const auto& spoken : token.spoken) {
        auto p = lexicon.lookup(spoken);
        if (p.variants.empty()) throw std::runtime_error("no pronunciation for \"" + spoken + "\" in: " + s.text);
        s.words.push_back({token.written, spoken, std::move(p.variants.front())});
      }
    }
    out.push_back(std::move(s));
  }
  // What each sentence exercises: phonemes it has at least twice as often
  // as the library as a whole, twice or more.
  std::map<std::string, double> share;
  double all = 0;
  for (const auto& s : out)
    for (const auto& w : s.words)
      for (const auto& p : w.phones) share[p] += 1, all += 1;
  for (auto& [p, n] : share) n /= all;
  for (auto& s : out) {
    std::map<std::string, int> count;
    int total = 0;
    for (const auto& w : s.words)
      for (const auto& p : w.phones) ++count[p], ++total;
    std::vector<std::pair<double, std::string>> ratio;
    for (const auto& [p, n] : count)
      if (n >= 2 && n >= 2.0 * share[p] * total) ratio.emplace_back(n / (share[p] * total), p);
    std::sort(ratio.rbegin(), ratio.rend());
    for (std::size_t i = 0; i < ratio.size() && i < 4; ++i) s.exercises.push_back(ratio[i].second);
    s.difficulty = difficulty_of(s);
  }
  return out;
}

bool exercises(const Sentence& s, const std::string& phoneme) {
  return std::find(s.exercises.begin(), s.exercises.end(), phoneme) != s.exercises.end();
}

}  // namespace

std::string_view difficulty_name(Difficulty d) {
  switch (d) {
    case Difficulty::beginner: return "beginner";
    case Difficulty::intermediate: return "intermediate";
    case Difficulty::advanced: return "advanced";
  }
  return "beginner";
}

std::optional<Difficulty> parse_difficulty(std::string_view name) {
  for (const auto d : {Difficulty::beginner, Difficulty::intermediate, Difficulty::advanced})
    if (difficulty_name(d) == name) return d;
  return std::nullopt;
}

Library::Library(const speech::Lexicon& lexicon) {
  phonemes_ = json::parse(pronunciation_phonemes_json()).as_array();
  if (phonemes_.size() != speech::phonemes().size()) throw std::runtime_error("the phoneme library must describe all 39 phonemes");
  sentences_ = read_sentences(lexicon);
}

const json::object* Library::phoneme(std::string_view symbol) const {
  std::string upper;
  for (const char c : symbol) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const auto& p : phonemes_)
    if (p.as_object().at("symbol").as_string() == upper) return &p.as_object();
  return nullptr;
}

const Sentence* Library::sentence(std::string_view id) const {
  for (const auto& s : sentences_)
    if (s.id == id) return &s;
  return nullptr;
}

std::vector<const Sentence*> Library::recommend(const std::vector<std::string>& weak, std::optional<Difficulty> difficulty,
                                                std::size_t limit, const std::vector<std::string>& exclude) const {
  std::vector<const Sentence*> out;
  std::set<std::string> taken(exclude.begin(), exclude.end());
  const auto take = [&](const Sentence& s) {
    if (out.size() >= limit || taken.count(s.id)) return;
    out.push_back(&s);
    taken.insert(s.id);
  };
  const auto wanted = difficulty.value_or(Difficulty::beginner);
  // Round-robin over the weak phonemes, the wanted difficulty first, then
  // the next one up, so that each weak phoneme gets its share.
  for (const auto level : {wanted, wanted == Difficulty::advanced ? Difficulty::intermediate
                                                                  : static_cast<Difficulty>(static_cast<int>(wanted) + 1)}) {
    for (bool progress = true; progress && out.size() < limit;) {
      progress = false;
      for (const auto& phoneme : weak) {
        for (const auto& s : sentences_) {
          if (s.difficulty != level || taken.count(s.id) || !exercises(s, phoneme)) continue;
          take(s);
          progress = true;
          break;
        }
      }
    }
    if (difficulty) break;  // a difficulty asked for is kept to
  }
  // A new learner (or too few matches): one sentence per phoneme not yet
  // covered, at the wanted difficulty.
  std::set<std::string> covered;
  for (const auto* s : out) covered.insert(s->exercises.begin(), s->exercises.end());
  for (const auto& s : sentences_) {
    if (out.size() >= limit) break;
    if (s.difficulty != wanted || s.exercises.empty() || covered.count(s.exercises.front())) continue;
    take(s);
    covered.insert(s.exercises.begin(), s.exercises.end());
  }
  for (const auto& s : sentences_)
    if (s.difficulty == wanted) take(s);
  return out;
}

namespace {
std::string& models_work_dir() {
  static std::string dir;
  return dir;
}
}  // namespace

void set_models_work_dir(std::string dir) { models_work_dir() = std::move(dir); }

std::shared_ptr<const speech::PronunciationModels> models(std::string* error) {
  static std::string why;
  static const auto loaded = speech::PronunciationModels::load({}, why, models_work_dir());
  if (!loaded && error) *error = why;
  return loaded;
}

const Library* library(std::string* error) {
  static std::once_flag once;
  static std::unique_ptr<Library> built;
  static std::string why;
  std::call_once(once, [] {
    const auto m = models(&why);
    if (!m) return;
    try {
      built = std::make_unique<Library>(m->lexicon());
    } catch (const std::exception& e) {
      why = e.what();
    }
  });
  if (!built && error) *error = why;
  return built.get();
}

}  // namespace orator::server::pronunciation
