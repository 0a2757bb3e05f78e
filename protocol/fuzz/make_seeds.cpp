// Writes seed inputs for the fuzz targets: valid Opus packets of every legal
// duration (mono and stereo), PCM frames, and valid stream messages. Seeds
// give mutation a grammatical start. Usage: make_fuzz_seeds <dir>
#include <opus.h>

#include <cmath>
#include <cstring>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

void write(const std::filesystem::path& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

void add_frame(std::vector<std::uint8_t>& input, const std::uint8_t* data, std::size_t size) {
  input.push_back(static_cast<std::uint8_t>(size & 0xff));
  input.push_back(static_cast<std::uint8_t>(size >> 8));
  input.insert(input.end(), data, data + size);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  const std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir / "audio_decoder");
  std::filesystem::create_directories(dir / "messages");

  // Opus: byte 0 = codec 2 (+4 for stereo), byte 1 = rate index 7 (48 kHz).
  for (int channels : {1, 2}) {
    int err = 0;
    OpusEncoder* enc = opus_encoder_create(48000, channels, OPUS_APPLICATION_AUDIO, &err);
    if (err != OPUS_OK) return 1;
    for (int samples : {120, 240, 480, 960, 1920, 2880, 5760}) {
      std::vector<float> pcm(static_cast<std::size_t>(samples * channels));
      for (std::size_t i = 0; i < pcm.size(); ++i) pcm[i] = 0.3f * static_cast<float>(std::sin(0.05 * static_cast<double>(i)));
      std::vector<std::uint8_t> input = {static_cast<std::uint8_t>(2 | (channels == 2 ? 4 : 0)), 7};
      std::vector<unsigned char> packet(4000);
      for (int k = 0; k < 3; ++k) {
        const int n = opus_encode_float(enc, pcm.data(), samples, packet.data(), 4000);
        if (n <= 0) return 1;
        add_frame(input, packet.data(), static_cast<std::size_t>(n));
      }
      write(dir / "audio_decoder" / ("opus_" + std::to_string(channels) + "ch_" + std::to_string(samples)), input);
    }
    opus_encoder_destroy(enc);
  }
  // PCM: f32 mono at 16 kHz and s16 stereo at 44.1 kHz.
  std::vector<std::uint8_t> f32 = {0, 2};
  std::vector<std::uint8_t> frame(640);
  for (std::size_t i = 0; i < 160; ++i) {
    const float v = 0.5f * static_cast<float>(std::sin(0.1 * static_cast<double>(i)));
    std::memcpy(frame.data() + 4 * i, &v, 4);
  }
  add_frame(f32, frame.data(), frame.size());
  write(dir / "audio_decoder" / "f32_mono", f32);
  std::vector<std::uint8_t> s16 = {1 | 4, 6};
  add_frame(s16, frame.data(), 400);
  write(dir / "audio_decoder" / "s16_stereo", s16);

  const char* messages[] = {
      R"({"type":"start","codec":"opus","sample_rate":48000,"channels":2,"session_id":"abc","mode":"interview","lang":"en-GB","target_text":"hello","interval_ms":500})",
      R"({"type":"stop"})", R"({"eof":1})", R"({"type":"start","codec":"s16","extra":[1,{"a":null}]})"};
  int i = 0;
  for (const char* m : messages) {
    const std::string text = m;
    write(dir / "messages" / ("m" + std::to_string(i++)), std::vector<std::uint8_t>(text.begin(), text.end()));
  }
  return 0;
}
