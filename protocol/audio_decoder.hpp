#pragma once
// Decodes binary stream frames to mono float samples.
//   f32: IEEE float32 little-endian, interleaved; s16: int16 little-endian, interleaved.
//   opus: exactly one raw Opus packet per frame (2.5-120 ms), decoded by
//   libopus straight at the analysis rate (16 kHz), stereo mixed down.
// One decoder per stream; not thread-safe. Never throws on bad input: every
// rejected frame gets a status and leaves the decoder usable.
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace orator::protocol {

enum class Codec { f32, s16, opus };

[[nodiscard]] std::optional<Codec> parse_codec(std::string_view name);
[[nodiscard]] std::string_view codec_name(Codec codec);

struct AudioFormat {
  Codec codec = Codec::f32;
  int sample_rate = 16000;  // of PCM input; Opus decodes at the analysis rate
  int channels = 1;
};

enum class DecodeStatus {
  ok,
  empty_frame,          // zero-length payload
  partial_sample,       // length not a whole number of (interleaved) samples
  too_many_samples,     // larger than one frame may carry
  invalid_opus_packet,  // libopus refused the packet
  invalid_samples,      // NaN or infinite float samples
};

[[nodiscard]] std::string_view describe(DecodeStatus status);

class AudioDecoder {
 public:
  // Most samples (per channel) one PCM frame may carry: 2 s at 48 kHz.
  static constexpr std::size_t kMaxFrameSamples = 48000 * 2;

  // Returns null only for a format outside the contract.
  [[nodiscard]] static std::unique_ptr<AudioDecoder> create(const AudioFormat& format);
  ~AudioDecoder();
  AudioDecoder(const AudioDecoder&) = delete;
  AudioDecoder& operator=(const AudioDecoder&) = delete;

  // Replaces `out` with the frame's mono samples (capacity is reused).
  [[nodiscard]] DecodeStatus decode(std::span<const std::uint8_t> frame, std::vector<float>& out);
  // Sample rate of decode()'s output.
  int output_rate() const { return output_rate_; }
  const AudioFormat& format() const { return format_; }

 private:
  struct OpusState;
  AudioDecoder(const AudioFormat& format, int output_rate, std::unique_ptr<OpusState> opus);
  DecodeStatus decode_pcm(std::span<const std::uint8_t> frame, std::vector<float>& out) const;
  DecodeStatus decode_opus(std::span<const std::uint8_t> frame, std::vector<float>& out);

  AudioFormat format_;
  int output_rate_;
  std::unique_ptr<OpusState> opus_;
};

}  // namespace orator::protocol
