#pragma once
// SQLite backend: a file under the data directory, WAL mode, foreign keys on,
// a busy timeout so concurrent pool connections wait rather than fail.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "storage/sql.hpp"

namespace orator::storage {

// SQLite's page cache over a whole pool unless configured (--sqlite-cache-mb).
inline constexpr std::size_t kDefaultSqliteCacheBytes = 8u << 20;

// `cache_bytes`: this connection's page cache. SQLite fills it as the file
// grows and never gives it back, so it is a fixed share of a budget.
[[nodiscard]] std::unique_ptr<SqlConnection> open_sqlite(const std::string& path, std::size_t cache_bytes = 2u << 20);

// Process-wide: gives SQLite's page caches one region of `bytes` outside the
// heap, faulted in now and kept to exit, so the cache's memory is the same
// from start to end and pages freed and reused do not fragment the heap.
// Only before SQLite's first use; false after it (or when the region cannot
// be had), and the caches then come from the heap as before. Not thread-safe.
[[nodiscard]] bool reserve_sqlite_page_cache(std::size_t bytes);
// Page-cache bytes in use in that region (0 without one).
[[nodiscard]] std::int64_t sqlite_reserved_cache_bytes();

// Process-wide: SQLite sheds cached pages once all its connections together
// hold more than `bytes` (a soft limit; 0 lifts it). Thread-safe.
void limit_sqlite_memory(std::int64_t bytes);
// What SQLite holds on the heap now, every connection of the process together.
[[nodiscard]] std::int64_t sqlite_memory_bytes();

}  // namespace orator::storage
