#pragma once
// Where a long stream's report puts the timeline seconds and pauses it no
// longer needs at hand, so that what a stream holds in memory stays the same
// however long it runs. The server gives each live stream a file; without one,
// or while writes fail, they stay in memory. Used by one stream's thread at a time.
#include <cstddef>
#include <cstdint>
#include <span>

namespace orator::dsp {

class ReportSpill {
 public:
  virtual ~ReportSpill() = default;
  // Writes all of `bytes` at `offset`; false when it could not (what was
  // there before `offset` is untouched either way).
  [[nodiscard]] virtual bool write_at(std::uint64_t offset, std::span<const std::byte> bytes) = 0;
  // Fills all of `out` from `offset`; false when it could not.
  [[nodiscard]] virtual bool read_at(std::uint64_t offset, std::span<std::byte> out) const = 0;
};

}  // namespace orator::dsp
