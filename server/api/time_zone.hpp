#pragma once
// IANA time zones from the system's TZif files (/usr/share/zoneinfo), for
// "days" and streaks in the user's own zone. Loaded zones are cached;
// thread-safe.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace orator::server::api {

class TimeZone {
 public:
  // nullptr when the name is not a readable zone.
  [[nodiscard]] static std::shared_ptr<const TimeZone> load(const std::string& name);
  // Offset from UTC at an instant (seconds, east positive).
  [[nodiscard]] int offset_at(std::int64_t utc_seconds) const;
  // Days since 1970-01-01 in this zone.
  [[nodiscard]] std::int64_t local_day(std::int64_t utc_ms) const;
  // The UTC instant (ms) at which local day `day` begins.
  [[nodiscard]] std::int64_t day_start_ms(std::int64_t day) const;

 private:
  std::vector<std::int64_t> transitions_;  // UTC seconds, ascending
  std::vector<int> offsets_;               // offset in force from each transition
  int initial_offset_ = 0;
};

// ISO 8601 UTC ("2026-11-22T05:49:23Z") from epoch milliseconds, and back
// (also accepts a bare date, as the start of that day in UTC).
[[nodiscard]] std::string format_time(std::int64_t epoch_ms);
[[nodiscard]] std::optional<std::int64_t> parse_time(std::string_view text);

// "2026-11-22" for a day number.
[[nodiscard]] std::string format_day(std::int64_t day);

// A query-string date: a bare date (YYYY-MM-DD) is that day in `zone`
// (its start, or its last millisecond when `end_of_day`); a date-time must be
// UTC (…Z). nullopt when malformed.
[[nodiscard]] std::optional<std::int64_t> parse_date_param(std::string_view text, const TimeZone& zone, bool end_of_day);

}  // namespace orator::server::api
