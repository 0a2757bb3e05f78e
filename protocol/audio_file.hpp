#pragma once
// Whole recordings for upload: RIFF/WAVE (PCM 8/16/24/32-bit, float32,
// WAVE_FORMAT_EXTENSIBLE) and Ogg Opus (RFC 7845, as written by opusenc and
// by browsers' MediaRecorder), decoded to mono float. Pure; thread-safe.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace orator::protocol {

struct DecodedAudio {
  int sample_rate = 0;            // of `samples`
  std::vector<float> samples;     // mono, [-1, 1]
  std::string error;              // set when decoding failed
  bool ok() const { return error.empty(); }
};

// Detects the container from its magic bytes. Rates outside 8-48 kHz, more
// than 2 channels, or more than `max_seconds` of audio are refused.
[[nodiscard]] DecodedAudio decode_audio_file(std::span<const std::uint8_t> bytes, double max_seconds);

}  // namespace orator::protocol
