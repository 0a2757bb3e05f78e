#include "storage/sqlite_connection.hpp"

#include <sys/mman.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <string>

namespace orator::storage {
namespace {

class SqliteConnection final : public SqlConnection {
 public:
  SqliteConnection(const std::string& path, std::size_t cache_bytes) {
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
      const std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      throw StorageError("cannot open SQLite database " + path + ": " + msg);
    }
    // Readable by the owner only; SQLite gives its -wal and -shm files the
    // same mode.
    if (path != ":memory:") ::chmod(path.c_str(), 0600);
    sqlite3_busy_timeout(db_, 10000);
    // A negative cache_size is in KiB.
    const std::string cache_kib = std::to_string(std::max<std::size_t>(cache_bytes / 1024, 64));
    execute_script("PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-" + cache_kib + ";");
  }
  ~SqliteConnection() override { sqlite3_close(db_); }

  std::vector<SqlRow> query(std::string_view sql, std::span<const SqlValue> params) override {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) != SQLITE_OK)
      fail("prepare");
    struct Finalizer { sqlite3_stmt* s; ~Finalizer() { sqlite3_finalize(s); } } finalizer{stmt};
    // Placeholders are $1, $2, ...: bound by name, whatever order they appear in.
    for (std::size_t i = 0; i < params.size(); ++i) {
      char name[24];
      std::snprintf(name, sizeof name, "$%zu", i + 1);
      const int index = sqlite3_bind_parameter_index(stmt, name);
      if (index == 0) continue;  // not used by this statement
      const int rc = std::visit(
          [&](const auto& v) -> int {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::nullptr_t>) return sqlite3_bind_null(stmt, index);
            else if constexpr (std::is_same_v<T, std::int64_t>) return sqlite3_bind_int64(stmt, index, v);
            else if constexpr (std::is_same_v<T, double>) return sqlite3_bind_double(stmt, index, v);
            else return sqlite3_bind_text(stmt, index, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
          },
          params[i]);
      if (rc != SQLITE_OK) fail("bind");
    }
    std::vector<SqlRow> rows;
    for (;;) {
      const int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) fail("step");
      const int n = sqlite3_column_count(stmt);
      std::vector<std::optional<std::string>> fields;
      fields.reserve(static_cast<std::size_t>(n));
      for (int c = 0; c < n; ++c) {
        if (sqlite3_column_type(stmt, c) == SQLITE_NULL) {
          fields.emplace_back(std::nullopt);
        } else if (sqlite3_column_type(stmt, c) == SQLITE_FLOAT) {
          char buf[64];
          const auto res = std::to_chars(buf, buf + sizeof buf, sqlite3_column_double(stmt, c));
          fields.emplace_back(std::string(buf, res.ptr));
        } else {
          const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
          fields.emplace_back(std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt, c))));
        }
      }
      rows.emplace_back(std::move(fields));
    }
    return rows;
  }

  void execute_script(std::string_view sql) override {
    char* err = nullptr;
    const std::string text(sql);
    if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      const std::string msg = err ? err : "unknown error";
      sqlite3_free(err);
      throw StorageError("SQLite: " + msg);
    }
  }
  void begin() override { execute_script("BEGIN IMMEDIATE"); }
  void commit() override { execute_script("COMMIT"); }
  void rollback() override { execute_script("ROLLBACK"); }
  std::string_view backend() const override { return "sqlite"; }

 private:
  [[noreturn]] void fail(const char* stage) {
    const int code = sqlite3_extended_errcode(db_);
    const bool conflict = code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY;
    throw StorageError(std::string("SQLite ") + stage + ": " + sqlite3_errmsg(db_), conflict, (code & 0xff) == SQLITE_FULL);
  }

  sqlite3* db_ = nullptr;
};

}  // namespace

std::unique_ptr<SqlConnection> open_sqlite(const std::string& path, std::size_t cache_bytes) {
  return std::make_unique<SqliteConnection>(path, cache_bytes);
}

namespace {
int reserved_slot_bytes = 0;
}  // namespace

bool reserve_sqlite_page_cache(std::size_t bytes) {
  if (reserved_slot_bytes != 0) return false;  // one region per process
  int header = 0;  // what SQLite keeps beside each page
  if (sqlite3_config(SQLITE_CONFIG_PCACHE_HDRSZ, &header) != SQLITE_OK) return false;
  // SQLite's default page size, which our databases keep; a larger page
  // would not fit a slot and takes heap memory instead.
  const std::size_t slot = (4096 + static_cast<std::size_t>(header) + 7) & ~std::size_t{7};
  const std::size_t slots = bytes / slot;
  if (slots == 0) return false;
  void* region = mmap(nullptr, slots * slot, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (region == MAP_FAILED) return false;
  if (sqlite3_config(SQLITE_CONFIG_PAGECACHE, region, static_cast<int>(slot), static_cast<int>(slots)) != SQLITE_OK) {
    munmap(region, slots * slot);
    return false;
  }
  reserved_slot_bytes = static_cast<int>(slot);
  return true;
}

std::int64_t sqlite_reserved_cache_bytes() {
  sqlite3_int64 used = 0, highest = 0;
  if (reserved_slot_bytes == 0 || sqlite3_status64(SQLITE_STATUS_PAGECACHE_USED, &used, &highest, 0) != SQLITE_OK) return 0;
  return used * reserved_slot_bytes;
}

void limit_sqlite_memory(std::int64_t bytes) { sqlite3_soft_heap_limit64(bytes); }

std::int64_t sqlite_memory_bytes() { return sqlite3_memory_used(); }

}  // namespace orator::storage
