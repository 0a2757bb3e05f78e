#include "support/signals.hpp"

#include <cmath>
#include <random>

namespace orator::test_support {

std::vector<float> voice(int rate, double seconds, const std::function<double(double)>& f0_at, double amplitude) {
  const auto n = static_cast<std::size_t>(seconds * rate);
  std::vector<float> out(n);
  double phase = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / rate;
    const double f0 = f0_at(t);
    phase += 2 * M_PI * f0 / rate;
    double s = 0;
    for (int k = 1; k * f0 < 0.45 * rate && k <= 40; ++k) {
      // Vowel-like spectral envelope: peaks near 700 Hz and 1200 Hz on a 1/k slope.
      const double f = k * f0;
      const double env = 1.0 / k * (1.0 + 2.0 * std::exp(-std::pow((f - 700) / 250, 2)) + 1.5 * std::exp(-std::pow((f - 1200) / 300, 2)));
      s += env * std::sin(k * phase);
    }
    out[i] = static_cast<float>(s);
  }
  // Normalise to the requested RMS.
  double e = 0;
  for (float v : out) e += static_cast<double>(v) * v;
  const double g = e > 0 ? amplitude / std::sqrt(e / static_cast<double>(n)) : 0;
  for (float& v : out) v = static_cast<float>(v * g);
  return out;
}

std::vector<float> sine(int rate, double seconds, double hz, double amplitude) {
  const auto n = static_cast<std::size_t>(seconds * rate);
  std::vector<float> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<float>(amplitude * std::sin(2 * M_PI * hz * static_cast<double>(i) / rate));
  return out;
}

std::vector<float> white_noise(int rate, double seconds, double rms, std::uint32_t seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<double> dist(0.0, rms);
  std::vector<float> out(static_cast<std::size_t>(seconds * rate));
  for (float& v : out) v = static_cast<float>(dist(gen));
  return out;
}

std::vector<float> silence(int rate, double seconds) { return std::vector<float>(static_cast<std::size_t>(seconds * rate), 0.0f); }

std::vector<float> syllable_train(int rate, double seconds, double syllables_per_sec, double f0, double amplitude) {
  // Slight F0 drift keeps it voice-like; each syllable is a raised-cosine swell.
  auto v = voice(rate, seconds, [f0](double t) { return f0 * (1.0 + 0.05 * std::sin(2 * M_PI * 0.7 * t)); }, amplitude);
  for (std::size_t i = 0; i < v.size(); ++i) {
    const double t = static_cast<double>(i) / rate;
    const double cycle = std::fmod(t * syllables_per_sec, 1.0);
    const double env = 0.5 - 0.5 * std::cos(2 * M_PI * cycle);  // 0 at the dips, 1 mid-syllable
    v[i] = static_cast<float>(v[i] * (0.03 + 0.97 * env) * 1.4);
  }
  return v;
}

void append(std::vector<float>& to, const std::vector<float>& more) { to.insert(to.end(), more.begin(), more.end()); }

double rms_db(const std::vector<float>& x) {
  double e = 0;
  for (float v : x) e += static_cast<double>(v) * v;
  return x.empty() || e == 0 ? -120.0 : 10 * std::log10(e / static_cast<double>(x.size()));
}

}  // namespace orator::test_support

namespace orator::test_support {

std::vector<float> intoned_syllables(int rate, double seconds, double f0, double swing_hz, double rms, double syllables_per_sec) {
  auto v = voice(rate, seconds, [f0, swing_hz](double t) { return f0 + swing_hz * std::sin(2 * M_PI * 0.5 * t); }, rms);
  for (std::size_t i = 0; i < v.size(); ++i) {
    const double cycle = std::fmod(static_cast<double>(i) / rate * syllables_per_sec, 1.0);
    v[i] = static_cast<float>(v[i] * (0.05 + 0.95 * (0.5 - 0.5 * std::cos(2 * M_PI * cycle))) * 1.4);
  }
  return v;
}

Scenario scenario(int rate, double speech_rms) {
  Scenario s;
  s.rate = rate;
  auto seg = [&](double seconds, double f0, double swing) { return intoned_syllables(rate, seconds, f0, swing, speech_rms); };
  append(s.audio, silence(rate, 1.0));
  append(s.audio, seg(3.0, 140, 20));
  append(s.audio, silence(rate, 1.0));
  append(s.audio, seg(3.0, 220, 30));
  append(s.audio, silence(rate, 1.0));
  const auto floor = white_noise(rate, 9.0, std::pow(10.0, -70.0 / 20.0), 7);
  for (std::size_t i = 0; i < s.audio.size() && i < floor.size(); ++i) s.audio[i] += floor[i];
  return s;
}

}  // namespace orator::test_support
