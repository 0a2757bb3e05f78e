#pragma once
// A file mapped read-only for as long as the object lives (an upload while
// it is analysed: its pages are the file's, not the heap's). Not copyable;
// reading bytes() from several threads is safe; drop_before() is for one
// reader at a time.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace orator::server::sessions {

class MappedFile {
 public:
  explicit MappedFile(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    struct stat st {};
    if (::fstat(fd, &st) == 0 && st.st_size > 0) {
      void* p = ::mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
      if (p != MAP_FAILED) {
        data_ = static_cast<const std::uint8_t*>(p);
        size_ = static_cast<std::size_t>(st.st_size);
      }
    }
    ::close(fd);
  }
  ~MappedFile() {
    if (data_) ::munmap(const_cast<std::uint8_t*>(data_), size_);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  [[nodiscard]] bool ok() const { return data_ != nullptr; }
  [[nodiscard]] std::span<const std::uint8_t> bytes() const { return {data_, size_}; }

  // The reader is past the first `offset` bytes: their whole pages leave this
  // process's memory (they stay in the page cache; reading them again faults
  // them back in). An offset below the last one is a new pass from the start.
  void drop_before(std::size_t offset) {
    if (!data_) return;
    if (offset < dropped_) dropped_ = 0;
    static const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    const std::size_t end = std::min(offset, size_) / page * page;
    if (end <= dropped_) return;
    (void)::madvise(const_cast<std::uint8_t*>(data_) + dropped_, end - dropped_, MADV_DONTNEED);
    dropped_ = end;
  }

 private:
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t dropped_ = 0;  // whole pages before this are out of memory
};

}  // namespace orator::server::sessions
