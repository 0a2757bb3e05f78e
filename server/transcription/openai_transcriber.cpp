#include "server/transcription/openai_transcriber.hpp"

#include <boost/json.hpp>

#include <random>

#include "server/http_client.hpp"

namespace orator::server::transcription {
namespace json = boost::json;
namespace {

constexpr std::size_t kMaxResponseBytes = 16u << 20;

std::string boundary() {
  std::random_device rd;
  return "orator-" + std::to_string(rd()) + std::to_string(rd());
}

std::string multipart(const std::string& b, const std::string& wav, const ProviderConfig& c, const std::string& lang) {
  auto field = [&](const std::string& name, const std::string& value) {
    return "--" + b + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n";
  };
  std::string body = field("model", c.model) + field("response_format", "verbose_json") +
                     field("timestamp_granularities[]", "word") + field("language", lang.substr(0, lang.find('-')));
  body += "--" + b + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"audio.wav\"\r\n"
          "Content-Type: audio/wav\r\n\r\n";
  body += wav;
  body += "\r\n--" + b + "--\r\n";
  return body;
}

// Vowel groups of the spelling: the provider gives no pronunciations.
int spelled_syllables(const std::string& w) {
  int n = 0;
  bool in_vowel = false;
  for (char c : w) {
    const bool v = c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y';
    if (v && !in_vowel) ++n;
    in_vowel = v;
  }
  if (n > 1 && w.size() > 2 && w.back() == 'e' && w[w.size() - 2] != 'l') --n;  // silent e
  return std::max(n, 1);
}

}  // namespace

std::optional<std::vector<speech::Word>> parse_provider_words(const std::string& body, std::string& language, std::string& error) {
  boost::system::error_code ec;
  const auto v = json::parse(body, ec);
  const auto* obj = !ec ? v.if_object() : nullptr;
  const auto* words = obj ? obj->if_contains("words") : nullptr;
  if (!words || !words->is_array()) {
    error = "the transcription provider's answer has no word timings (verbose_json with word timestamps)";
    return std::nullopt;
  }
  if (const auto* l = obj->if_contains("language"); l && l->is_string()) language = l->as_string();
  std::vector<speech::Word> out;
  for (const auto& item : words->as_array()) {
    const auto* w = item.if_object();
    const auto* text = w ? w->if_contains("word") : nullptr;
    const auto* start = w ? w->if_contains("start") : nullptr;
    const auto* end = w ? w->if_contains("end") : nullptr;
    if (!text || !text->is_string() || !start || !start->is_number() || !end || !end->is_number()) {
      error = "the transcription provider's words are not {word, start, end}";
      return std::nullopt;
    }
    speech::Word word;
    word.text = speech::normalise_word(text->as_string());
    if (word.text.empty()) continue;  // punctuation
    word.start = start->to_number<double>();
    word.end = end->to_number<double>();
    if (const auto* p = w->if_contains("probability"); p && p->is_number()) word.confidence = static_cast<float>(p->to_number<double>());
    word.filler = speech::is_hesitation(word.text);
    word.syllables = spelled_syllables(word.text);
    out.push_back(std::move(word));
  }
  return out;
}

ProviderResult transcribe_with_provider(const ProviderConfig& c, const std::string& wav, const std::string& lang) {
  ProviderResult out;
  const std::string b = boundary();
  HttpCall call;
  call.url = c.url;
  call.content_type = "multipart/form-data; boundary=" + b;
  if (!c.api_key.empty()) call.headers.emplace_back("Authorization", "Bearer " + c.api_key);
  call.body = multipart(b, wav, c, lang);
  call.timeout = c.timeout;
  call.max_response_bytes = kMaxResponseBytes;
  const auto reply = http_call(call);
  if (!reply.error.empty()) {
    out.error = "the transcription provider " + reply.error;
  } else if (reply.status != 200) {
    out.error = "the transcription provider answered HTTP " + std::to_string(reply.status);
  } else {
    out.words = parse_provider_words(reply.body, out.language, out.error);
  }
  return out;
}

}  // namespace orator::server::transcription
