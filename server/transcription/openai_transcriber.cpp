#include "server/transcription/openai_transcriber.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include <random>

namespace orator::server::transcription {
namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
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

template <class Stream>
ProviderResult post_and_read(Stream& stream, const http::request<http::string_body>& req) {
  ProviderResult out;
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxResponseBytes);
  http::read(stream, buffer, parser);
  const auto& res = parser.get();
  if (res.result_int() != 200) {
    out.error = "the transcription provider answered HTTP " + std::to_string(res.result_int());
    return out;
  }
  out.words = parse_provider_words(res.body(), out.language, out.error);
  return out;
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
  const auto url = boost::urls::parse_uri(c.url);
  if (!url || (url->scheme() != "http" && url->scheme() != "https")) {
    out.error = "the transcription provider URL is not http(s)://";
    return out;
  }
  const bool tls = url->scheme() == "https";
  const std::string host(url->host());
  const std::string port = url->has_port() ? std::string(url->port()) : (tls ? "443" : "80");
  const std::string b = boundary();
  http::request<http::string_body> req{http::verb::post, std::string(url->encoded_path().empty() ? "/" : url->encoded_path()), 11};
  req.set(http::field::host, host);
  req.set(http::field::user_agent, "orator");
  req.set(http::field::content_type, "multipart/form-data; boundary=" + b);
  if (!c.api_key.empty()) req.set(http::field::authorization, "Bearer " + c.api_key);
  req.body() = multipart(b, wav, c, lang);
  req.prepare_payload();
  try {
    net::io_context ioc;
    net::ip::tcp::resolver resolver(ioc);
    const auto endpoints = resolver.resolve(host, port);
    if (!tls) {
      beast::tcp_stream stream(ioc);
      stream.expires_after(c.timeout);
      stream.connect(endpoints);
      out = post_and_read(stream, req);
      beast::error_code ignored;
      stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
    } else {
      net::ssl::context ctx(net::ssl::context::tls_client);
      ctx.set_default_verify_paths();
      ctx.set_verify_mode(net::ssl::verify_peer);
      beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
      SSL_set_tlsext_host_name(stream.native_handle(), host.c_str());
      stream.set_verify_callback(net::ssl::host_name_verification(host));
      beast::get_lowest_layer(stream).expires_after(c.timeout);
      beast::get_lowest_layer(stream).connect(endpoints);
      stream.handshake(net::ssl::stream_base::client);
      out = post_and_read(stream, req);
    }
  } catch (const std::exception& e) {
    out.words.reset();
    out.error = std::string("the transcription provider could not be reached: ") + e.what();
  }
  return out;
}

}  // namespace orator::server::transcription
