// Progress analytics, statistics, the daily practice log and session reports,
// all computed from a user's ended sessions, with days in the user's time zone.
#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <string_view>

#include "dsp/assessment.hpp"
#include "server/api/api.hpp"
#include "server/api/time_zone.hpp"
#include "storage/pronunciation_store.hpp"
#include "storage/session_statistics.hpp"

namespace orator::server::api {
namespace json = boost::json;
namespace {

constexpr std::int64_t kDayMs = 86400000;

std::int64_t start_of(const storage::SessionRecord& s) { return s.started_at.value_or(s.created_at); }

// Sessions in one export answer; the next page starts from its cursor.
constexpr int kExportPage = 1000;

// "<start ms>.<session id>", as an export page's next_cursor gives it.
std::optional<storage::Store::SessionKey> parse_export_cursor(std::string_view cursor) {
  const auto dot = cursor.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 >= cursor.size() || cursor.size() > 100) return std::nullopt;
  storage::Store::SessionKey key;
  const auto [end, ec] = std::from_chars(cursor.data(), cursor.data() + dot, key.start);
  if (ec != std::errc() || end != cursor.data() + dot) return std::nullopt;
  key.id = std::string(cursor.substr(dot + 1));
  const auto plain = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; };
  if (!std::all_of(key.id.begin(), key.id.end(), plain)) return std::nullopt;
  return key;
}

// The user's ended sessions summed by the database. A session where no
// speech was heard (a muted microphone) has scores of 0 that mean nothing:
// it counts as practice time, never in a score.
std::vector<storage::SessionBucket> buckets(storage::Store& store, const std::string& user_id, storage::StatisticsQuery q) {
  q.min_scored_speech_s = dsp::kMinScoredSpeechSeconds;
  return storage::session_buckets(store.pool(), user_id, q);
}

struct Aggregate {
  int sessions = 0;
  double practice_s = 0, speaking_s = 0;
  double sums[5] = {0, 0, 0, 0, 0};  // overall, clarity, pace, engagement, confidence
  int scored = 0;
  void add(const storage::SessionBucket& b) {
    sessions += b.sessions;
    practice_s += b.practice_s;
    speaking_s += b.speaking_s;
    scored += b.scored;
    for (int i = 0; i < 5; ++i) sums[i] += b.score_sums[i];
  }
  std::optional<double> mean(int i) const {
    if (scored == 0) return std::nullopt;
    return std::round(10.0 * sums[i] / scored) / 10.0;
  }
};

json::value opt(const std::optional<double>& v) { return v ? json::value(*v) : json::value(nullptr); }

json::object compare(const std::optional<double>& current, const std::optional<double>& previous) {
  json::object o{{"current", opt(current)}, {"previous", opt(previous)}, {"change", nullptr}, {"trend", nullptr}};
  if (current && previous) {
    const double change = std::round(10.0 * (*current - *previous)) / 10.0;
    o["change"] = change;
    o["trend"] = change >= 2.0 ? "improving" : change <= -2.0 ? "declining" : "stable";
  }
  return o;
}

// The pronunciation assessments of a range: how many, their overall
// scores, and the phonemes that are weak (mean below 60) or strong (80 or
// more), each over 3 phones or more. With `previous` (the range before), the
// overall average is compared with its own.
json::object pronunciation_figures(storage::ConnectionPool& pool, const std::string& user_id, std::optional<std::int64_t> from,
                                   std::optional<std::int64_t> to,
                                   std::optional<std::pair<std::int64_t, std::int64_t>> previous = std::nullopt) {
  storage::PronunciationStore store(pool);
  const auto totals = store.totals(user_id, from, to);
  std::vector<std::pair<double, std::string>> scored;
  for (const auto& p : store.phoneme_stats(user_id, from, to))
    if (p.attempts >= 3) scored.emplace_back(p.mean_score, p.phone);
  std::sort(scored.begin(), scored.end());
  json::array weak, strong;
  for (const auto& [mean, phone] : scored) {
    if (mean < 60) weak.emplace_back(phone);
    if (mean >= 80) strong.emplace_back(phone);
  }
  std::optional<double> average;
  if (totals.mean_overall) average = std::round(*totals.mean_overall * 10) / 10;
  json::object out{{"attempts", totals.attempts},
                   {"average_overall", opt(average)},
                   {"best_overall", totals.best_overall ? json::value(*totals.best_overall) : json::value(nullptr)},
                   {"weak_phonemes", std::move(weak)},
                   {"strong_phonemes", std::move(strong)}};
  if (previous) {
    const auto before = store.totals(user_id, previous->first, previous->second);
    out["overall"] = compare(average, before.mean_overall);
    out["previous_attempts"] = before.attempts;
  }
  return out;
}

// Current and longest runs of consecutive practice days; the current run
// survives a day without practice yet (it ends only after a missed day).
std::pair<int, int> streaks(const std::set<std::int64_t>& days, std::int64_t today) {
  int longest = 0, run = 0;
  std::int64_t prev = 0;
  for (auto d : days) {
    run = (run > 0 && d == prev + 1) ? run + 1 : 1;
    longest = std::max(longest, run);
    prev = d;
  }
  int current = 0;
  std::int64_t day = days.count(today) ? today : today - 1;
  while (days.count(day)) { ++current; --day; }
  return {current, longest};
}

std::string csv_field(const std::string& s) {
  // Quote everything textual; a leading =, +, -, @, TAB or CR is prefixed so
  // spreadsheets do not run it as a formula.
  std::string v = s;
  if (!v.empty() && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@' || v[0] == '\t' || v[0] == '\r'))
    v = "'" + v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += "\"\"";
    else out += c;
  }
  return out + "\"";
}

}  // namespace

void Api::add_analytics_routes() {
  const RouteOptions user{};
  static const char* kCategories[] = {"clarity", "pace", "engagement", "confidence"};

  router_.add("GET", "/v1/analytics/progress?period", user, [this](ApiRequest& req) {
    const std::string period = req.query_value("period").value_or("month");
    const int days = period == "week" ? 7 : period == "month" ? 30 : period == "quarter" ? 90 : period == "year" ? 365 : 0;
    if (days == 0) throw validation_error("period must be week, month, quarter or year", {{"field", "period"}});
    std::string tz_name;
    const auto tz = user_zone(req.user_id, tz_name);
    const std::int64_t now = now_ms();
    const std::int64_t span = days * kDayMs;
    Aggregate current, previous;
    std::set<std::int64_t> practice_days;
    for (const auto& b : buckets(store_, req.user_id, {.to = now, .newer_edge = now - span, .older_edge = now - 2 * span})) {
      if (b.practised > 0) practice_days.insert(tz->local_day(b.start));
      if (b.window == 0) current.add(b);
      else if (b.window == 1) previous.add(b);
    }
    const auto [streak, longest] = streaks(practice_days, tz->local_day(now));
    json::object categories;
    for (int i = 0; i < 4; ++i) categories[kCategories[i]] = compare(current.mean(i + 1), previous.mean(i + 1));
    ApiResponse r;
    r.body = json::object{
        {"period", period},
        {"range", json::object{{"start", format_time(now - span)}, {"end", format_time(now)}}},
        {"timezone", tz_name},
        {"overall", compare(current.mean(0), previous.mean(0))},
        {"categories", std::move(categories)},
        {"practice_time", json::object{{"current_minutes", std::round(current.practice_s / 6.0) / 10.0},
                                       {"previous_minutes", std::round(previous.practice_s / 6.0) / 10.0}}},
        {"session_count", json::object{{"current", current.sessions}, {"previous", previous.sessions}}},
        {"streak", json::object{{"current_days", streak}, {"longest_days", longest}}},
        {"pronunciation", pronunciation_figures(store_.pool(), req.user_id, now - span, now, std::pair{now - 2 * span, now - span - 1})}};
    return r;
  });

  router_.add("GET", "/v1/stats/summary?date_from&date_to", user, [this](ApiRequest& req) {
    std::string tz_name;
    const auto tz = user_zone(req.user_id, tz_name);
    Aggregate all;
    std::map<std::string, int> by_mode, by_status;
    std::optional<int> best;
    std::optional<std::int64_t> last;
    std::set<std::int64_t> practice_days;
    for (const auto& b : buckets(store_, req.user_id, {.from = date_param(req, {"date_from"}, *tz, false), .to = date_param(req, {"date_to"}, *tz, true)})) {
      all.add(b);
      by_mode[std::string(dsp::mode_name(b.mode))] += b.sessions;
      by_status[std::string(storage::status_name(b.status))] += b.sessions;
      if (b.best_overall) best = std::max(best.value_or(0), *b.best_overall);
      last = std::max(last.value_or(b.last_start), b.last_start);
      if (b.practised > 0) practice_days.insert(tz->local_day(b.start));
    }
    const auto [streak, longest] = streaks(practice_days, tz->local_day(now_ms()));
    json::object modes, statuses;
    for (const auto& [k, v] : by_mode) modes[k] = v;
    for (const auto& [k, v] : by_status) statuses[k] = v;
    json::object averages{{"overall", opt(all.mean(0))}};
    for (int i = 0; i < 4; ++i) averages[kCategories[i]] = opt(all.mean(i + 1));
    ApiResponse r;
    r.body = json::object{{"total_sessions", all.sessions},
                          {"by_status", std::move(statuses)},
                          {"by_type", std::move(modes)},
                          {"total_practice_minutes", std::round(all.practice_s / 6.0) / 10.0},
                          {"total_speaking_minutes", std::round(all.speaking_s / 6.0) / 10.0},
                          {"average_scores", std::move(averages)},
                          {"best_overall", best ? json::value(*best) : json::value(nullptr)},
                          {"last_session_at", last ? json::value(format_time(*last)) : json::value(nullptr)},
                          {"practice_days", practice_days.size()},
                          {"streak", json::object{{"current_days", streak}, {"longest_days", longest}}},
                          {"pronunciation", pronunciation_figures(store_.pool(), req.user_id, date_param(req, {"date_from"}, *tz, false),
                                                                  date_param(req, {"date_to"}, *tz, true))},
                          {"timezone", tz_name}};
    return r;
  });

  router_.add("GET", "/v1/stats/practice-log?page&per_page&limit&date_from&date_to&startDate&endDate", user, [this](ApiRequest& req) {
    const int page = req.int_param("page", 1, 1, 1000000);
    const int limit = req.per_page(30, 100);
    std::string tz_name;
    const auto tz = user_zone(req.user_id, tz_name);
    std::map<std::int64_t, Aggregate, std::greater<>> days;  // newest first
    for (const auto& b : buckets(store_, req.user_id, {.from = date_param(req, {"date_from", "startDate"}, *tz, false),
                                                      .to = date_param(req, {"date_to", "endDate"}, *tz, true)}))
      days[tz->local_day(b.start)].add(b);
    json::array data;
    const auto skip = static_cast<std::size_t>(page - 1) * static_cast<std::size_t>(limit);
    std::size_t i = 0;
    for (const auto& [day, a] : days) {
      if (i++ < skip) continue;
      if (data.size() >= static_cast<std::size_t>(limit)) break;
      data.push_back(json::object{{"date", format_day(day)},
                                  {"sessions", a.sessions},
                                  {"practice_minutes", std::round(a.practice_s / 6.0) / 10.0},
                                  {"speaking_minutes", std::round(a.speaking_s / 6.0) / 10.0},
                                  {"average_score", opt(a.mean(0))}});
    }
    auto r = page_response(std::move(data), page, limit, static_cast<std::int64_t>(days.size()));
    r.body.as_object()["timezone"] = tz_name;
    return r;
  });

  router_.add("GET", "/v1/reports/sessions?format&date_from&date_to&startDate&endDate&order&limit&cursor", user, [this](ApiRequest& req) {
    const std::string format = req.query_value("format").value_or("json");
    if (format != "json" && format != "csv") throw validation_error("format must be json or csv", {{"field", "format"}});
    const std::string order = req.query_value("order").value_or("asc");
    if (order != "asc" && order != "desc") throw validation_error("order must be asc or desc", {{"field", "order"}});
    const int limit = req.int_param("limit", kExportPage, 1, kExportPage);
    std::optional<storage::Store::SessionKey> after;
    if (const auto cursor = req.query_value("cursor")) {
      after = parse_export_cursor(*cursor);
      if (!after) throw validation_error("cursor is not one this export gave", {{"field", "cursor"}});
    }
    std::string tz_name;
    const auto tz = user_zone(req.user_id, tz_name);
    const auto page = store_.ended_sessions(req.user_id, date_param(req, {"date_from", "startDate"}, *tz, false),
                                            date_param(req, {"date_to", "endDate"}, *tz, true), after, order == "desc",
                                            static_cast<std::size_t>(limit));
    const auto& sessions = page.sessions;
    // The key of the page's last session, when another page follows.
    const std::optional<std::string> next =
        page.more ? std::optional(std::to_string(start_of(sessions.back())) + "." + sessions.back().id) : std::nullopt;
    ApiResponse r;
    if (format == "csv") {
      std::string csv = "id,started_at,type,status,title,duration_s,speaking_time_s,overall,clarity,pace,engagement,confidence\r\n";
      auto num = [](const std::optional<int>& v) { return v ? std::to_string(*v) : std::string(); };
      for (const auto& s : sessions) {
        char dur[64], speak[64];
        std::snprintf(dur, sizeof dur, "%.2f", s.duration.value_or(0));
        std::snprintf(speak, sizeof speak, "%.2f", s.speaking_time.value_or(0));
        csv += s.id + "," + format_time(start_of(s)) + "," + std::string(dsp::mode_name(s.mode)) + "," +
             std::string(storage::status_name(s.status)) + "," + csv_field(s.title) + "," + dur + "," +
               speak + "," + num(s.overall_score) + "," + num(s.clarity_score) + "," + num(s.pace_score) + "," +
               num(s.engagement_score) + "," + num(s.confidence_score) + "\r\n";
      }
      r.raw_body = std::move(csv);
      r.content_type = "text/csv; charset=utf-8";
      r.headers.emplace_back("Content-Disposition", "attachment; filename=\"sessions.csv\"");
      if (next) r.headers.emplace_back("X-Next-Cursor", *next);
      return r;
    }
    json::array data;
    for (const auto& s : sessions) {
      auto score = [](const std::optional<int>& v) { return v ? json::value(*v) : json::value(nullptr); };
      data.push_back(json::object{{"id", s.id}, {"started_at", format_time(start_of(s))}, {"type", dsp::mode_name(s.mode)}, {"status", storage::status_name(s.status)},
                                  {"title", s.title}, {"duration", opt(s.duration)}, {"speaking_time", opt(s.speaking_time)},
                                  {"scores", json::object{{"overall", score(s.overall_score)}, {"clarity", score(s.clarity_score)},
                                                          {"pace", score(s.pace_score)}, {"engagement", score(s.engagement_score)},
                                                          {"confidence", score(s.confidence_score)}}}});
    }
    r.body = json::object{{"data", std::move(data)}, {"count", sessions.size()}, {"next_cursor", next ? json::value(*next) : nullptr}};
    return r;
  });
}

}  // namespace orator::server::api
