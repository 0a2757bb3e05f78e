#pragma once
// A session's status and practice mode as types. Their names are the stored
// form (both databases) and the wire form (REST); unknown names parse to
// nullopt. Thread-safe (pure functions).
#include <optional>
#include <string_view>

#include "dsp/mode.hpp"

namespace orator::storage {

// created -> live -> completed | interrupted (streams);
// created -> processing -> completed | failed (uploads; failed may upload again).
enum class SessionStatus { created, live, processing, completed, interrupted, failed };

[[nodiscard]] std::string_view status_name(SessionStatus status);
[[nodiscard]] std::optional<SessionStatus> parse_status(std::string_view name);
// "created, live, ...": for error messages that list the choices.
[[nodiscard]] std::string_view status_choices();
// Over: a report (final or last checkpoint) or an error stays as it is.
[[nodiscard]] constexpr bool has_ended(SessionStatus s) {
  return s == SessionStatus::completed || s == SessionStatus::interrupted || s == SessionStatus::failed;
}

using dsp::Mode;

}  // namespace orator::storage
