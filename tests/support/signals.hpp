#pragma once
// Synthetic test signals with known answers.
#include <cstdint>
#include <functional>
#include <vector>

namespace orator::test_support {

// A glottal-pulse-like harmonic voice: harmonics with 1/k roll-off and two
// formant-like resonances, F0 given per sample by `f0_at(t)`, amplitude in linear RMS-ish units.
[[nodiscard]] std::vector<float> voice(int rate, double seconds, const std::function<double(double)>& f0_at, double amplitude);
[[nodiscard]] std::vector<float> sine(int rate, double seconds, double hz, double amplitude);
[[nodiscard]] std::vector<float> white_noise(int rate, double seconds, double rms, std::uint32_t seed = 1);
[[nodiscard]] std::vector<float> silence(int rate, double seconds);
// Syllable train: `rate_hz` syllables per second of voiced vowels separated by deep dips.
[[nodiscard]] std::vector<float> syllable_train(int rate, double seconds, double syllables_per_sec, double f0, double amplitude);
// Speech-like: syllables on a voice whose F0 swings +-swing_hz around f0 at 0.5 Hz.
[[nodiscard]] std::vector<float> intoned_syllables(int rate, double seconds, double f0, double swing_hz, double rms,
                                                   double syllables_per_sec = 4.0);
void append(std::vector<float>& to, const std::vector<float>& more);
[[nodiscard]] double rms_db(const std::vector<float>& x);

}  // namespace orator::test_support

namespace orator::test_support {

// 9 s with known answers: silence 0-1 s, voice 1-4 s (F0 140 Hz +-20, 4 syllables/s),
// pause 4-5 s, voice 5-8 s (F0 220 Hz +-30, 4 syllables/s), silence 8-9 s.
// A -70 dBFS noise floor runs throughout. Peak speech level about -20 dBFS RMS.
struct Scenario {
  std::vector<float> audio;
  int rate = 16000;
  double duration = 9.0;
  struct Segment { double start, end, f0_low, f0_high; };
  std::vector<Segment> speech{{1.0, 4.0, 115, 165}, {5.0, 8.0, 185, 255}};
};
[[nodiscard]] Scenario scenario(int rate, double speech_rms = 0.1);

}  // namespace orator::test_support
