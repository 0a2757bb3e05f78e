// Fuzz target for the stream message parser (libFuzzer entry point). Any text
// must parse to start, stop or a named error; a start's parameters must be
// within the contract.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "protocol/messages.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace orator::protocol;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto msg = parse_client_message(text, StreamParams{});
  switch (msg.kind) {
    case ClientMessage::Kind::invalid:
      if (msg.error.code.empty() || msg.error.message.empty()) std::abort();
      break;
    case ClientMessage::Kind::start: {
      const auto& p = msg.params;
      if (p.format.sample_rate < 8000 || p.format.sample_rate > 48000 || p.format.channels < 1 || p.format.channels > 2 ||
          p.interval_ms < 100 || p.interval_ms > 2000 || p.session_id.size() > 128 || p.target_text.size() > 4096)
        std::abort();
      (void)ready_json(p);
      break;
    }
    case ClientMessage::Kind::stop: break;
  }
  return 0;
}
