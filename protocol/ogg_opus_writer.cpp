#include "protocol/ogg_opus_writer.hpp"

#include <opus/opus.h>

#include <array>
#include <memory>
#include <vector>

namespace orator::protocol {
namespace {

constexpr std::uint32_t kSerial = 0x4f524154;  // "ORAT"
constexpr int kPacketsPerPage = 50;            // one second of 20 ms packets

// Ogg's CRC-32: polynomial 0x04c11db7, not reflected, initial 0, no final xor.
const std::array<std::uint32_t, 256>& crc_table() {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t r = i << 24;
      for (int k = 0; k < 8; ++k) r = (r & 0x80000000u) ? (r << 1) ^ 0x04c11db7u : r << 1;
      t[i] = r;
    }
    return t;
  }();
  return table;
}

void put_le(std::string& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

class OggWriter {
 public:
  void page(const std::vector<std::string>& packets, std::uint64_t granule, std::uint8_t flags) {
    std::string header = "OggS";
    header += '\0';
    header += static_cast<char>(flags);
    put_le(header, granule, 8);
    put_le(header, kSerial, 4);
    put_le(header, sequence_++, 4);
    put_le(header, 0, 4);  // CRC, filled below
    std::string lacing, body;
    for (const auto& p : packets) {
      std::size_t left = p.size();
      for (; left >= 255; left -= 255) lacing += static_cast<char>(255);
      lacing += static_cast<char>(left);
      body += p;
    }
    header += static_cast<char>(lacing.size());
    std::string page = header + lacing + body;
    std::uint32_t crc = 0;
    for (unsigned char c : page) crc = (crc << 8) ^ crc_table()[((crc >> 24) & 0xff) ^ c];
    for (int i = 0; i < 4; ++i) page[22 + i] = static_cast<char>((crc >> (8 * i)) & 0xff);
    out_ += page;
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
  std::uint32_t sequence_ = 0;
};

}  // namespace

std::string encode_ogg_opus(std::span<const std::int16_t> samples, int sample_rate, int bitrate) {
  int error = 0;
  std::unique_ptr<OpusEncoder, decltype(&opus_encoder_destroy)> encoder(
      opus_encoder_create(sample_rate, 1, OPUS_APPLICATION_VOIP, &error), opus_encoder_destroy);
  if (error != OPUS_OK || !encoder) return {};
  opus_encoder_ctl(encoder.get(), OPUS_SET_BITRATE(bitrate));
  opus_int32 lookahead = 0;
  opus_encoder_ctl(encoder.get(), OPUS_GET_LOOKAHEAD(&lookahead));
  const int to_48k = 48000 / sample_rate;
  const std::uint64_t pre_skip = static_cast<std::uint64_t>(lookahead) * static_cast<std::uint64_t>(to_48k);

  OggWriter ogg;
  std::string head = "OpusHead";
  head += static_cast<char>(1);  // version
  head += static_cast<char>(1);  // channels
  put_le(head, pre_skip, 2);
  put_le(head, static_cast<std::uint64_t>(sample_rate), 4);
  put_le(head, 0, 2);  // output gain
  head += '\0';        // mapping family 0: mono or stereo
  ogg.page({head}, 0, 0x02);
  std::string tags = "OpusTags";
  const std::string vendor = "orator";
  put_le(tags, vendor.size(), 4);
  tags += vendor;
  put_le(tags, 0, 4);
  ogg.page({tags}, 0, 0);

  const std::size_t frame = static_cast<std::size_t>(sample_rate) / 50;  // 20 ms
  // Enough frames to flush the encoder's look-ahead past the last sample.
  const std::size_t total = samples.size() + static_cast<std::size_t>(lookahead);
  std::vector<std::int16_t> pcm(frame);
  std::vector<unsigned char> packet(4000);
  std::vector<std::string> pending;
  std::uint64_t granule = 0;
  for (std::size_t at = 0; at < total || pending.empty(); at += frame) {
    for (std::size_t i = 0; i < frame; ++i) pcm[i] = at + i < samples.size() ? samples[at + i] : 0;
    const int n = opus_encode(encoder.get(), pcm.data(), static_cast<int>(frame), packet.data(), static_cast<opus_int32>(packet.size()));
    if (n < 0) return {};
    pending.emplace_back(reinterpret_cast<const char*>(packet.data()), static_cast<std::size_t>(n));
    const bool last = at + frame >= total;
    // The last page's granule marks where the audio ends (RFC 7845 end trimming).
    granule = last ? pre_skip + samples.size() * static_cast<std::uint64_t>(to_48k)
                   : granule + frame * static_cast<std::uint64_t>(to_48k);
    if (last || pending.size() == kPacketsPerPage) {
      ogg.page(pending, granule, last ? 0x04 : 0);
      pending.clear();
    }
    if (last) break;
  }
  return ogg.take();
}

}  // namespace orator::protocol
