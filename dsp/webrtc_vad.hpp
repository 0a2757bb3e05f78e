#pragma once
// Thin RAII wrapper over the WebRTC VAD that libwebrtc-audio-processing exports
// (Debian ships no header for it). One instance per stream; not thread-safe.
#include <cstdint>
#include <memory>
#include <span>

namespace orator::dsp {

class WebRtcVad {
 public:
  // aggressiveness 0 (permissive) .. 3 (strict).
  explicit WebRtcVad(int aggressiveness = 2);
  ~WebRtcVad();
  WebRtcVad(const WebRtcVad&) = delete;
  WebRtcVad& operator=(const WebRtcVad&) = delete;

  // One 10 ms frame at the analysis rate, floats in [-1, 1]. True for speech.
  [[nodiscard]] bool is_speech(std::span<const float> frame);

 private:
  struct Handle;
  Handle* handle_;
};

}  // namespace orator::dsp
