#include "protocol/audio_decoder.hpp"

#include <opus.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

namespace orator::protocol {
static_assert(std::endian::native == std::endian::little, "f32 frames are copied as host floats");
namespace {
constexpr int kOpusRate = 16000;                       // the analysis rate
constexpr int kOpusMaxSamples = kOpusRate * 120 / 1000;  // 120 ms, the longest legal packet
}  // namespace

std::optional<Codec> parse_codec(std::string_view name) {
  if (name == "f32") return Codec::f32;
  if (name == "s16") return Codec::s16;
  if (name == "opus") return Codec::opus;
  return std::nullopt;
}

std::string_view codec_name(Codec codec) {
  switch (codec) {
    case Codec::f32: return "f32";
    case Codec::s16: return "s16";
    case Codec::opus: return "opus";
  }
  return "f32";
}

std::string_view describe(DecodeStatus status) {
  switch (status) {
    case DecodeStatus::ok: return "ok";
    case DecodeStatus::empty_frame: return "empty audio frame";
    case DecodeStatus::partial_sample: return "payload length is not a whole number of samples for the codec and channel count";
    case DecodeStatus::too_many_samples: return "audio frame carries more samples than allowed";
    case DecodeStatus::invalid_opus_packet: return "corrupt or unsupported Opus packet";
    case DecodeStatus::invalid_samples: return "audio frame contains NaN or infinite samples";
  }
  return "unknown";
}

struct AudioDecoder::OpusState {
  OpusDecoder* decoder = nullptr;
  ~OpusState() { if (decoder) opus_decoder_destroy(decoder); }
};

AudioDecoder::AudioDecoder(const AudioFormat& format, int output_rate, std::unique_ptr<OpusState> opus)
    : format_(format), output_rate_(output_rate), opus_(std::move(opus)) {}

AudioDecoder::~AudioDecoder() = default;

std::unique_ptr<AudioDecoder> AudioDecoder::create(const AudioFormat& format) {
  if (format.channels < 1 || format.channels > 2) return nullptr;
  if (format.codec != Codec::opus) {
    if (format.sample_rate < 8000 || format.sample_rate > 48000) return nullptr;
    return std::unique_ptr<AudioDecoder>(new AudioDecoder(format, format.sample_rate, nullptr));
  }
  auto state = std::make_unique<OpusState>();
  int err = OPUS_OK;
  // A mono decoder downmixes stereo packets itself.
  state->decoder = opus_decoder_create(kOpusRate, 1, &err);
  if (err != OPUS_OK || !state->decoder) return nullptr;
  return std::unique_ptr<AudioDecoder>(new AudioDecoder(format, kOpusRate, std::move(state)));
}

DecodeStatus AudioDecoder::decode(std::span<const std::uint8_t> frame, std::vector<float>& out) {
  out.clear();
  if (frame.empty()) return DecodeStatus::empty_frame;
  return format_.codec == Codec::opus ? decode_opus(frame, out) : decode_pcm(frame, out);
}

DecodeStatus AudioDecoder::decode_pcm(std::span<const std::uint8_t> frame, std::vector<float>& out) const {
  const std::size_t bytes_per_sample = format_.codec == Codec::f32 ? 4 : 2;
  const auto channels = static_cast<std::size_t>(format_.channels);
  const std::size_t stride = bytes_per_sample * channels;
  if (frame.size() % stride != 0) return DecodeStatus::partial_sample;
  const std::size_t n = frame.size() / stride;
  if (n > kMaxFrameSamples) return DecodeStatus::too_many_samples;
  out.resize(n);
  const std::uint8_t* p = frame.data();
  for (std::size_t i = 0; i < n; ++i) {
    float sum = 0.0f;
    for (std::size_t c = 0; c < channels; ++c, p += bytes_per_sample) {
      if (bytes_per_sample == 4) {
        // Little-endian on the wire and on the host (static_assert above).
        float v;
        std::memcpy(&v, p, 4);
        if (!std::isfinite(v)) return out.clear(), DecodeStatus::invalid_samples;
        sum += std::clamp(v, -1.0f, 1.0f);
      } else {
        const auto v = static_cast<std::int16_t>(static_cast<std::uint16_t>(p[0] | (p[1] << 8)));
        sum += static_cast<float>(v) / 32768.0f;
      }
    }
    out[i] = sum / static_cast<float>(channels);
  }
  return DecodeStatus::ok;
}

DecodeStatus AudioDecoder::decode_opus(std::span<const std::uint8_t> frame, std::vector<float>& out) {
  if (frame.size() > 1275 * 3 * 2) return DecodeStatus::invalid_opus_packet;  // > any legal 120 ms packet
  const int samples = opus_packet_get_nb_samples(frame.data(), static_cast<opus_int32>(frame.size()), kOpusRate);
  if (samples <= 0 || samples > kOpusMaxSamples) return DecodeStatus::invalid_opus_packet;
  out.resize(static_cast<std::size_t>(samples));
  const int decoded = opus_decode_float(opus_->decoder, frame.data(), static_cast<opus_int32>(frame.size()),
                                        out.data(), samples, 0);
  if (decoded < 0) {
    out.clear();
    return DecodeStatus::invalid_opus_packet;
  }
  out.resize(static_cast<std::size_t>(decoded));
  // libopus's float output is not clipped (a hostile packet decodes to |x| >> 1):
  // bound it like every other codec.
  for (float& v : out) v = std::clamp(v, -1.0f, 1.0f);
  return DecodeStatus::ok;
}

}  // namespace orator::protocol
