#include "protocol/audio_file.hpp"

#include <opus.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <cstdint>
#include <functional>
#include <memory>

namespace orator::protocol {
namespace {

std::uint32_t u32le(const std::uint8_t* p) { return p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<std::uint32_t>(p[3]) << 24); }
std::uint16_t u16le(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] | (p[1] << 8)); }
std::uint64_t u64le(const std::uint8_t* p) { return u32le(p) | (static_cast<std::uint64_t>(u32le(p + 4)) << 32); }

constexpr std::size_t kBlock = 16000;  // samples per sink call, at most

// Frames of interleaved samples -> mono blocks for the sink.
std::string decode_wav(std::span<const std::uint8_t> b, double max_seconds, const FormatSink& on_format, const SampleSink& sink,
                       const ProgressSink& on_progress) {
  int format = 0, channels = 0, rate = 0, bits = 0;
  std::size_t pos = 12;
  while (pos + 8 <= b.size()) {
    const std::uint32_t size = u32le(&b[pos + 4]);
    const std::uint8_t* body = &b[pos + 8];
    const std::size_t available = b.size() - pos - 8;
    if (std::memcmp(&b[pos], "fmt ", 4) == 0) {
      if (size < 16 || size > available) return "WAV fmt chunk is truncated";
      format = u16le(body);
      channels = u16le(body + 2);
      rate = static_cast<int>(u32le(body + 4));
      bits = u16le(body + 14);
      if (format == 0xfffe && size >= 26) format = u16le(body + 24);  // extensible: the subformat's first field
    } else if (std::memcmp(&b[pos], "data", 4) == 0) {
      if (format == 0) return "WAV data before its fmt chunk";
      if (channels < 1 || channels > 2) return "WAV must be mono or stereo";
      if (rate < 8000 || rate > 48000) return "WAV sample rate must be 8000-48000 Hz";
      const bool pcm = format == 1 && (bits == 8 || bits == 16 || bits == 24 || bits == 32);
      const bool flt = format == 3 && bits == 32;
      if (!pcm && !flt) return "WAV must be integer PCM (8/16/24/32-bit) or 32-bit float";
      const std::size_t bytes_per = static_cast<std::size_t>(bits / 8);
      const std::size_t data = std::min<std::size_t>(size, available);  // tolerate streamed headers with a bogus size
      const std::size_t frames = data / (bytes_per * static_cast<std::size_t>(channels));
      if (static_cast<double>(frames) > max_seconds * rate) return "recording is longer than allowed";
      on_format(rate);
      std::vector<float> block;
      block.reserve(std::min(frames, kBlock));
      const std::uint8_t* p = body;
      for (std::size_t i = 0; i < frames; ++i) {
        float sum = 0;
        for (int c = 0; c < channels; ++c, p += bytes_per) {
          float v = 0;
          if (flt) {
            std::memcpy(&v, p, 4);
            if (!std::isfinite(v)) v = 0;
            v = std::clamp(v, -1.0f, 1.0f);
          } else if (bits == 8) {
            v = (static_cast<float>(p[0]) - 128.0f) / 128.0f;
          } else if (bits == 16) {
            v = static_cast<float>(static_cast<std::int16_t>(u16le(p))) / 32768.0f;
          } else if (bits == 24) {
            const std::int32_t x = static_cast<std::int32_t>((p[0] << 8) | (p[1] << 16) | (static_cast<std::uint32_t>(p[2]) << 24)) >> 8;
            v = static_cast<float>(x) / 8388608.0f;
          } else {
            v = static_cast<float>(static_cast<double>(static_cast<std::int32_t>(u32le(p))) / 2147483648.0);
          }
          sum += v;
        }
        block.push_back(sum / static_cast<float>(channels));
        if (block.size() == kBlock) {
          sink(block);
          block.clear();
          if (on_progress) on_progress(static_cast<std::size_t>(p - b.data()));
        }
      }
      if (!block.empty()) sink(block);
      if (on_progress) on_progress(static_cast<std::size_t>(p - b.data()));
      return {};
    }
    pos += 8 + static_cast<std::size_t>(size) + (size & 1);
  }
  return "WAV has no data chunk";
}

// Walks the Ogg pages (RFC 3533) of the first logical stream. With `packet`
// set, reassembles its packets (bounded) and hands each over, stopping when
// it returns an error; either way returns the stream's last granule
// position (-1 if none) through `final_granule`. Nothing is kept per packet,
// so a file of empty packets costs nothing.
std::string walk_ogg(std::span<const std::uint8_t> b, std::int64_t& final_granule,
                     const std::function<std::string(std::span<const std::uint8_t>)>* packet, const ProgressSink& on_progress) {
  constexpr std::size_t kProgressEvery = 64 * 1024;  // bytes: not a call per Ogg page
  constexpr std::size_t kMaxPacket = 64 * 1024;  // Opus packets are far smaller
  std::vector<std::uint8_t> partial;
  std::uint32_t serial = 0;
  bool have_serial = false;
  std::size_t pos = 0;
  final_granule = -1;
  while (pos + 27 <= b.size()) {
    if (std::memcmp(&b[pos], "OggS", 4) != 0 || b[pos + 4] != 0) return "corrupt Ogg page";
    const std::uint8_t flags = b[pos + 5];
    const auto granule = static_cast<std::int64_t>(u64le(&b[pos + 6]));
    const std::uint32_t page_serial = u32le(&b[pos + 14]);
    const std::size_t segments = b[pos + 26];
    if (pos + 27 + segments > b.size()) return "truncated Ogg page";
    std::size_t body = pos + 27 + segments, total = 0;
    for (std::size_t i = 0; i < segments; ++i) total += b[pos + 27 + i];
    if (body + total > b.size()) return "truncated Ogg page";
    if (!have_serial) { serial = page_serial; have_serial = true; }
    if (page_serial == serial) {
      if (packet) {
        if (!(flags & 1)) partial.clear();  // not a continuation: drop any unfinished packet
        for (std::size_t i = 0; i < segments; ++i) {
          const std::size_t len = b[pos + 27 + i];
          if (len == 255 || !partial.empty()) {
            if (partial.size() + len > kMaxPacket) return "corrupt Ogg stream (a packet too large)";
            partial.insert(partial.end(), b.begin() + static_cast<std::ptrdiff_t>(body), b.begin() + static_cast<std::ptrdiff_t>(body + len));
          }
          if (len < 255) {
            const auto whole = partial.empty() ? b.subspan(body, len) : std::span<const std::uint8_t>(partial);
            if (auto error = (*packet)(whole); !error.empty()) return error;
            partial.clear();
          }
          body += len;
        }
      }
      if (granule >= 0) final_granule = granule;
    }
    const std::size_t next = pos + 27 + segments + total;
    if (on_progress && next / kProgressEvery != pos / kProgressEvery) on_progress(next);
    pos = next;
  }
  if (on_progress) on_progress(pos);
  return {};
}

std::string decode_ogg_opus(std::span<const std::uint8_t> b, double max_seconds, const FormatSink& on_format, const SampleSink& sink,
                            const ProgressSink& on_progress) {
  // First the last granule (page headers only): where the audio ends.
  std::int64_t final_granule = -1;
  if (auto error = walk_ogg(b, final_granule, nullptr, on_progress); !error.empty()) return error;
  constexpr int kRate = 16000;  // decode straight at the analysis rate
  std::unique_ptr<OpusDecoder, void (*)(OpusDecoder*)> dec(nullptr, opus_decoder_destroy);
  std::size_t index = 0, skip = 0, decoded = 0, emitted = 0;
  // Granule positions count 48 kHz samples including the pre-skip.
  const std::size_t end = final_granule > 0 ? static_cast<std::size_t>(final_granule / 3) : SIZE_MAX;
  std::vector<float> frame(kRate * 120 / 1000);
  const std::function<std::string(std::span<const std::uint8_t>)> on_packet = [&](std::span<const std::uint8_t> p) -> std::string {
    const std::size_t i = index++;
    if (i == 0) {
      if (p.size() < 19 || std::memcmp(p.data(), "OpusHead", 8) != 0) return "not an Ogg Opus stream (no OpusHead)";
      const int channels = p[9];
      if (channels < 1 || channels > 2 || p[18] != 0) return "Ogg Opus must be mono or stereo (mapping family 0)";
      skip = static_cast<std::size_t>(u16le(&p[10]) / 3);
      int err = OPUS_OK;
      dec.reset(opus_decoder_create(kRate, 1, &err));
      if (err != OPUS_OK) return "Opus decoder unavailable";
      on_format(kRate);
      return {};
    }
    if (i == 1 || p.empty()) return {};  // OpusTags; empty packets carry nothing
    const int n = opus_decode_float(dec.get(), p.data(), static_cast<opus_int32>(p.size()), frame.data(), static_cast<int>(frame.size()), 0);
    if (n < 0) return "corrupt Opus packet in the recording";
    const std::size_t start = decoded;  // where frame[0] sits on the decoded timeline
    decoded += static_cast<std::size_t>(n);
    if (static_cast<double>(decoded) > max_seconds * kRate) return "recording is longer than allowed";
    for (int k = 0; k < n; ++k) frame[static_cast<std::size_t>(k)] = std::clamp(frame[static_cast<std::size_t>(k)], -1.0f, 1.0f);
    // Keep [skip, end) of the timeline.
    const std::size_t from = std::max(start, skip), to = std::min(decoded, end);
    if (from < to) {
      sink(std::span<const float>(frame.data() + (from - start), to - from));
      emitted += to - from;
    }
    return {};
  };
  if (auto error = walk_ogg(b, final_granule, &on_packet, on_progress); !error.empty()) return error;
  if (index < 2) return "not an Ogg Opus stream (no OpusHead)";
  if (emitted == 0) return "Ogg Opus recording has no audio";
  return {};
}

}  // namespace

std::string stream_audio_file(std::span<const std::uint8_t> b, double max_seconds, const FormatSink& on_format,
                              const SampleSink& sink, const ProgressSink& on_progress) {
  if (b.size() >= 12 && std::memcmp(b.data(), "RIFF", 4) == 0 && std::memcmp(b.data() + 8, "WAVE", 4) == 0)
    return decode_wav(b, max_seconds, on_format, sink, on_progress);
  if (b.size() >= 4 && std::memcmp(b.data(), "OggS", 4) == 0) return decode_ogg_opus(b, max_seconds, on_format, sink, on_progress);
  return "unsupported recording: send WAV or Ogg Opus";
}

DecodedAudio decode_audio_file(std::span<const std::uint8_t> b, double max_seconds) {
  DecodedAudio out;
  out.error = stream_audio_file(
      b, max_seconds, [&](int rate) { out.sample_rate = rate; },
      [&](std::span<const float> block) { out.samples.insert(out.samples.end(), block.begin(), block.end()); });
  if (!out.error.empty()) out.samples.clear();
  return out;
}

}  // namespace orator::protocol
