#include "dsp/webrtc_vad.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <new>
#include <stdexcept>

#include "dsp/constants.hpp"

// The library's C API (webrtc_vad.h is not installed). Signatures checked
// against the exported symbols of webrtc-audio-processing 0.3.
extern "C" {
struct WebRtcVadInst;
WebRtcVadInst* WebRtcVad_Create();
void WebRtcVad_Free(WebRtcVadInst* handle);
int WebRtcVad_Init(WebRtcVadInst* handle);
int WebRtcVad_set_mode(WebRtcVadInst* handle, int mode);
int WebRtcVad_Process(WebRtcVadInst* handle, int fs, const std::int16_t* audio_frame, std::size_t frame_length);
}

namespace orator::dsp {

struct WebRtcVad::Handle {
  WebRtcVadInst* inst;
};

WebRtcVad::WebRtcVad(int aggressiveness) : handle_(new Handle{WebRtcVad_Create()}) {
  if (!handle_->inst || WebRtcVad_Init(handle_->inst) != 0 ||
      WebRtcVad_set_mode(handle_->inst, std::clamp(aggressiveness, 0, 3)) != 0) {
    if (handle_->inst) WebRtcVad_Free(handle_->inst);
    delete handle_;
    throw std::runtime_error("WebRTC VAD initialisation failed");
  }
}

WebRtcVad::~WebRtcVad() {
  WebRtcVad_Free(handle_->inst);
  delete handle_;
}

bool WebRtcVad::is_speech(std::span<const float> frame) {
  std::array<std::int16_t, kHop> pcm{};
  const std::size_t n = std::min(frame.size(), pcm.size());
  for (std::size_t i = 0; i < n; ++i) {
    const float s = std::clamp(frame[i], -1.0f, 1.0f) * 32767.0f;
    pcm[i] = static_cast<std::int16_t>(std::lrint(s));
  }
  return WebRtcVad_Process(handle_->inst, kAnalysisRate, pcm.data(), pcm.size()) == 1;
}

}  // namespace orator::dsp
