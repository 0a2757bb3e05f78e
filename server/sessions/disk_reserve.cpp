#include "server/sessions/disk_reserve.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

namespace orator::server::sessions {

DiskReserve::DiskReserve(std::filesystem::path file, std::uint64_t bytes) : file_(std::move(file)), bytes_(bytes) {}

void DiskReserve::replenish(std::uint64_t keep_free) {
  if (bytes_ == 0) return;
  std::lock_guard lock(mutex_);
  std::error_code ec;
  if (std::filesystem::file_size(file_, ec) == bytes_) return;
  const auto space = std::filesystem::space(file_.parent_path(), ec);
  if (ec || space.available < keep_free + bytes_) return;
  const int fd = ::open(file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return;
  // Real blocks, not a sparse file: deleting it must give space back.
  const int failed = posix_fallocate(fd, 0, static_cast<off_t>(bytes_));
  ::close(fd);
  if (failed != 0) {
    std::filesystem::remove(file_, ec);
    return;
  }
  spdlog::info("{} MB of disk held back in {} for deletes on a full disk", bytes_ >> 20, file_.string());
}

bool DiskReserve::release() {
  if (bytes_ == 0) return false;
  std::lock_guard lock(mutex_);
  std::error_code ec;
  if (!std::filesystem::remove(file_, ec)) return false;
  spdlog::warn("the disk is full: gave up the {} MB reserve so that a delete can free space", bytes_ >> 20);
  return true;
}

}  // namespace orator::server::sessions
