#include "protocol/recording.hpp"

#include <algorithm>
#include <cmath>

namespace orator::protocol {
namespace {

void put_le(std::string& out, std::uint32_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

}  // namespace

RecordingBuffer::RecordingBuffer(int sample_rate, double max_seconds, double chunk_seconds, ChunkSink on_chunk)
    : max_samples_(static_cast<std::int64_t>(std::max(0.0, max_seconds) * sample_rate)),
      chunk_samples_(static_cast<std::size_t>(std::max(1.0, chunk_seconds * sample_rate))),
      on_chunk_(std::move(on_chunk)) {
  current_.pcm16le.reserve(chunk_samples_ * 2);
}

void RecordingBuffer::append(std::span<const float> samples) {
  // Converts a run at a time: up to the end of the chunk, or of the budget.
  while (!samples.empty() && kept_ < max_samples_) {
    const auto room = std::min<std::int64_t>(static_cast<std::int64_t>(chunk_samples_) - current_.samples, max_samples_ - kept_);
    const auto n = std::min(samples.size(), static_cast<std::size_t>(room));
    const std::size_t at = current_.pcm16le.size();
    current_.pcm16le.resize(at + 2 * n);
    for (std::size_t i = 0; i < n; ++i) {
      const float clamped = std::clamp(samples[i], -1.0f, 1.0f);
      const auto v = static_cast<std::uint16_t>(static_cast<std::int16_t>(std::lround(clamped * 32767.0f)));
      current_.pcm16le[at + 2 * i] = static_cast<char>(v & 0xFF);
      current_.pcm16le[at + 2 * i + 1] = static_cast<char>(v >> 8);
    }
    current_.samples += static_cast<int>(n);
    kept_ += static_cast<std::int64_t>(n);
    samples = samples.subspan(n);
    if (static_cast<std::size_t>(current_.samples) == chunk_samples_) flush();
  }
}

void RecordingBuffer::flush() {
  if (current_.samples == 0) return;
  PcmChunk next;
  next.seq = current_.seq + 1;
  next.start_sample = kept_;
  next.pcm16le.reserve(chunk_samples_ * 2);
  std::swap(current_, next);
  on_chunk_(std::move(next));
}

std::string wav_header(int sample_rate, std::int64_t samples) {
  const auto data_bytes = static_cast<std::uint32_t>(samples * 2);
  std::string wav;
  wav += "RIFF";
  put_le(wav, 36 + data_bytes, 4);
  wav += "WAVEfmt ";
  put_le(wav, 16, 4);
  put_le(wav, 1, 2);  // PCM
  put_le(wav, 1, 2);  // mono
  put_le(wav, static_cast<std::uint32_t>(sample_rate), 4);
  put_le(wav, static_cast<std::uint32_t>(sample_rate * 2), 4);
  put_le(wav, 2, 2);
  put_le(wav, 16, 2);
  wav += "data";
  put_le(wav, data_bytes, 4);
  return wav;
}

std::string recording_wav(int sample_rate, std::span<const StoredPcm> pieces) {
  std::int64_t end = 0;
  for (const auto& p : pieces) end = std::max(end, p.start_sample + static_cast<std::int64_t>(p.pcm16le.size() / 2));
  std::string wav = wav_header(sample_rate, end);
  const auto data_bytes = static_cast<std::size_t>(end * 2);
  wav.reserve(wav.size() + data_bytes);
  const std::size_t header = wav.size();
  wav.resize(header + data_bytes, '\0');  // silence where a piece is missing
  for (const auto& p : pieces)
    std::copy(p.pcm16le.begin(), p.pcm16le.end(), wav.begin() + static_cast<std::ptrdiff_t>(header + static_cast<std::size_t>(p.start_sample) * 2));
  return wav;
}

}  // namespace orator::protocol
