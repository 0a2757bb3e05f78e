// The pronunciation practice library: /v1/phonemes and /v1/sentences (with
// recommendations and reference audio). The content is compiled in
// (server/pronunciation/library.hpp); the same for every user.
#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <list>
#include <mutex>

#include "protocol/ogg_opus_writer.hpp"
#include "protocol/recording.hpp"
#include "server/api/api.hpp"
#include "server/dictation/dictation_services.hpp"
#include "server/pronunciation/library.hpp"
#include "speech/dictation_scoring.hpp"
#include "storage/pronunciation_store.hpp"

namespace orator::server::api {
namespace json = boost::json;
namespace {

const pronunciation::Library& content() {
  std::string error;
  const auto* library = pronunciation::library(&error);
  if (!library) throw ApiError(503, "PRONUNCIATION_UNAVAILABLE", "the pronunciation library could not be loaded: " + error);
  return *library;
}

std::string lower(std::string_view s) {
  std::string out;
  for (const char c : s) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

json::object sentence_json(const pronunciation::Sentence& s, bool with_words) {
  json::array exercises;
  for (const auto& p : s.exercises) exercises.emplace_back(p);
  json::object out{{"id", s.id},
                   {"text", s.text},
                   {"topic", s.topic},
                   {"difficulty", pronunciation::difficulty_name(s.difficulty)},
                   {"word_count", s.words.size()},
                   {"exercises", std::move(exercises)},
                   {"audio_url", "/v1/sentences/" + s.id + "/audio"}};
  if (with_words) {
    json::array words;
    for (const auto& w : s.words) {
      json::array phones;
      for (const auto& p : w.phones) phones.emplace_back(p);
      words.push_back(json::object{{"written", w.written}, {"spoken", w.spoken}, {"phones", std::move(phones)}});
    }
    out["words"] = std::move(words);
  }
  return out;
}

std::optional<pronunciation::Difficulty> difficulty_param(const ApiRequest& req) {
  const auto v = req.query_value("difficulty");
  if (!v) return std::nullopt;
  const auto d = pronunciation::parse_difficulty(*v);
  if (!d) throw validation_error("difficulty must be beginner, intermediate or advanced", {{"field", "difficulty"}});
  return d;
}

// Reference audio, synthesised on first use and kept for the most recent
// sentences (bounded), a few syntheses at a time (flite runs one at a time;
// waiting requests hold database workers, so more are refused with 503).
class ReferenceAudio {
 public:
  std::vector<std::int16_t> get(const pronunciation::Sentence& s, dictation::SpeakingRate rate, dictation::SpeechSynthesis& tts) {
    const std::string key = s.id + "/" + std::string(dictation::rate_name(rate));
    {
      std::lock_guard lock(mutex_);
      for (auto it = cache_.begin(); it != cache_.end(); ++it) {
        if (it->first != key) continue;
        cache_.splice(cache_.begin(), cache_, it);
        return cache_.front().second;
      }
    }
    if (in_flight_.fetch_add(1) >= kMaxInFlight) {
      in_flight_.fetch_sub(1);
      throw ApiError(503, "BUSY", "reference audio is being made for other requests; retry shortly", {{"retry_after", 1}});
    }
    auto made = tts.synthesise(s.text, "flite:cmu_us_slt", rate);
    in_flight_.fetch_sub(1);
    if (made.samples.empty()) throw ApiError(503, "AUDIO_FAILED", "the reference audio could not be made: " + made.error);
    std::lock_guard lock(mutex_);
    cache_.emplace_front(key, made.samples);
    if (cache_.size() > kCached) cache_.pop_back();
    return std::move(made.samples);
  }

 private:
  static constexpr std::size_t kCached = 64;  // about 100 kB each
  static constexpr int kMaxInFlight = 3;
  std::mutex mutex_;
  std::list<std::pair<std::string, std::vector<std::int16_t>>> cache_;  // most recent first
  std::atomic<int> in_flight_{0};
};

}  // namespace

void Api::add_pronunciation_routes() {
  const RouteOptions user{};

  router_.add("GET", "/v1/phonemes?search&type", user, [](ApiRequest& req) {
    const auto type = req.query_value("type");
    if (type && *type != "vowel" && *type != "consonant") throw validation_error("type must be vowel or consonant", {{"field", "type"}});
    const std::string search = lower(req.query_value("search").value_or(""));
    json::array data;
    for (const auto& v : content().phonemes()) {
      const auto& p = v.as_object();
      if (type && p.at("type").as_string() != *type) continue;
      bool found = search.empty() || lower(p.at("symbol").as_string()) == search || std::string(p.at("ipa").as_string()) == search;
      for (const auto& e : p.at("examples").as_array())
        found = found || lower(e.at("word").as_string()).find(search) != std::string::npos;
      if (found) data.push_back(p);
    }
    ApiResponse r;
    const auto n = data.size();
    r.body = json::object{{"data", std::move(data)}, {"total", n}};
    return r;
  });

  router_.add("GET", "/v1/phonemes/{symbol}", user, [](ApiRequest& req) {
    const auto* p = content().phoneme(req.params.at("symbol"));
    if (!p) throw not_found("phoneme");
    json::object out = *p;
    json::array sentences;
    for (const auto& s : content().sentences()) {
      if (sentences.size() >= 5) break;
      if (std::find(s.exercises.begin(), s.exercises.end(), std::string(p->at("symbol").as_string())) != s.exercises.end())
        sentences.push_back(sentence_json(s, false));
    }
    out["sentences"] = std::move(sentences);
    ApiResponse r;
    r.body = std::move(out);
    return r;
  });

  router_.add("GET", "/v1/sentences/recommended?limit&difficulty", user, [this](ApiRequest& req) {
    const int limit = req.int_param("limit", 5, 1, 50);
    const auto difficulty = difficulty_param(req);
    // The learner's weak phonemes (mean below 60 over 3 phones or more, from
    // their assessments), worst first; none for a new learner. Sentences of
    // their latest attempts are left out.
    storage::PronunciationStore assessments(store_.pool());
    const auto weak = assessments.weak_phonemes(req.user_id, 60, 3, 5);
    std::vector<std::string> recent;
    for (const auto& a : assessments.list(req.user_id, std::nullopt, std::nullopt, std::nullopt, 1, 10).assessments)
      if (a.sentence_id) recent.push_back(*a.sentence_id);
    json::array data, based_on;
    for (const auto* s : content().recommend(weak, difficulty, static_cast<std::size_t>(limit), recent)) data.push_back(sentence_json(*s, false));
    for (const auto& p : weak) based_on.emplace_back(p);
    ApiResponse r;
    r.body = json::object{{"data", std::move(data)}, {"based_on", std::move(based_on)}};
    return r;
  });

  router_.add("GET", "/v1/sentences?difficulty&search&phoneme&topic&page&per_page&limit", user, [](ApiRequest& req) {
    const auto difficulty = difficulty_param(req);
    const auto phoneme = req.query_value("phoneme");
    const auto* entry = phoneme ? content().phoneme(*phoneme) : nullptr;
    if (phoneme && !entry) throw validation_error("phoneme must be an ARPAbet symbol (GET /v1/phonemes)", {{"field", "phoneme"}});
    const std::string wanted_phoneme = entry ? std::string(entry->at("symbol").as_string()) : "";
    const auto topic = req.query_value("topic");
    const auto search = req.query_value("search");
    if (search && (search->empty() || speech::code_points(*search) > 200)) throw validation_error("search must be 1-200 characters", {{"field", "search"}});
    const std::string folded = search ? speech::fold_case(*search) : "";
    const int page = req.int_param("page", 1, 1, 100000);
    const int per_page = req.per_page(20, 100);
    std::vector<const pronunciation::Sentence*> matches;
    for (const auto& s : content().sentences()) {
      if (difficulty && s.difficulty != *difficulty) continue;
      if (topic && s.topic != *topic) continue;
      if (phoneme && std::find(s.exercises.begin(), s.exercises.end(), wanted_phoneme) == s.exercises.end()) continue;
      if (search && speech::fold_case(s.text).find(folded) == std::string::npos) continue;
      matches.push_back(&s);
    }
    json::array data;
    const auto first = static_cast<std::size_t>(page - 1) * static_cast<std::size_t>(per_page);
    for (std::size_t i = first; i < matches.size() && i < first + static_cast<std::size_t>(per_page); ++i)
      data.push_back(sentence_json(*matches[i], false));
    return page_response(std::move(data), page, per_page, static_cast<std::int64_t>(matches.size()));
  });

  router_.add("GET", "/v1/sentences/{id}", user, [](ApiRequest& req) {
    const auto* s = content().sentence(req.params.at("id"));
    if (!s) throw not_found("sentence");
    ApiResponse r;
    r.body = sentence_json(*s, true);
    return r;
  });

  router_.add("GET", "/v1/sentences/{id}/audio?rate&format", user, [this](ApiRequest& req) {
    static ReferenceAudio audio;
    const auto* s = content().sentence(req.params.at("id"));
    if (!s) throw not_found("sentence");
    const auto rate = dictation::parse_rate(req.query_value("rate").value_or("normal"));
    if (!rate) throw validation_error("rate must be normal or slow", {{"field", "rate"}});
    const auto format = req.query_value("format").value_or("wav");
    if (format != "wav" && format != "opus") throw validation_error("format must be wav or opus", {{"field", "format"}});
    auto& d = dictation();
    if (!d.synthesis) throw ApiError(503, "AUDIO_FAILED", "speech synthesis is not running on this server");
    const auto samples = audio.get(*s, *rate, *d.synthesis);
    ApiResponse r;
    constexpr int kRate = dictation::SynthesisResult::kSampleRate;
    if (format == "opus") {
      r.raw_body = protocol::encode_ogg_opus(samples, kRate);
      r.content_type = "audio/ogg; codecs=opus";
    } else {
      r.raw_body = protocol::wav_header(kRate, static_cast<std::int64_t>(samples.size())) +
                   std::string(reinterpret_cast<const char*>(samples.data()), samples.size() * 2);
      r.content_type = "audio/wav";
    }
    r.headers.emplace_back("Cache-Control", "private, max-age=86400");
    return r;
  });
}

}  // namespace orator::server::api
