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
#include "server/pronunciation/assessments.hpp"
#include "server/pronunciation/library.hpp"
#include "server/server_context.hpp"
#include "server/transcription/decoder_pool.hpp"
#include "speech/phonemes.hpp"
#include "speech/pronunciation.hpp"
#include "storage/pronunciation_store.hpp"

namespace orator::server::api {
namespace json = boost::json;
namespace {

constexpr double kMaxSeconds = 30;  // a sentence of at most 50 words
constexpr int kWeakBelow = 60;      // a phoneme's mean score under this is weak

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

json::object assessment_json(const storage::PronunciationAssessmentRecord& r) {
  json::object out = json::parse(r.result_json).as_object();
  out["id"] = r.id;
  out["sentence_id"] = r.sentence_id ? json::value(*r.sentence_id) : json::value(nullptr);
  out["target_text"] = r.target_text;
  out["session_id"] = r.session_id ? json::value(*r.session_id) : json::value(nullptr);
  out["duration_ms"] = r.duration_ms;
  out["created_at"] = r.created_at;
  return out;
}

// The words heard in an uploaded attempt, so that inserted and repeated
// words are found as in a stream. Recognition runs on a decoder free within a
// second (live streams come first) while the attempt is aligned; without one,
// the attempt is scored without them.
class Hearing {
 public:
  Hearing(transcription::DecoderPool* decoders, const std::vector<float>& samples16k)
      : seconds_(static_cast<int>(samples16k.size() / 16000)) {
    if (decoders && (lease_ = decoders->acquire_for(std::chrono::seconds(1)))) words_ = transcription::recognise_recording(*lease_, samples16k);
  }
  // Bounded: a slot may first load its decoder (seconds on a busy machine),
  // then recognition runs at about half real time (docs/performance.md).
  std::optional<std::vector<speech::Word>> words() {
    if (!words_.valid() || words_.wait_for(std::chrono::seconds(15 + seconds_)) != std::future_status::ready) return std::nullopt;
    return words_.get();
  }

 private:
  int seconds_;
  std::unique_ptr<transcription::DecoderLease> lease_;
  std::future<std::optional<std::vector<speech::Word>>> words_;
};

}  // namespace

void Api::add_pronunciation_assessment_routes() {
  const RouteOptions user{};
  RouteOptions scoring{};
  scoring.long_running = true;  // decoding and scoring take seconds of CPU

  router_.add("POST", "/v1/pronunciation/assessments?sentence_id&target_text&session_id", scoring, [this](ApiRequest& req) {
    const auto sentence_id = req.query_value("sentence_id");
    const auto given_text = req.query_value("target_text");
    if (sentence_id.has_value() == given_text.has_value())
      throw validation_error("give exactly one of sentence_id and target_text", {{"field", "target_text"}});
    const auto session_id = req.query_value("session_id");
    if (session_id) check_practice_session(req.user_id, *session_id);
    std::string text;
    if (sentence_id) {
      const auto* library = pronunciation::library();
      const auto* s = library ? library->sentence(*sentence_id) : nullptr;
      if (!s) throw not_found("sentence");
      text = s->text;
    } else {
      text = *given_text;
    }
    auto& pool = pronunciation::AssessorPool::instance();
    std::string why;
    const auto models = pool.models(&why);
    if (!models) throw ApiError(503, "PRONUNCIATION_UNAVAILABLE", "pronunciation models could not be loaded: " + why);
    const auto target = models->prepare(text, why);
    if (!target) throw validation_error(why, {{"field", sentence_id ? "sentence_id" : "target_text"}});
    const auto audio = analyse(req.body);
    Hearing hearing(decoders_, audio.samples16k);
    std::optional<speech::PronunciationAssessment> assessed;
    std::optional<std::vector<speech::Word>> heard;
    try {
      auto aligned = pool.assess_audio(audio.samples16k, *target);
      heard = hearing.words();
      assessed = speech::with_transcript(std::move(aligned), *target, heard ? std::span<const speech::Word>(*heard) : std::span<const speech::Word>());
    } catch (const pronunciation::AssessorUnavailable& e) {
      if (e.code == "BUSY") throw ApiError(503, e.code, e.what(), {{"retry_after", 2}});
      throw ApiError(503, e.code, e.what());
    }
    auto attempt = pronunciation::stored_attempt(*assessed, audio.prosody, audio.seconds);
    auto& record = attempt.record;
    // Whether inserted and repeated words could be looked for.
    auto result = json::parse(record.result_json).as_object();
    result["transcribed"] = heard.has_value();
    record.result_json = json::serialize(result);
    record.user_id = req.user_id;
    record.sentence_id = sentence_id;
    record.session_id = session_id;
    record.target_text = text;
    // Ended while this was being scored: refused rather than stored after its summary.
    if (!storage::PronunciationStore(store_.pool()).create(record, attempt.phones))
      throw ApiError(409, "CONFLICT", "this practice session has ended; create a new one", {{"field", "session_id"}});
    ApiResponse r;
    r.status = 201;
    r.body = assessment_json(record);
    r.headers.emplace_back("Location", "/v1/pronunciation/assessments/" + record.id);
    return r;
  });

  router_.add("GET", "/v1/pronunciation/assessments?page&per_page&sentence_id&session_id&date_from&date_to", user, [this](ApiRequest& req) {
    const int page = req.int_param("page", 1, 1, 1000000);
    const int per_page = req.per_page(20, 100);
    std::string zone_name;
    const auto zone = user_zone(req.user_id, zone_name);
    const auto result = storage::PronunciationStore(store_.pool())
                            .list(req.user_id, req.query_value("sentence_id"), date_param(req, {"date_from"}, *zone, false),
                                  date_param(req, {"date_to"}, *zone, true), page, per_page, req.query_value("session_id"));
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
