#pragma once
// Heap bytes in use by this process (glibc's mallinfo2, so C allocations by
// WebRTC and FFTW count too), to measure per-stream state.
#include <cstddef>

namespace orator::bench {
[[nodiscard]] std::size_t live_heap_bytes();
}
