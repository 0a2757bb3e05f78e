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
void append(std::vector<float>& to, const std::vector<float>& more);
[[nodiscard]] double rms_db(const std::vector<float>& x);

}  // namespace orator::test_support
