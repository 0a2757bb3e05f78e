#pragma once
// Minimal RIFF/WAVE reader and writer for tests and tools (PCM16 and float32).
#include <optional>
#include <string>
#include <vector>

namespace orator::test_support {

struct Wav {
  int sample_rate = 16000;
  int channels = 1;
  std::vector<float> samples;  // interleaved, [-1, 1]
};

[[nodiscard]] std::optional<Wav> read_wav(const std::string& path);
void write_wav(const std::string& path, const Wav& wav);  // PCM16
// The bytes write_wav would write: an upload's body.
[[nodiscard]] std::string wav_bytes(const Wav& wav);
// Mono mix of an interleaved buffer.
[[nodiscard]] std::vector<float> mono(const Wav& wav);

}  // namespace orator::test_support
