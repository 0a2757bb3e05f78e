#pragma once
// Space held back on the data directory's disk: a file of real blocks that
// is deleted when the disk is full and a delete needs room to run (SQLite
// writes its WAL before it frees a page), and made again once there is room.
// Thread-safe.
#include <cstdint>
#include <filesystem>
#include <mutex>

namespace orator::server::sessions {

class DiskReserve {
 public:
  // `bytes` 0: no reserve (every call does nothing).
  DiskReserve(std::filesystem::path file, std::uint64_t bytes);

  // Makes the reserve if it is missing and the disk has `bytes` to spare
  // beyond `keep_free`; a failure leaves no partial file.
  void replenish(std::uint64_t keep_free);
  // Deletes the reserve; false if there was none to give.
  [[nodiscard]] bool release();

 private:
  std::filesystem::path file_;
  std::uint64_t bytes_;
  std::mutex mutex_;
};

}  // namespace orator::server::sessions
