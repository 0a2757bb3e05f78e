#pragma once
// Pronunciation practice content, written by us and compiled in: the 39
// phonemes of US English (data/phonemes.json: IPA, type, place and manner,
// example words, articulation tips, minimal pairs) and the practice
// sentences (data/sentences.txt), each with its phones, a computed
// difficulty and the phonemes it exercises (docs/pronunciation.md).
// Built once (library()); immutable and thread-safe after.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "speech/lexicon.hpp"
#include "speech/pronunciation.hpp"

namespace orator::server::pronunciation {

enum class Difficulty { beginner, intermediate, advanced };
[[nodiscard]] std::string_view difficulty_name(Difficulty d);
[[nodiscard]] std::optional<Difficulty> parse_difficulty(std::string_view name);

struct SentenceWord {
  std::string written;
  std::string spoken;
  speech::Phones phones;  // the dictionary's first pronunciation
};

struct Sentence {
  std::string id;  // "snt_" + a hash of the text: stable while the text is
  std::string topic;
  std::string text;
  std::vector<SentenceWord> words;
  Difficulty difficulty = Difficulty::beginner;
  std::vector<std::string> exercises;  // phonemes it has far more of than the library's average, most first
};

class Library {
 public:
  // From the embedded data and `lexicon`; throws std::runtime_error when the data is malformed.
  explicit Library(const speech::Lexicon& lexicon);

  [[nodiscard]] const boost::json::array& phonemes() const { return phonemes_; }
  [[nodiscard]] const boost::json::object* phoneme(std::string_view symbol) const;  // any case
  [[nodiscard]] const std::vector<Sentence>& sentences() const { return sentences_; }
  [[nodiscard]] const Sentence* sentence(std::string_view id) const;

  // Up to `limit` sentences for someone whose weakest phonemes are `weak`
  // (worst first): sentences exercising them, easier first within the
  // wanted difficulty; with no weak phonemes, a spread of beginner
  // sentences covering different phonemes. `exclude`: ids just practised.
  [[nodiscard]] std::vector<const Sentence*> recommend(const std::vector<std::string>& weak, std::optional<Difficulty> difficulty,
                                                       std::size_t limit, const std::vector<std::string>& exclude = {}) const;

 private:
  boost::json::array phonemes_;
  std::vector<Sentence> sentences_;
};

// The pronunciation models (decoder settings and the lexicon), loaded on
// first use and shared by the library and every assessment; nullptr with
// `error` when the model files cannot be read.
[[nodiscard]] std::shared_ptr<const speech::PronunciationModels> models(std::string* error = nullptr);
// Where the models write their decoders' dictionary (the server's data
// directory, so a killed server leaves nothing in /tmp); a temporary
// directory removed at exit when never called. Call before the first
// models(), from one thread.
void set_models_work_dir(std::string dir);

// The library, built on first use from the models' lexicon; nullptr with
// `error` when it cannot be.
[[nodiscard]] const Library* library(std::string* error = nullptr);

}  // namespace orator::server::pronunciation
