// Pronunciation practice sessions: a session of type pronunciation gathers
// attempts (uploads with ?session_id=, streams into the session or naming it
// with ?practice_session_id=) until POST /v1/sessions/{id}/end closes it
// with their aggregates (session_routes.cpp).
#include <boost/json.hpp>

#include <cmath>

#include "dsp/mode.hpp"
#include "protocol/json_writer.hpp"
#include "server/api/api.hpp"
#include "server/pronunciation/assessments.hpp"
#include "server/sessions/session_service.hpp"
#include "storage/pronunciation_store.hpp"

namespace orator::server::api {
namespace json = boost::json;
namespace {
constexpr double kWeakBelow = 60;  // as in the phoneme statistics
constexpr int kMinPhoneAttempts = 2;
constexpr std::size_t kWeakListed = 5;

json::object summary_json(const storage::PracticeSummary& summary) {
  json::array weak;
  for (const auto& [phone, mean] : summary.weak_phonemes)
    weak.push_back(json::object{{"phone", phone}, {"ipa", pronunciation::ipa_of(phone)}, {"mean_score", std::round(mean * 10) / 10}});
  const auto& t = summary.totals;
  return {{"attempts", t.attempts},
          {"average_overall", t.mean_overall ? json::value(std::round(*t.mean_overall * 10) / 10) : json::value(nullptr)},
          {"best_overall", t.best_overall ? json::value(*t.best_overall) : json::value(nullptr)},
          {"practice_seconds", static_cast<double>(t.duration_ms) / 1000.0},
          {"weak_phonemes", std::move(weak)}};
}
}  // namespace

std::optional<Api::Refusal> Api::practice_session_refusal(const std::string& user_id, const std::string& session_id) {
  const auto s = store_.find_session(user_id, session_id);
  if (!s) return Refusal{404, "NOT_FOUND", "session not found"};
  if (s->mode != storage::Mode::pronunciation)
    return Refusal{409, "CONFLICT", "session " + session_id + " is of type " + std::string(dsp::mode_name(s->mode)) +
                                        "; pronunciation attempts belong to a session of type pronunciation"};
  if (s->status != storage::SessionStatus::created && s->status != storage::SessionStatus::live)
    return Refusal{409, "CONFLICT", "this practice session has ended (" + std::string(storage::status_name(s->status)) +
                                        "); create a new one"};
  return std::nullopt;
}

void Api::check_practice_session(const std::string& user_id, const std::string& session_id) {
  if (auto refused = practice_session_refusal(user_id, session_id))
    throw ApiError(refused->status, refused->code, refused->message, {{"field", "session_id"}});
}

json::object Api::practice_summary_json(const std::string& user_id, const std::string& session_id) {
  return summary_json(storage::PronunciationStore(store_.pool()).practice_summary(user_id, session_id, kWeakBelow, kMinPhoneAttempts, kWeakListed));
}

json::object Api::end_practice_session(const storage::SessionRecord& s) {
  json::object practice;
  const auto found = sessions_.end_practice(s.id, s.user_id, kWeakBelow, kMinPhoneAttempts, kWeakListed, [&](const storage::PracticeSummary& summary) {
    practice = summary_json(summary);
    storage::SessionOutcome outcome;
    outcome.status = storage::SessionStatus::completed;
    outcome.duration = practice.at("practice_seconds").to_number<double>();
    outcome.speaking_time = std::nullopt;
    // No speaking-session scores: the summary's overall stands for the session,
    // and the analytics of speaking sessions leave it out (no speaking time).
    if (const auto& avg = practice.at("average_overall"); !avg.is_null()) outcome.overall = static_cast<int>(std::lround(avg.to_number<double>()));
    outcome.mode = dsp::Mode::pronunciation;
    outcome.report_json = protocol::to_json(json::object{{"type", "practice"}, {"session_id", s.id}, {"mode", "pronunciation"},
                                                         {"status", "completed"}, {"practice", practice}});
    return outcome;
  });
  if (!found) throw ApiError(404, "NOT_FOUND", "session not found");
  if (*found == storage::SessionStatus::live) throw ApiError(409, "CONFLICT", "a stream is still live in this session; stop it first");
  if (*found != storage::SessionStatus::created)
    throw ApiError(409, "CONFLICT", "this session has already ended", {{"status", storage::status_name(*found)}});
  return practice;
}

}  // namespace orator::server::api
