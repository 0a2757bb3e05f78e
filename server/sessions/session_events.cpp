#include "server/sessions/session_events.hpp"

namespace orator::server::sessions {

std::string_view event_name(SessionEventKind kind) {
  switch (kind) {
    case SessionEventKind::started: return "started";
    case SessionEventKind::finished: return "finished";
    case SessionEventKind::interrupted: return "interrupted";
    case SessionEventKind::failed: return "failed";
    case SessionEventKind::transcript_ready: return "transcript_ready";
  }
  return "unknown";
}

void SessionEvents::subscribe(Subscriber subscriber) {
  std::lock_guard lock(mutex_);
  subscribers_.push_back(std::move(subscriber));
}

void SessionEvents::publish(const SessionEvent& event) const {
  std::vector<Subscriber> copy;
  {
    std::lock_guard lock(mutex_);
    copy = subscribers_;
  }
  for (const auto& s : copy) s(event);
}

}  // namespace orator::server::sessions
