// /v1/dictation/stats/*: dictation practice in the user's time zone (the
// /v1/stats/* family is about speaking sessions). Computed from attempts'
// aggregate columns, never from their texts.
#include <boost/json.hpp>

#include <cmath>
#include <functional>
#include <map>
#include <set>

#include "server/api/api.hpp"
#include "server/api/time_zone.hpp"
#include "server/dictation/dictation_services.hpp"

namespace orator::server::api {
namespace json = boost::json;
namespace {


struct Tally {
  int attempts = 0;
  double sum = 0, best = 0, worst = 100;
  std::int64_t duration_ms = 0;
  std::set<std::string> items;
  std::optional<std::int64_t> first, last;
  double last_score = 0;
  void add(const storage::AttemptSummary& a) {
    ++attempts;
    sum += a.percentage;
    best = std::max(best, a.percentage);
    worst = std::min(worst, a.percentage);
    duration_ms += a.duration_ms;
    items.insert(a.item_id);
    if (!first) first = a.created_at;
    last = a.created_at;
    last_score = a.percentage;
  }
  static json::value rounded(double v) { return std::round(v * 10) / 10; }
  json::value mean() const { return attempts ? rounded(sum / attempts) : json::value(nullptr); }
  json::value best_score() const { return attempts ? rounded(best) : json::value(nullptr); }
  json::value worst_score() const { return attempts ? rounded(worst) : json::value(nullptr); }
  double minutes() const { return std::round(static_cast<double>(duration_ms) / 6000.0) / 10.0; }
};

json::value time_or_null(const std::optional<std::int64_t>& t) { return t ? json::value(format_time(*t)) : json::value(nullptr); }

}  // namespace

void Api::add_dictation_stats_routes() {
  const RouteOptions user{};
  // Attempts of the range (date_from/date_to in the user's zone) with the zone.
  auto attempts_in = [this](const ApiRequest& req, std::shared_ptr<const TimeZone>& zone, std::string& zone_name,
                            const std::optional<std::string>& item_id = std::nullopt) {
    zone = user_zone(req.user_id, zone_name);
    return dictation().store.attempt_summaries(req.user_id, date_param(req, {"date_from"}, *zone, false),
                                               date_param(req, {"date_to"}, *zone, true), item_id);
  };

  router_.add("GET", "/v1/dictation/stats/summary?date_from&date_to", user, [attempts_in](ApiRequest& req) {
    std::shared_ptr<const TimeZone> zone;
    std::string zone_name;
    Tally all;
    std::set<std::int64_t> days;
    for (const auto& a : attempts_in(req, zone, zone_name)) {
      all.add(a);
      days.insert(zone->local_day(a.created_at));
    }
    ApiResponse r;
    r.body = json::object{{"total_attempts", all.attempts},
                          {"unique_items_practiced", all.items.size()},
                          {"average_score", all.mean()},
                          {"best_score", all.best_score()},
                          {"worst_score", all.worst_score()},
                          {"practice_minutes", all.minutes()},
                          {"practice_days", days.size()},
                          {"last_practiced_at", time_or_null(all.last)},
                          {"timezone", zone_name}};
    return r;
  });

  router_.add("GET", "/v1/dictation/stats/practice-log?page&per_page&date_from&date_to", user, [attempts_in](ApiRequest& req) {
    const int page = req.int_param("page", 1, 1, 1000000);
    const int per_page = req.per_page(30, 100);
    std::shared_ptr<const TimeZone> zone;
    std::string zone_name;
    std::map<std::int64_t, Tally, std::greater<>> days;  // newest first
    for (const auto& a : attempts_in(req, zone, zone_name)) days[zone->local_day(a.created_at)].add(a);
    json::array data;
    std::size_t index = 0;
    const auto skip = static_cast<std::size_t>(page - 1) * static_cast<std::size_t>(per_page);
    for (const auto& [day, t] : days) {
      if (index++ < skip) continue;
      if (data.size() >= static_cast<std::size_t>(per_page)) break;
      data.push_back(json::object{{"date", format_day(day)},
                                  {"attempts", t.attempts},
                                  {"unique_items", t.items.size()},
                                  {"average_score", t.mean()},
                                  {"best_score", t.best_score()},
                                  {"practice_minutes", t.minutes()}});
    }
    auto r = page_response(std::move(data), page, per_page, static_cast<std::int64_t>(days.size()));
    r.body.as_object()["timezone"] = zone_name;
    return r;
  });

  router_.add("GET", "/v1/dictation/stats/items/{id}?date_from&date_to", user, [this, attempts_in](ApiRequest& req) {
    const auto item = dictation().store.find_item(req.user_id, req.params.at("id"));
    if (!item) throw not_found("item");
    std::shared_ptr<const TimeZone> zone;
    std::string zone_name;
    Tally all;
    json::array history;
    for (const auto& a : attempts_in(req, zone, zone_name, item->id)) {
      all.add(a);
      history.push_back(json::object{{"at", format_time(a.created_at)}, {"percentage", Tally::rounded(a.percentage)}});
    }
    ApiResponse r;
    r.body = json::object{{"item_id", item->id},
                          {"attempts", all.attempts},
                          {"average_score", all.mean()},
                          {"best_score", all.best_score()},
                          {"worst_score", all.worst_score()},
                          {"last_score", all.attempts ? Tally::rounded(all.last_score) : json::value(nullptr)},
                          {"first_practiced_at", time_or_null(all.first)},
                          {"last_practiced_at", time_or_null(all.last)},
                          {"practice_minutes", all.minutes()},
                          {"history", std::move(history)},
                          {"timezone", zone_name}};
    return r;
  });

  // Every day of the range (default: the last 30), practised or not, oldest first.
  router_.add("GET", "/v1/dictation/stats/progress?date_from&date_to", user, [this, attempts_in](ApiRequest& req) {
    std::shared_ptr<const TimeZone> zone;
    std::string zone_name;
    std::map<std::int64_t, Tally> days;
    for (const auto& a : attempts_in(req, zone, zone_name)) days[zone->local_day(a.created_at)].add(a);
    const auto from = date_param(req, {"date_from"}, *zone, false);
    const auto to = date_param(req, {"date_to"}, *zone, true);
    const std::int64_t last_day = zone->local_day(to.value_or(now_ms()));
    const std::int64_t first_day = from ? zone->local_day(*from) : last_day - 29;
    if (last_day - first_day > 366) throw validation_error("the range may span at most 366 days", {{"field", "date_from"}});
    json::array series;
    for (std::int64_t day = first_day; day <= last_day; ++day) {
      const auto it = days.find(day);
      const Tally t = it == days.end() ? Tally{} : it->second;
      series.push_back(json::object{{"date", format_day(day)},
                                    {"attempts", t.attempts},
                                    {"average_score", t.mean()},
                                    {"practice_minutes", t.minutes()}});
    }
    ApiResponse r;
    r.body = json::object{{"data", std::move(series)}, {"timezone", zone_name}};
    return r;
  });
}

}  // namespace orator::server::api
