#pragma once
// Fixed analysis grid shared by every DSP stage.
#include <cstddef>

namespace orator::dsp {

inline constexpr int kAnalysisRate = 16000;          // Hz; every stage runs at this rate
inline constexpr std::size_t kHop = 160;             // samples per analysis frame (10 ms)
inline constexpr double kFrameSeconds = 0.010;       // kHop / kAnalysisRate
inline constexpr float kSilenceDb = -120.0f;         // floor used for log of zero energy

}  // namespace orator::dsp
