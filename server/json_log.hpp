#pragma once
// Structured logs (--log-format json): one JSON object per line, for log
// shippers that index fields: {"time":"2026-12-06T23:20:01.123Z",
// "level":"info","thread":1234,"message":"..."}. The message is escaped
// whole, so a line never breaks however odd the text it quotes.
// Thread-safety: spdlog clones the formatter per sink; each copy is used
// under its sink's lock.
#include <spdlog/formatter.h>

#include <memory>

namespace orator::server {

[[nodiscard]] std::unique_ptr<spdlog::formatter> make_json_log_formatter();

}  // namespace orator::server
