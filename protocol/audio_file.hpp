#pragma once
// Whole recordings for upload: RIFF/WAVE (PCM 8/16/24/32-bit, float32,
// WAVE_FORMAT_EXTENSIBLE) and Ogg Opus (RFC 7845, as written by opusenc and
// by browsers' MediaRecorder), decoded to mono float. Pure; thread-safe.
#include <cstdint>
#include <functional>
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

// The same, streamed: `on_format` gets the sample rate once, then `sink`
// gets mono blocks (a second at most) as they are decoded, so memory stays
// bounded whatever the file holds (an Ogg of millions of empty packets, a
// long recording). Returns the error, empty on success; on an error, blocks
// already delivered are to be discarded.
// `on_progress`, when set, is told how many of the first bytes the decoder
// has moved past (growing; an Ogg is walked twice, so it starts over once):
// a mapped file may drop those pages from memory, as reading them again
// still works.
using FormatSink = std::function<void(int sample_rate)>;
using SampleSink = std::function<void(std::span<const float> mono)>;
using ProgressSink = std::function<void(std::size_t bytes_behind)>;
[[nodiscard]] std::string stream_audio_file(std::span<const std::uint8_t> bytes, double max_seconds, const FormatSink& on_format,
                                            const SampleSink& sink, const ProgressSink& on_progress = {});

}  // namespace orator::protocol
