#pragma once
// PostgreSQL backend over libpqxx (6.x on Debian 12).
#include <memory>
#include <string>

#include "storage/sql.hpp"

namespace orator::storage {

// `url`: a libpq connection URI, e.g. postgresql://user@host:5432/orator
[[nodiscard]] std::unique_ptr<SqlConnection> open_postgres(const std::string& url);

}  // namespace orator::storage
