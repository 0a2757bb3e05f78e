#pragma once
// Recordings kept for sessions created with `record: true`: the analysis-rate
// mono audio cut into 16-bit little-endian PCM chunks as it arrives (so a
// stream that ends abruptly keeps what came before), and a WAV file rebuilt
// from stored chunks. Per-stream state; not thread-safe. Bounded: audio past
// `max_seconds` is not kept.
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace orator::protocol {

struct PcmChunk {
  int seq = 0;
  std::int64_t start_sample = 0;  // of the recording
  int samples = 0;
  std::string pcm16le;            // samples * 2 bytes
};

class RecordingBuffer {
 public:
  using ChunkSink = std::function<void(PcmChunk&&)>;
  RecordingBuffer(int sample_rate, double max_seconds, double chunk_seconds, ChunkSink on_chunk);

  // Floats in [-1, 1] (clamped). Hands each chunk to `on_chunk` as it fills.
  void append(std::span<const float> samples);
  // Hands over the partial chunk left at the end of the stream, if any.
  void flush();

 private:
  std::int64_t max_samples_;
  std::size_t chunk_samples_;
  ChunkSink on_chunk_;
  PcmChunk current_;
  std::int64_t kept_ = 0;  // samples appended, all chunks
};

// One stored piece of a recording, in any order; gaps (chunks the database
// could not take) become silence so the timeline stays true.
struct StoredPcm {
  std::int64_t start_sample = 0;
  std::string_view pcm16le;
};

// A RIFF/WAVE file, 16-bit mono, from stored pieces.
[[nodiscard]] std::string recording_wav(int sample_rate, std::span<const StoredPcm> pieces);
// The 44-byte header of a 16-bit mono WAV of `samples` samples.
[[nodiscard]] std::string wav_header(int sample_rate, std::int64_t samples);

}  // namespace orator::protocol
