#include "storage/session_types.hpp"

#include <array>
#include <utility>

namespace orator::storage {
namespace {

constexpr std::array<std::pair<SessionStatus, std::string_view>, 6> kNames = {{
    {SessionStatus::created, "created"},
    {SessionStatus::live, "live"},
    {SessionStatus::processing, "processing"},
    {SessionStatus::completed, "completed"},
    {SessionStatus::interrupted, "interrupted"},
    {SessionStatus::failed, "failed"},
}};

}  // namespace

std::string_view status_name(SessionStatus status) {
  for (const auto& [s, name] : kNames)
    if (s == status) return name;
  return "failed";  // unreachable: every enumerator is named above
}

std::optional<SessionStatus> parse_status(std::string_view name) {
  for (const auto& [s, n] : kNames)
    if (n == name) return s;
  return std::nullopt;
}

std::string_view status_choices() { return "created, live, processing, completed, interrupted, failed"; }

}  // namespace orator::storage
