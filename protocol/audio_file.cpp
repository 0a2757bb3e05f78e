#include "protocol/audio_file.hpp"

#include <opus.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>

namespace orator::protocol {
namespace {

std::uint32_t u32le(const std::uint8_t* p) { return p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<std::uint32_t>(p[3]) << 24); }
std::uint16_t u16le(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] | (p[1] << 8)); }
std::uint64_t u64le(const std::uint8_t* p) { return u32le(p) | (static_cast<std::uint64_t>(u32le(p + 4)) << 32); }

DecodedAudio failure(std::string why) {
  DecodedAudio d;
  d.error = std::move(why);
  return d;
}

DecodedAudio decode_wav(std::span<const std::uint8_t> b, double max_seconds) {
  int format = 0, channels = 0, rate = 0, bits = 0;
  std::size_t pos = 12;
  while (pos + 8 <= b.size()) {
    const std::uint32_t size = u32le(&b[pos + 4]);
    const std::uint8_t* body = &b[pos + 8];
    const std::size_t available = b.size() - pos - 8;
    if (std::memcmp(&b[pos], "fmt ", 4) == 0) {
      if (size < 16 || size > available) return failure("WAV fmt chunk is truncated");
      format = u16le(body);
      channels = u16le(body + 2);
      rate = static_cast<int>(u32le(body + 4));
      bits = u16le(body + 14);
      if (format == 0xfffe && size >= 26) format = u16le(body + 24);  // extensible: the subformat's first field
    } else if (std::memcmp(&b[pos], "data", 4) == 0) {
      if (format == 0) return failure("WAV data before its fmt chunk");
      if (channels < 1 || channels > 2) return failure("WAV must be mono or stereo");
      if (rate < 8000 || rate > 48000) return failure("WAV sample rate must be 8000-48000 Hz");
      const bool pcm = format == 1 && (bits == 8 || bits == 16 || bits == 24 || bits == 32);
      const bool flt = format == 3 && bits == 32;
      if (!pcm && !flt) return failure("WAV must be integer PCM (8/16/24/32-bit) or 32-bit float");
      const std::size_t bytes_per = static_cast<std::size_t>(bits / 8);
      const std::size_t data = std::min<std::size_t>(size, available);  // tolerate streamed headers with a bogus size
      const std::size_t frames = data / (bytes_per * static_cast<std::size_t>(channels));
      if (static_cast<double>(frames) > max_seconds * rate) return failure("recording is longer than allowed");
      DecodedAudio out;
      out.sample_rate = rate;
      out.samples.resize(frames);
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
        out.samples[i] = sum / static_cast<float>(channels);
      }
      return out;
    }
    pos += 8 + static_cast<std::size_t>(size) + (size & 1);
  }
  return failure("WAV has no data chunk");
}

// Ogg pages -> packets of the first logical stream (RFC 3533).
struct OggPackets {
  std::vector<std::vector<std::uint8_t>> packets;
  std::int64_t final_granule = -1;
  std::string error;
};

OggPackets read_ogg(std::span<const std::uint8_t> b) {
  OggPackets out;
  std::vector<std::uint8_t> partial;
  std::uint32_t serial = 0;
  bool have_serial = false;
  std::size_t pos = 0;
  while (pos + 27 <= b.size()) {
    if (std::memcmp(&b[pos], "OggS", 4) != 0 || b[pos + 4] != 0) return out.error = "corrupt Ogg page", out;
    const std::uint8_t flags = b[pos + 5];
    const auto granule = static_cast<std::int64_t>(u64le(&b[pos + 6]));
    const std::uint32_t page_serial = u32le(&b[pos + 14]);
    const std::size_t segments = b[pos + 26];
    if (pos + 27 + segments > b.size()) return out.error = "truncated Ogg page", out;
    std::size_t body = pos + 27 + segments, total = 0;
    for (std::size_t i = 0; i < segments; ++i) total += b[pos + 27 + i];
    if (body + total > b.size()) return out.error = "truncated Ogg page", out;
    if (!have_serial) { serial = page_serial; have_serial = true; }
    if (page_serial == serial) {
      if (!(flags & 1)) partial.clear();  // not a continuation: drop any unfinished packet
      for (std::size_t i = 0; i < segments; ++i) {
        const std::size_t len = b[pos + 27 + i];
        partial.insert(partial.end(), b.begin() + static_cast<std::ptrdiff_t>(body), b.begin() + static_cast<std::ptrdiff_t>(body + len));
        body += len;
        if (len < 255) {
          out.packets.push_back(std::move(partial));
          partial.clear();
        }
      }
      if (granule >= 0) out.final_granule = granule;
    }
    pos = pos + 27 + segments + total;
  }
  return out;
}

DecodedAudio decode_ogg_opus(std::span<const std::uint8_t> b, double max_seconds) {
  auto ogg = read_ogg(b);
  if (!ogg.error.empty()) return failure(ogg.error);
  if (ogg.packets.size() < 2 || ogg.packets[0].size() < 19 || std::memcmp(ogg.packets[0].data(), "OpusHead", 8) != 0)
    return failure("not an Ogg Opus stream (no OpusHead)");
  const auto& head = ogg.packets[0];
  const int channels = head[9];
  const int pre_skip_48k = u16le(&head[10]);
  if (channels < 1 || channels > 2 || head[18] != 0) return failure("Ogg Opus must be mono or stereo (mapping family 0)");
  constexpr int kRate = 16000;  // decode straight at the analysis rate
  int err = OPUS_OK;
  std::unique_ptr<OpusDecoder, void (*)(OpusDecoder*)> dec(opus_decoder_create(kRate, 1, &err), opus_decoder_destroy);
  if (err != OPUS_OK) return failure("Opus decoder unavailable");
  DecodedAudio out;
  out.sample_rate = kRate;
  std::vector<float> frame(kRate * 120 / 1000);
  // Packet 1 is OpusTags; audio starts at packet 2.
  for (std::size_t i = 2; i < ogg.packets.size(); ++i) {
    const auto& p = ogg.packets[i];
    if (p.empty()) continue;
    const int n = opus_decode_float(dec.get(), p.data(), static_cast<opus_int32>(p.size()), frame.data(), static_cast<int>(frame.size()), 0);
    if (n < 0) return failure("corrupt Opus packet in the recording");
    for (int k = 0; k < n; ++k) out.samples.push_back(std::clamp(frame[static_cast<std::size_t>(k)], -1.0f, 1.0f));
    if (static_cast<double>(out.samples.size()) > max_seconds * kRate) return failure("recording is longer than allowed");
  }
  // Granule positions count 48 kHz samples including the pre-skip.
  const std::size_t skip = static_cast<std::size_t>(pre_skip_48k / 3);
  std::size_t end = out.samples.size();
  if (ogg.final_granule > 0) end = std::min(end, static_cast<std::size_t>(ogg.final_granule / 3));
  if (skip >= end) return failure("Ogg Opus recording has no audio");
  out.samples = std::vector<float>(out.samples.begin() + static_cast<std::ptrdiff_t>(skip), out.samples.begin() + static_cast<std::ptrdiff_t>(end));
  return out;
}

}  // namespace

DecodedAudio decode_audio_file(std::span<const std::uint8_t> b, double max_seconds) {
  if (b.size() >= 12 && std::memcmp(b.data(), "RIFF", 4) == 0 && std::memcmp(b.data() + 8, "WAVE", 4) == 0)
    return decode_wav(b, max_seconds);
  if (b.size() >= 4 && std::memcmp(b.data(), "OggS", 4) == 0) return decode_ogg_opus(b, max_seconds);
  return failure("unsupported recording: send WAV or Ogg Opus");
}

}  // namespace orator::protocol
