#pragma once
// A live stream's report spill (dsp::ReportSpill: timeline and pauses) in an unnamed file under
// the data directory: made on the first write (a stream shorter than a spill
// block never opens one), unlinked as soon as it is open, so a crash leaves
// nothing behind. At most a quarter of the descriptor limit are open at once;
// a write beyond that fails (the stream keeps what it has in memory).
// A stream's strand uses one; not thread-safe (the count is atomic).
#include <string>

#include "dsp/report_spill.hpp"

namespace orator::server::sessions {

class ReportSpillFile final : public dsp::ReportSpill {
 public:
  explicit ReportSpillFile(std::string directory) : directory_(std::move(directory)) {}
  ~ReportSpillFile() override;
  ReportSpillFile(const ReportSpillFile&) = delete;
  ReportSpillFile& operator=(const ReportSpillFile&) = delete;

  [[nodiscard]] bool write_at(std::uint64_t offset, std::span<const std::byte> bytes) override;
  [[nodiscard]] bool read_at(std::uint64_t offset, std::span<std::byte> out) const override;
  // Whether a write has made the file yet.
  [[nodiscard]] bool made() const { return fd_ >= 0; }

 private:
  std::string directory_;
  int fd_ = -1;
};

}  // namespace orator::server::sessions
