#pragma once
// Versioned schema migrations, applied in order at start inside one
// transaction each; the applied versions are recorded in schema_migrations.
// The SQL is portable between SQLite and PostgreSQL (BIGINT epoch
// milliseconds, TEXT ids and JSON, INTEGER flags).
#include <vector>

#include "storage/sql.hpp"

namespace orator::storage {

struct Migration {
  int version;
  const char* description;
  const char* sql;
  // What only one backend has (full-text search): run after `sql`.
  const char* sqlite_sql = nullptr;
  const char* postgres_sql = nullptr;
};

[[nodiscard]] const std::vector<Migration>& migrations();
// Applies every migration newer than the database's version; returns how many ran.
int migrate(SqlConnection& connection);
[[nodiscard]] int schema_version(SqlConnection& connection);

}  // namespace orator::storage
