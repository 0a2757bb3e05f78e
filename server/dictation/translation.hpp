#pragma once
// Translation of dictation items. The embedded default is Apertium (Debian's
// `apertium` and its language-pair packages: offline, GPL, run as a program);
// by configuration a LibreTranslate-compatible HTTP endpoint instead.
// Languages are ISO 639-1 codes ("en", "es"); pairs are "en-es".
// Blocking (run off the event loop); thread-safe.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace orator::server::dictation {

struct TranslationResult {
  std::optional<std::string> text;
  bool unsupported_pair = false;  // the provider lacks this pair (answer 422 with pairs())
  std::string error;              // why there is no text
};

class Translator {
 public:
  virtual ~Translator() = default;
  [[nodiscard]] virtual std::string name() const = 0;  // "apertium", "libretranslate"
  // What it can translate, "en-es" style, sorted.
  [[nodiscard]] virtual std::vector<std::string> pairs() const = 0;
  [[nodiscard]] virtual TranslationResult translate(const std::string& text, const std::string& source,
                                                    const std::string& target) const = 0;
};

// Apertium's installed modes (/usr/share/apertium/modes by default).
[[nodiscard]] std::unique_ptr<Translator> make_apertium(const std::string& modes_dir = "/usr/share/apertium/modes");

struct LibreTranslateConfig {
  std::string url;      // base URL: .../translate and .../languages below it
  std::string api_key;  // sent in the body as LibreTranslate expects; never logged
  std::chrono::seconds timeout{30};
};
[[nodiscard]] std::unique_ptr<Translator> make_libretranslate(const LibreTranslateConfig& config);

// "en-US" -> "en"; "" when the tag has no language.
[[nodiscard]] std::string language_of(const std::string& locale);

}  // namespace orator::server::dictation
