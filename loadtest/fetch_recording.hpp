#pragma once
// Downloads the audio a server kept for a session created with record: true
// (GET /v1/sessions/{id}/audio), to replay it. Blocking; plain HTTP.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "load_options.hpp"

namespace orator::loadtest {

// The WAV bytes, or nullopt with `error` set (connection failure, or the
// server's status and error message).
[[nodiscard]] std::optional<std::vector<std::uint8_t>> fetch_recording(const LoadOptions& options, std::string& error);

}  // namespace orator::loadtest
