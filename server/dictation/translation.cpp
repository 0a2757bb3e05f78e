#include "server/dictation/translation.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <filesystem>
#include <map>
#include <mutex>

#include "server/dictation/subprocess.hpp"
#include "server/http_client.hpp"

namespace orator::server::dictation {
namespace json = boost::json;
namespace {

constexpr auto kApertiumTimeout = std::chrono::seconds(60);
constexpr std::size_t kMaxTranslation = 1u << 20;

// Apertium names its newer pairs with ISO 639-3 codes, its older ones with 639-1.
constexpr std::array<std::pair<std::string_view, std::string_view>, 32> kThreeLetter = {{
    {"af", "afr"}, {"an", "arg"}, {"ast", "ast"}, {"be", "bel"}, {"bg", "bul"}, {"br", "bre"}, {"ca", "cat"},
    {"da", "dan"}, {"de", "deu"}, {"en", "eng"}, {"eo", "epo"}, {"es", "spa"}, {"eu", "eus"}, {"fi", "fin"},
    {"fr", "fra"}, {"gl", "glg"}, {"is", "isl"}, {"it", "ita"}, {"mk", "mkd"}, {"ms", "zlm"}, {"nb", "nob"},
    {"nl", "nld"}, {"nn", "nno"}, {"no", "nor"}, {"oc", "oci"}, {"pl", "pol"}, {"pt", "por"}, {"ro", "ron"},
    {"ru", "rus"}, {"sc", "srd"}, {"sv", "swe"}, {"uk", "ukr"},
}};

std::string two_letter(std::string_view code) {
  for (const auto& [two, three] : kThreeLetter)
    if (three == code) return std::string(two);
  return std::string(code);
}

class Apertium final : public Translator {
 public:
  explicit Apertium(const std::string& modes_dir) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(modes_dir, ec)) {
      if (entry.path().extension() != ".mode") continue;
      const std::string mode = entry.path().stem().string();  // "eng-spa", "spa-eng_US", "fr-es"
      const auto dash = mode.find('-');
      if (dash == std::string::npos || mode.find('_') != std::string::npos) continue;  // variants need the plain pair
      const std::string pair = two_letter(mode.substr(0, dash)) + "-" + two_letter(mode.substr(dash + 1));
      if (pair.find('-', pair.find('-') + 1) != std::string::npos) continue;  // multi-step debug modes
      modes_.emplace(pair, mode);
    }
  }
  std::string name() const override { return "apertium"; }
  std::vector<std::string> pairs() const override {
    std::vector<std::string> out;
    for (const auto& [pair, mode] : modes_) out.push_back(pair);
    return out;
  }
  TranslationResult translate(const std::string& text, const std::string& source, const std::string& target) const override {
    TranslationResult r;
    const auto mode = modes_.find(source + "-" + target);
    if (mode == modes_.end()) {
      r.unsupported_pair = true;
      r.error = "Apertium has no " + source + "-" + target + " pair installed";
      return r;
    }
    TempFile input(text);
    if (!input.ok()) return r.error = "the text could not be written for Apertium", r;
    // -u: unknown words as written, without Apertium's '*' marks.
    const auto run = run_program({"apertium", "-u", mode->second, input.path()}, kApertiumTimeout, kMaxTranslation);
    if (!run.ok()) return r.error = "apertium failed: " + run.explain(), r;
    std::string out = run.out;
    while (!out.empty() && std::isspace(static_cast<unsigned char>(out.back()))) out.pop_back();
    r.text = std::move(out);
    return r;
  }

 private:
  std::map<std::string, std::string> modes_;  // "en-es" -> "eng-spa"
};

class LibreTranslate final : public Translator {
 public:
  explicit LibreTranslate(LibreTranslateConfig c) : config_(std::move(c)) {}
  std::string name() const override { return "libretranslate"; }
  std::vector<std::string> pairs() const override {
    std::lock_guard lock(mutex_);
    if (pairs_.empty()) pairs_ = fetch_pairs();
    return pairs_;
  }
  TranslationResult translate(const std::string& text, const std::string& source, const std::string& target) const override {
    TranslationResult r;
    HttpCall call;
    call.url = base() + "/translate";
    call.content_type = "application/json";
    json::object body{{"q", text}, {"source", source}, {"target", target}, {"format", "text"}};
    if (!config_.api_key.empty()) body["api_key"] = config_.api_key;
    call.body = json::serialize(body);
    call.timeout = config_.timeout;
    const auto reply = http_call(call);
    if (!reply.error.empty()) return r.error = "the translation provider " + reply.error, r;
    boost::system::error_code ec;
    const auto v = json::parse(reply.body, ec);
    const auto* obj = ec ? nullptr : v.if_object();
    if (reply.status == 400) {
      // LibreTranslate answers 400 for a language it does not have.
      r.unsupported_pair = true;
      const auto* message = obj ? obj->if_contains("error") : nullptr;
      r.error = message && message->is_string() ? std::string(message->as_string()) : "the provider does not translate this pair";
      return r;
    }
    const auto* translated = obj ? obj->if_contains("translatedText") : nullptr;
    if (reply.status != 200 || !translated || !translated->is_string())
      return r.error = "the translation provider answered HTTP " + std::to_string(reply.status), r;
    r.text = std::string(translated->as_string());
    return r;
  }

 private:
  std::string base() const {
    std::string b = config_.url;
    while (!b.empty() && b.back() == '/') b.pop_back();
    return b;
  }
  // GET /languages: [{"code":"en","targets":["es",...]}, ...]
  std::vector<std::string> fetch_pairs() const {
    HttpCall call;
    call.method = "GET";
    call.url = base() + "/languages";
    call.timeout = config_.timeout;
    const auto reply = http_call(call);
    std::vector<std::string> out;
    boost::system::error_code ec;
    const auto v = reply.status == 200 ? json::parse(reply.body, ec) : json::value();
    if (ec || !v.is_array()) return out;
    for (const auto& language : v.as_array()) {
      const auto* o = language.if_object();
      const auto* code = o ? o->if_contains("code") : nullptr;
      const auto* targets = o ? o->if_contains("targets") : nullptr;
      if (!code || !code->is_string() || !targets || !targets->is_array()) continue;
      for (const auto& t : targets->as_array())
        if (t.is_string() && t.as_string() != code->as_string())
          out.push_back(std::string(code->as_string()) + "-" + std::string(t.as_string()));
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  LibreTranslateConfig config_;
  mutable std::mutex mutex_;
  mutable std::vector<std::string> pairs_;
};

}  // namespace

std::unique_ptr<Translator> make_apertium(const std::string& modes_dir) { return std::make_unique<Apertium>(modes_dir); }

std::unique_ptr<Translator> make_libretranslate(const LibreTranslateConfig& config) {
  return std::make_unique<LibreTranslate>(config);
}

std::string language_of(const std::string& locale) {
  std::string language = locale.substr(0, locale.find('-'));
  for (auto& c : language) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return language;
}

}  // namespace orator::server::dictation
