#include "server/sessions/report_spill_file.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

namespace orator::server::sessions {
namespace {

// Spill files open in the process. They may take a quarter of the descriptor
// limit: sockets, recordings and the database need the rest, and a stream
// refused a file keeps its seconds and pauses in memory as before.
std::atomic<std::size_t> open_files{0};

std::size_t file_budget() {
  static const std::size_t budget = [] {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return std::size_t{1} << 16;
    return static_cast<std::size_t>(limit.rlim_cur) / 4;
  }();
  return budget;
}

// pwrite or pread until all `size` bytes are done; false on an error or EOF.
template <typename Io, typename Byte>
bool whole(Io io, int fd, Byte* data, std::size_t size, std::uint64_t offset) {
  for (std::size_t done = 0; done < size;) {
    const ssize_t n = io(fd, data + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

ReportSpillFile::~ReportSpillFile() {
  if (fd_ < 0) return;
  ::close(fd_);
  open_files.fetch_sub(1, std::memory_order_relaxed);
}

bool ReportSpillFile::write_at(std::uint64_t offset, std::span<const std::byte> bytes) {
  if (fd_ < 0) {
    if (open_files.fetch_add(1, std::memory_order_relaxed) >= file_budget()) {
      open_files.fetch_sub(1, std::memory_order_relaxed);
      return false;
    }
    std::string path = directory_ + "/report-XXXXXX";
    fd_ = ::mkostemp(path.data(), O_CLOEXEC);
    if (fd_ < 0) {  // no descriptor or no room: they stay in memory
      open_files.fetch_sub(1, std::memory_order_relaxed);
      return false;
    }
    ::unlink(path.data());
  }
  return whole(::pwrite, fd_, bytes.data(), bytes.size(), offset);
}

bool ReportSpillFile::read_at(std::uint64_t offset, std::span<std::byte> out) const {
  if (fd_ < 0) return out.empty();
  return whole(::pread, fd_, out.data(), out.size(), offset);
}

}  // namespace orator::server::sessions
