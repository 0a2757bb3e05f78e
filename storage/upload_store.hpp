#pragma once
// The bytes of an upload waiting for analysis, kept in the database when
// several instances share it: the instance that answered 202 may die, and
// the one that adopts the upload has none of its disk. Pieces are base64url
// text (both backends store TEXT), in order. Thread-safe (each call leases
// its own connection).
#include <cstdint>
#include <functional>
#include <string>

#include "storage/connection_pool.hpp"

namespace orator::storage {

class UploadStore {
 public:
  explicit UploadStore(ConnectionPool& pool) : pool_(pool) {}

  // Replaces the upload's pieces: `next_piece` is called until it returns
  // false, each call filling `piece`. One transaction: all pieces or none.
  void keep(const std::string& session_id, const std::function<bool(std::string& piece)>& next_piece);
  // Calls `piece` with each stored piece in order; false if there are none.
  [[nodiscard]] bool read(const std::string& session_id, const std::function<void(const std::string& piece)>& piece);
  [[nodiscard]] bool holds(const std::string& session_id);
  void forget(const std::string& session_id);
  // Moves an upload still processing from `from` (an instance whose lease
  // lapsed) to `to`; false if another instance took it first.
  [[nodiscard]] bool adopt(const std::string& session_id, const std::string& from, const std::string& to);

 private:
  ConnectionPool& pool_;
};

}  // namespace orator::storage
