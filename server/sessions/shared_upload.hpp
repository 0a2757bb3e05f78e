#pragma once
// An upload's bytes between this instance's disk and the database (several
// instances on one database: whichever adopts an upload of an instance that
// died fetches them back). Blocking; thread-safe for different sessions.
#include <string>

#include "storage/upload_store.hpp"

namespace orator::server::sessions {

// The file at `path` into the database, a piece at a time (throws what the
// database throws; nothing is kept then).
void keep_upload_in_database(storage::UploadStore& uploads, const std::string& session_id, const std::string& path);
// The database's pieces written to `partial` and renamed to `path` once
// whole; false (and nothing at `path`) when there are none or one is corrupt.
[[nodiscard]] bool fetch_upload_from_database(storage::UploadStore& uploads, const std::string& session_id,
                                              const std::string& partial, const std::string& path);

}  // namespace orator::server::sessions
