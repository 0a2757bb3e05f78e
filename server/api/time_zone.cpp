#include "server/api/time_zone.hpp"

#include <algorithm>
#include <ctime>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>

namespace orator::server::api {
namespace {

std::int64_t read_be(const unsigned char* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | p[i];
  if (bytes == 4) return static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
  return static_cast<std::int64_t>(v);
}

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 64 || name.front() == '/' || name.find("..") != std::string::npos) return false;
  return std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isalnum(c) || c == '/' || c == '_' || c == '+' || c == '-'; });
}

}  // namespace

std::shared_ptr<const TimeZone> TimeZone::load(const std::string& name) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<const TimeZone>> cache;
  if (!valid_name(name)) return nullptr;
  std::lock_guard lock(mutex);
  if (auto it = cache.find(name); it != cache.end()) return it->second;
  std::ifstream in("/usr/share/zoneinfo/" + name, std::ios::binary);
  const std::vector<unsigned char> b((std::istreambuf_iterator<char>(in)), {});
  auto parse = [&]() -> std::shared_ptr<TimeZone> {
    if (b.size() < 44 || b[0] != 'T' || b[1] != 'Z' || b[2] != 'i' || b[3] != 'f') return nullptr;
    auto counts = [&](std::size_t at, std::int64_t c[6]) {
      for (int i = 0; i < 6; ++i) c[i] = read_be(&b[at + 20 + 4 * static_cast<std::size_t>(i)], 4);
    };
    std::int64_t c[6];  // isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
    counts(0, c);
    std::size_t at = 44;
    int time_bytes = 4;
    if (b[4] >= '2') {  // skip the 32-bit block; use the 64-bit one
      at += static_cast<std::size_t>(c[3] * 5 + c[4] * 6 + c[5] + c[2] * 8 + c[1] + c[0]);
      if (b.size() < at + 44) return nullptr;
      counts(at, c);
      at += 44;
      time_bytes = 8;
    }
    const auto timecnt = static_cast<std::size_t>(c[3]), typecnt = static_cast<std::size_t>(c[4]);
    if (typecnt == 0 || b.size() < at + timecnt * static_cast<std::size_t>(time_bytes + 1) + typecnt * 6) return nullptr;
    auto tz = std::make_shared<TimeZone>();
    std::vector<int> type_offsets(typecnt);
    const std::size_t types_at = at + timecnt * static_cast<std::size_t>(time_bytes + 1);
    for (std::size_t i = 0; i < typecnt; ++i) type_offsets[i] = static_cast<int>(read_be(&b[types_at + 6 * i], 4));
    tz->initial_offset_ = type_offsets[0];
    for (std::size_t i = 0; i < timecnt; ++i) {
      tz->transitions_.push_back(read_be(&b[at + i * static_cast<std::size_t>(time_bytes)], time_bytes));
      const std::size_t type = b[at + timecnt * static_cast<std::size_t>(time_bytes) + i];
      if (type >= typecnt) return nullptr;
      tz->offsets_.push_back(type_offsets[type]);
    }
    return tz;
  };
  auto tz = parse();
  if (tz) cache[name] = tz;
  return tz;
}

int TimeZone::offset_at(std::int64_t utc_seconds) const {
  const auto it = std::upper_bound(transitions_.begin(), transitions_.end(), utc_seconds);
  if (it == transitions_.begin()) return initial_offset_;
  return offsets_[static_cast<std::size_t>(it - transitions_.begin() - 1)];
}

std::int64_t TimeZone::local_day(std::int64_t utc_ms) const {
  const std::int64_t s = utc_ms / 1000;
  const std::int64_t local = s + offset_at(s);
  return local >= 0 ? local / 86400 : (local - 86399) / 86400;
}

std::string format_time(std::int64_t ms) {
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::optional<std::int64_t> parse_time(std::string_view text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  const std::string str(text);
  char tail = 0;
  int n = std::sscanf(str.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &s, &tail);
  if (n == 7 && tail != 'Z') return std::nullopt;
  if (n != 7 && n != 6) {
    h = mi = s = 0;
    if (std::sscanf(str.c_str(), "%4d-%2d-%2d%c", &y, &mo, &d, &tail) != 3) return std::nullopt;
  }
  if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900; tm.tm_mon = mo - 1; tm.tm_mday = d; tm.tm_hour = h; tm.tm_min = mi; tm.tm_sec = s;
  return static_cast<std::int64_t>(timegm(&tm)) * 1000;
}

std::int64_t TimeZone::day_start_ms(std::int64_t day) const {
  const std::int64_t local = day * 86400;
  // The offset in force at the start of the day; a second look settles DST edges.
  std::int64_t utc = local - offset_at(local);
  utc = local - offset_at(utc);
  return utc * 1000;
}

std::optional<std::int64_t> parse_date_param(std::string_view text, const TimeZone& zone, bool end_of_day) {
  const auto t = parse_time(text);
  if (!t) return std::nullopt;
  if (text.size() != 10) return t;  // an explicit UTC date-time
  const std::int64_t day = *t / 86400000;
  return end_of_day ? zone.day_start_ms(day + 1) - 1 : zone.day_start_ms(day);
}

std::string format_day(std::int64_t day) {
  // Civil date from days since the epoch (Howard Hinnant's algorithm).
  const std::int64_t z = day + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lld", static_cast<long long>(y), static_cast<long long>(m), static_cast<long long>(d));
  return buf;
}

}  // namespace orator::server::api
