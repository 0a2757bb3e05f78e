#pragma once
// SQLite backend: a file under the data directory, WAL mode, foreign keys on,
// a busy timeout so concurrent pool connections wait rather than fail.
#include <memory>
#include <string>

#include "storage/sql.hpp"

namespace orator::storage {

[[nodiscard]] std::unique_ptr<SqlConnection> open_sqlite(const std::string& path);

}  // namespace orator::storage
