#include "server/pronunciation/assessments.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>

#include "server/pronunciation/library.hpp"
#include "server/server_context.hpp"
#include "speech/phonemes.hpp"

namespace orator::server::pronunciation {
namespace json = boost::json;

AssessorPool& AssessorPool::instance() {
  static AssessorPool pool;
  return pool;
}

AssessorPool::AssessorPool() : models_(pronunciation::models(&error_)) {}

std::shared_ptr<const speech::PronunciationModels> AssessorPool::models(std::string* error) const {
  if (!models_ && error) *error = error_;
  return models_;
}

speech::PronunciationAssessment AssessorPool::assess(std::span<const float> samples16k, const speech::Target& target,
                                                     std::span<const speech::Word> transcript) {
  return on_an_assessor([&](speech::PronunciationAssessor& a) { return a.assess(samples16k, target, transcript); });
}

speech::PronunciationAssessment AssessorPool::assess_audio(std::span<const float> samples16k, const speech::Target& target,
                                                           speech::Reading reading) {
  return on_an_assessor([&](speech::PronunciationAssessor& a) { return a.assess_audio(samples16k, target, reading); });
}

speech::PronunciationAssessment AssessorPool::on_an_assessor(
    const std::function<speech::PronunciationAssessment(speech::PronunciationAssessor&)>& run) {
  if (!models_) throw AssessorUnavailable("PRONUNCIATION_UNAVAILABLE", "pronunciation models could not be loaded: " + error_);
  std::unique_ptr<speech::PronunciationAssessor> a;
  {
    std::unique_lock lock(mutex_);
    if (!ready_.wait_for(lock, std::chrono::seconds(5), [&] { return !idle_.empty() || created_ < kMaxDecoders; }))
      throw AssessorUnavailable("BUSY", "every pronunciation decoder is busy; retry shortly");
    if (idle_.empty()) {
      ++created_;
      lock.unlock();
      try {
        a = std::make_unique<speech::PronunciationAssessor>(models_);
      } catch (const std::exception& e) {
        std::lock_guard again(mutex_);
        --created_;  // the place is free again
        ready_.notify_one();
        throw AssessorUnavailable("PRONUNCIATION_UNAVAILABLE", std::string("a pronunciation decoder could not be made: ") + e.what());
      }
    } else {
      a = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  struct GiveBack {
    AssessorPool& pool;
    std::unique_ptr<speech::PronunciationAssessor>& a;
    ~GiveBack() {
      std::lock_guard lock(pool.mutex_);
      pool.idle_.push_back(std::move(a));
      pool.ready_.notify_one();
    }
  } give_back{*this, a};
  return run(*a);
}

std::string ipa_of(const std::string& phone) {
  const auto p = speech::find_phoneme(phone);
  return p ? std::string(p->ipa) : "";
}

namespace {

// What to say about the attempt: the omitted words, and each mispronounced
// word's worst phone with the library's tip.
json::array feedback_of(const speech::PronunciationAssessment& a, const Library* library) {
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

}  // namespace

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
          {"feedback", feedback_of(a, library())}};
}

StoredAttempt stored_attempt(const speech::PronunciationAssessment& a, std::optional<int> prosody, double seconds) {
  StoredAttempt out;
  auto& r = out.record;
  r.id = random_id();
  r.overall = speech::overall_score(a.accuracy, a.fluency, a.completeness, prosody);
  r.accuracy = a.accuracy;
  r.fluency = a.fluency;
  r.completeness = a.completeness;
  r.prosody = prosody;
  r.duration_ms = static_cast<std::int64_t>(seconds * 1000);
  r.result_json = json::serialize(result_json(a, prosody, r.overall));
  r.created_at = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  for (const auto& w : a.words)
    for (const auto& p : w.phones) out.phones.push_back({p.phone, w.text, p.score});
  return out;
}

}  // namespace orator::server::pronunciation
