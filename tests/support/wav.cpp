#include "support/wav.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>

namespace orator::test_support {
namespace {
std::uint32_t u32(const unsigned char* p) { return p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<std::uint32_t>(p[3]) << 24); }
std::uint16_t u16(const unsigned char* p) { return static_cast<std::uint16_t>(p[0] | (p[1] << 8)); }
void put32(std::string& o, std::uint32_t v) { for (int i = 0; i < 4; ++i) o += static_cast<char>((v >> (8 * i)) & 0xff); }
void put16(std::string& o, std::uint16_t v) { o += static_cast<char>(v & 0xff); o += static_cast<char>(v >> 8); }
}  // namespace

std::optional<Wav> read_wav(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::vector<unsigned char> b((std::istreambuf_iterator<char>(in)), {});
  if (b.size() < 12 || std::memcmp(b.data(), "RIFF", 4) != 0 || std::memcmp(b.data() + 8, "WAVE", 4) != 0) return std::nullopt;
  Wav w;
  int format = 0, bits = 0;
  std::size_t pos = 12;
  while (pos + 8 <= b.size()) {
    const std::uint32_t size = u32(&b[pos + 4]);
    const unsigned char* body = &b[pos + 8];
    if (pos + 8 + size > b.size()) return std::nullopt;
    if (std::memcmp(&b[pos], "fmt ", 4) == 0 && size >= 16) {
      format = u16(body);
      w.channels = u16(body + 2);
      w.sample_rate = static_cast<int>(u32(body + 4));
      bits = u16(body + 14);
      if (format == 0xfffe && size >= 26) format = u16(body + 24);  // WAVE_FORMAT_EXTENSIBLE subformat
    } else if (std::memcmp(&b[pos], "data", 4) == 0) {
      if (format == 1 && bits == 16) {
        w.samples.resize(size / 2);
        for (std::size_t i = 0; i < w.samples.size(); ++i)
          w.samples[i] = static_cast<float>(static_cast<std::int16_t>(u16(body + 2 * i))) / 32768.0f;
      } else if (format == 3 && bits == 32) {
        w.samples.resize(size / 4);
        std::memcpy(w.samples.data(), body, w.samples.size() * 4);
      } else {
        return std::nullopt;
      }
      return w;
    }
    pos += 8 + size + (size & 1);
  }
  return std::nullopt;
}

std::string wav_bytes(const Wav& w) {
  const auto data_bytes = static_cast<std::uint32_t>(w.samples.size() * 2);
  std::string o;
  o.reserve(44 + data_bytes);
  o += "RIFF"; put32(o, 36 + data_bytes); o += "WAVE";
  o += "fmt "; put32(o, 16); put16(o, 1); put16(o, static_cast<std::uint16_t>(w.channels));
  put32(o, static_cast<std::uint32_t>(w.sample_rate));
  put32(o, static_cast<std::uint32_t>(w.sample_rate * w.channels * 2));
  put16(o, static_cast<std::uint16_t>(w.channels * 2)); put16(o, 16);
  o += "data"; put32(o, data_bytes);
  for (float s : w.samples) put16(o, static_cast<std::uint16_t>(static_cast<std::int16_t>(std::lrint(std::clamp(s, -1.0f, 1.0f) * 32767.0f))));
  return o;
}

void write_wav(const std::string& path, const Wav& w) {
  const std::string bytes = wav_bytes(w);
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::vector<float> mono(const Wav& w) {
  if (w.channels == 1) return w.samples;
  std::vector<float> out(w.samples.size() / static_cast<std::size_t>(w.channels));
  for (std::size_t i = 0; i < out.size(); ++i) {
    float s = 0;
    for (int c = 0; c < w.channels; ++c) s += w.samples[i * static_cast<std::size_t>(w.channels) + static_cast<std::size_t>(c)];
    out[i] = s / static_cast<float>(w.channels);
  }
  return out;
}

}  // namespace orator::test_support
