#pragma once
// What happens to sessions, announced from the places that make it happen
// (stream finalisation, upload analysis, transcription jobs) to whatever
// subscribes: logging today, webhooks next. Subscribers run on the thread
// that publishes (an event loop, a worker): they must be quick and must not
// block. Thread-safe; subscribe during start-up.
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace orator::server::sessions {

enum class SessionEventKind { started, finished, interrupted, failed, transcript_ready };
[[nodiscard]] std::string_view event_name(SessionEventKind kind);

struct SessionEvent {
  SessionEventKind kind;
  std::string session_id;
  std::string user_id;
  std::string detail;  // e.g. why it failed
};

class SessionEvents {
 public:
  using Subscriber = std::function<void(const SessionEvent&)>;
  void subscribe(Subscriber subscriber);
  void publish(const SessionEvent& event) const;

 private:
  mutable std::mutex mutex_;
  std::vector<Subscriber> subscribers_;
};

}  // namespace orator::server::sessions
