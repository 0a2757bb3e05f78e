// Fuzz target for AudioDecoder (libFuzzer entry point). Input layout:
//   byte 0: codec (bits 0-1: f32, s16, opus) and channels (bit 2)
//   byte 1: sample-rate choice
//   then frames, each a little-endian u16 length and that many bytes.
// Every frame must decode or be rejected with a status: no crash, no
// sanitizer report, outputs finite, in [-1, 1] and within the frame limit.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "protocol/audio_decoder.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace orator::protocol;
  if (size < 2) return 0;
  static constexpr int kRates[] = {8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000};
  AudioFormat format;
  format.codec = static_cast<Codec>(data[0] % 3);
  format.channels = (data[0] & 4) ? 2 : 1;
  format.sample_rate = kRates[data[1] % 8];
  auto decoder = AudioDecoder::create(format);
  if (!decoder) std::abort();  // every format built here is within the contract
  std::vector<float> out;
  std::size_t pos = 2;
  while (pos + 2 <= size) {
    const std::size_t len = std::min<std::size_t>(data[pos] | (data[pos + 1] << 8), size - pos - 2);
    pos += 2;
    const auto status = decoder->decode(std::span<const std::uint8_t>(data + pos, len), out);
    pos += len;
    if (status != DecodeStatus::ok) {
      if (!out.empty()) std::abort();  // a rejected frame yields nothing
      continue;
    }
    if (out.size() > AudioDecoder::kMaxFrameSamples) std::abort();
    for (float v : out)
      if (!std::isfinite(v) || std::abs(v) > 1.0f) std::abort();
  }
  return 0;
}
