#pragma once
// An Ogg Opus file (RFC 7845) from 16-bit mono PCM: what browsers play
// natively at a tenth of a WAV's size (dictation audio with ?format=opus).
// Pure function; thread-safe.
#include <cstdint>
#include <span>
#include <string>

namespace orator::protocol {

// `sample_rate`: 8000, 12000, 16000, 24000 or 48000. Empty on failure.
[[nodiscard]] std::string encode_ogg_opus(std::span<const std::int16_t> samples, int sample_rate, int bitrate = 24000);

}  // namespace orator::protocol
