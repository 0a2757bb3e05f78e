// /v1/pronunciation/assessments: a recording of a sentence (or any target
// text) scored phone by phone (speech/pronunciation.hpp), stored with its
// phones; /v1/analytics/phonemes: the learner's phonemes over time.
#include <boost/json.hpp>

#include <algorithm>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>

#include "dsp/analyzer.hpp"
#include "protocol/audio_file.hpp"
#include "server/api/api.hpp"
#include "server/pronunciation/library.hpp"
#include "server/server_context.hpp"
#include "speech/phonemes.hpp"
#include "speech/pronunciation.hpp"
#include "storage/pronunciation_store.hpp"

namespace orator::server::api {
namespace json = boost::json;
namespace {

constexpr double kMaxSeconds = 30;  // a sentence of at most 50 words
constexpr int kWeakBelow = 60;      // a phoneme's mean score under this is weak

// A few decoders, shared by every request; a request waits briefly for
// one, then is refused (assessments run on database workers).
class AssessorPool {
 public:
  static AssessorPool& instance() {
    static AssessorPool pool;
    return pool;
  }
  const speech::PronunciationModels& models() {
    if (!models_) throw ApiError(503, "PRONUNCIATION_UNAVAILABLE", "pronunciation models could not be loaded: " + error_);
    return *models_;
  }
  // Runs `work` with an assessor of its own.
  template <class F>
  auto with_assessor(F&& work) {
    models();
    std::unique_ptr<speech::PronunciationAssessor> a;
    {
      std::unique_lock lock(mutex_);
      if (!ready_.wait_for(lock, std::chrono::seconds(5), [&] { return !idle_.empty() || created_ < kMax; }))
        throw ApiError(503, "BUSY", "every pronunciation decoder is busy; retry shortly", {{"retry_after", 2}});
      if (idle_.empty()) {
        ++created_;
        lock.unlock();
        try {
          a = std::make_unique<speech::PronunciationAssessor>(models_);
        } catch (const std::exception& e) {
          std::lock_guard again(mutex_);
          --created_;  // the place is free again
          ready_.notify_one();
          throw ApiError(503, "PRONUNCIATION_UNAVAILABLE", std::string("a pronunciation decoder could not be made: ") + e.what());
        }
      } else {
        a = std::move(idle_.back());
        idle_.pop_back();
      }
    }
    struct Return {
      AssessorPool& pool;
      std::unique_ptr<speech::PronunciationAssessor>& a;
      ~Return() {
        std::lock_guard lock(pool.mutex_);
        pool.idle_.push_back(std::move(a));
        pool.ready_.notify_one();
      }
    } give_back{*this, a};
    return work(*a);
  }

 private:
  AssessorPool() : models_(pronunciation::models(&error_)) {}
  static constexpr int kMax = 2;
  std::string error_;  // before models_: it is filled while they load
  std::shared_ptr<const speech::PronunciationModels> models_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::vector<std::unique_ptr<speech::PronunciationAssessor>> idle_;
  int created_ = 0;
};

// The attempt at 16 kHz, and the DSP's prosody score (pitch variation),
// from the pronunciation mode's analysis.
struct Analysed {
  std::vector<float> samples16k;
  std::optional<int> prosody;
  double seconds = 0;
};

class CollectAudio : public dsp::AnalysisSink {
 public:
  explicit CollectAudio(std::vector<float>& out) : out_(out) {}
  void on_vad(bool, double) override {}
  void on_nudge(const dsp::Nudge&, const dsp::NudgeInputs&) override {}
  void on_metrics(const dsp::IntervalMetrics&) override {}
  void on_analysis_audio(std::span<const float> s) override { out_.insert(out_.end(), s.begin(), s.end()); }

 private:
  std::vector<float>& out_;
};

Analysed analyse(const std::string& body) {
  if (body.empty()) throw validation_error("the body must be the recording (WAV or Ogg Opus)", {{"field", "body"}});
  const auto decoded = protocol::decode_audio_file(
      std::span(reinterpret_cast<const std::uint8_t*>(body.data()), body.size()), kMaxSeconds);
  if (!decoded.ok()) throw ApiError(422, "UNDECODABLE_AUDIO", "the recording could not be read: " + decoded.error);
  static const auto context = dsp::AnalysisContext::create();
  Analysed out;
  CollectAudio sink(out.samples16k);
  dsp::StreamAnalyzer analyzer(context, {dsp::Mode::pronunciation, decoded.sample_rate, 250}, sink);
  analyzer.push(decoded.samples);
  const auto report = analyzer.finish(true);
  out.seconds = report.duration;
  if (report.pitch_std_semitones) out.prosody = report.scores.engagement;
  return out;
}

std::string ipa_of(const std::string& phone) {
  const auto p = speech::find_phoneme(phone);
  return p ? std::string(p->ipa) : "";
}

// What to say about the attempt: the omitted words, and each mispronounced
// word's worst phone with the library's tip.
json::array feedback_of(const speech::PronunciationAssessment& a, const pronunciation::Library* library) {
  json::array out;
  for (const auto& w : a.words) {
    if (w.status == speech::WordStatus::omitted) {
      out.push_back(json::object{{"type", "omitted"}, {"word", w.text}, {"message", "\"" + w.text + "\" was not heard: read every word."}});
      continue;
    }
    if (w.status != speech::WordStatus::mispronounced || w.phones.empty()) continue;
    const auto worst = std::min_element(w.phones.begin(), w.phones.end(), [](const auto& x, const auto& y) { return x.score < y.score; });
    const auto* entry = library ? library->phoneme(worst->phone) : nullptr;
    const std::string tip = entry ? std::string(entry->at("tip").as_string()) : "";
    std::string message = "In \"" + w.text + "\", " + worst->phone + " /" + ipa_of(worst->phone) + "/";
    message += worst->said_as.empty() ? " was unclear." : " sounded like " + worst->said_as + " /" + ipa_of(worst->said_as) + "/.";
    if (!tip.empty()) message += " " + tip;
    json::object item{{"type", "mispronounced"}, {"word", w.text}, {"phone", worst->phone}, {"ipa", ipa_of(worst->phone)},
                      {"score", worst->score}, {"tip", tip}, {"message", message}};
    if (!worst->said_as.empty()) item["said_as"] = worst->said_as;
    out.push_back(std::move(item));
  }
  return out;
}

json::object result_json(const speech::PronunciationAssessment& a, std::optional<int> prosody, int overall) {
  json::array words;
  for (const auto& w : a.words) {
    json::array phones;
    for (const auto& p : w.phones) {
      json::object ph{{"phone", p.phone}, {"ipa", ipa_of(p.phone)}, {"score", p.score}, {"start", p.start}, {"end", p.end}};
      if (!p.said_as.empty()) ph["said_as"] = p.said_as, ph["said_as_ipa"] = ipa_of(p.said_as);
      phones.push_back(std::move(ph));
    }
    json::object word{{"word", w.text}, {"status", speech::word_status_name(w.status)}, {"score", w.score}, {"phones", std::move(phones)}};
    if (w.status != speech::WordStatus::omitted) word["start"] = w.start, word["end"] = w.end;
    if (w.target) word["index"] = *w.target;
    words.push_back(std::move(word));
  }
  json::array weak;
  for (const auto& p : a.weak_phonemes) weak.push_back(json::object{{"phone", p}, {"ipa", ipa_of(p)}});
  return {{"scores",
           {{"overall", overall},
            {"accuracy", a.accuracy},
            {"fluency", a.fluency},
            {"completeness", a.completeness},
            {"prosody", prosody ? json::value(*prosody) : json::value(nullptr)}}},
          {"words", std::move(words)},
          {"weak_phonemes", std::move(weak)},
          {"feedback", feedback_of(a, pronunciation::library())}};
}

json::object assessment_json(const storage::PronunciationAssessmentRecord& r) {
  json::object out = json::parse(r.result_json).as_object();
  out["id"] = r.id;
  out["sentence_id"] = r.sentence_id ? json::value(*r.sentence_id) : json::value(nullptr);
  out["target_text"] = r.target_text;
  out["duration_ms"] = r.duration_ms;
  out["created_at"] = r.created_at;
  return out;
}

}  // namespace

void Api::add_pronunciation_assessment_routes() {
  const RouteOptions user{};

  router_.add("POST", "/v1/pronunciation/assessments?sentence_id&target_text", user, [this](ApiRequest& req) {
    const auto sentence_id = req.query_value("sentence_id");
    const auto given_text = req.query_value("target_text");
    if (sentence_id.has_value() == given_text.has_value())
      throw validation_error("give exactly one of sentence_id and target_text", {{"field", "target_text"}});
    std::string text;
    if (sentence_id) {
      const auto* library = pronunciation::library();
      const auto* s = library ? library->sentence(*sentence_id) : nullptr;
      if (!s) throw not_found("sentence");
      text = s->text;
    } else {
      text = *given_text;
    }
    auto& pool = AssessorPool::instance();
    std::string why;
    const auto target = pool.models().prepare(text, why);
    if (!target) throw validation_error(why, {{"field", sentence_id ? "sentence_id" : "target_text"}});
    const auto audio = analyse(req.body);
    const auto assessed = pool.with_assessor([&](speech::PronunciationAssessor& a) { return a.assess(audio.samples16k, *target); });
    const int overall = speech::overall_score(assessed.accuracy, assessed.fluency, assessed.completeness, audio.prosody);

    storage::PronunciationAssessmentRecord record;
    record.id = random_id();
    record.user_id = req.user_id;
    record.sentence_id = sentence_id;
    record.target_text = text;
    record.overall = overall;
    record.accuracy = assessed.accuracy;
    record.fluency = assessed.fluency;
    record.completeness = assessed.completeness;
    record.prosody = audio.prosody;
    record.duration_ms = static_cast<std::int64_t>(audio.seconds * 1000);
    record.result_json = json::serialize(result_json(assessed, audio.prosody, overall));
    record.created_at = now_ms();
    std::vector<storage::PhoneScoreRecord> phones;
    for (const auto& w : assessed.words)
      for (const auto& p : w.phones) phones.push_back({p.phone, w.text, p.score});
    storage::PronunciationStore(store_.pool()).create(record, phones);
    ApiResponse r;
    r.status = 201;
    r.body = assessment_json(record);
    r.headers.emplace_back("Location", "/v1/pronunciation/assessments/" + record.id);
    return r;
  });

  router_.add("GET", "/v1/pronunciation/assessments?page&per_page&sentence_id&date_from&date_to", user, [this](ApiRequest& req) {
    const int page = req.int_param("page", 1, 1, 1000000);
    const int per_page = req.per_page(20, 100);
    std::string zone_name;
    const auto zone = user_zone(req.user_id, zone_name);
    const auto result = storage::PronunciationStore(store_.pool())
                            .list(req.user_id, req.query_value("sentence_id"), date_param(req, {"date_from"}, *zone, false),
                                  date_param(req, {"date_to"}, *zone, true), page, per_page);
    json::array data;
    for (const auto& a : result.assessments) data.push_back(assessment_json(a));
    return page_response(std::move(data), page, per_page, result.total);
  });

  router_.add("GET", "/v1/pronunciation/assessments/{id}", user, [this](ApiRequest& req) {
    const auto found = storage::PronunciationStore(store_.pool()).find(req.user_id, req.params.at("id"));
    if (!found) throw not_found("assessment");
    ApiResponse r;
    r.body = assessment_json(*found);
    return r;
  });

  router_.add("GET", "/v1/analytics/phonemes?date_from&date_to", user, [this](ApiRequest& req) {
    std::string zone_name;
    const auto zone = user_zone(req.user_id, zone_name);
    const auto stats = storage::PronunciationStore(store_.pool())
                           .phoneme_stats(req.user_id, date_param(req, {"date_from"}, *zone, false), date_param(req, {"date_to"}, *zone, true));
    json::array vowels, consonants, weak, strong;
    for (const auto& s : stats) {
      const auto known = speech::find_phoneme(s.phone);
      if (!known) continue;
      json::array words;
      for (const auto& [word, score] : s.weak_words) words.push_back(json::object{{"word", word}, {"score", score}});
      json::object item{{"phone", s.phone}, {"ipa", known->ipa}, {"attempts", s.attempts},
                        {"mean_score", std::round(s.mean_score * 10) / 10}, {"weak_words", std::move(words)}};
      if (s.recent_mean && s.earlier_mean) {
        const double delta = *s.recent_mean - *s.earlier_mean;
        item["trend"] = delta > 5 ? "improving" : delta < -5 ? "declining" : "steady";
        item["trend_delta"] = std::round(delta * 10) / 10;
      } else {
        item["trend"] = nullptr;
      }
      (s.mean_score < kWeakBelow && s.attempts >= 3 ? weak : strong).emplace_back(s.phone);
      (known->vowel ? vowels : consonants).push_back(std::move(item));
    }
    ApiResponse r;
    r.body = json::object{{"vowels", std::move(vowels)}, {"consonants", std::move(consonants)},
                          {"weak_phonemes", std::move(weak)}, {"strong_phonemes", std::move(strong)}, {"time_zone", zone_name}};
    return r;
  });
}

}  // namespace orator::server::api
