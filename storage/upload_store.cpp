#include "storage/upload_store.hpp"

#include "storage/sql.hpp"

namespace orator::storage {

void UploadStore::keep(const std::string& session_id, const std::function<bool(std::string& piece)>& next_piece) {
  auto c = pool_.acquire();
  Transaction tx(*c);
  const SqlValue id[] = {session_id};
  c->query("DELETE FROM upload_pieces WHERE session_id = $1", id);
  std::string piece;
  for (std::int64_t seq = 0; next_piece(piece); ++seq) {
    const SqlValue p[] = {session_id, seq, piece};
    c->query("INSERT INTO upload_pieces (session_id, seq, bytes) VALUES ($1, $2, $3)", p);
  }
  tx.commit();
}

bool UploadStore::read(const std::string& session_id, const std::function<void(const std::string& piece)>& piece) {
  // One piece per query: a 100 MB upload is never in memory at once.
  auto c = pool_.acquire();
  bool any = false;
  for (std::int64_t seq = 0;; ++seq) {
    const SqlValue p[] = {session_id, seq};
    const auto rows = c->query("SELECT bytes FROM upload_pieces WHERE session_id = $1 AND seq = $2", p);
    if (rows.empty()) return any;
    piece(rows.front().text(0));
    any = true;
  }
}

bool UploadStore::holds(const std::string& session_id) {
  const SqlValue p[] = {session_id};
  return !pool_.acquire()->query("SELECT 1 FROM upload_pieces WHERE session_id = $1 AND seq = 0", p).empty();
}

void UploadStore::forget(const std::string& session_id) {
  const SqlValue p[] = {session_id};
  pool_.acquire()->query("DELETE FROM upload_pieces WHERE session_id = $1", p);
}

bool UploadStore::adopt(const std::string& session_id, const std::string& from, const std::string& to) {
  const SqlValue p[] = {session_id, from, to};
  return !pool_.acquire()
              ->query("UPDATE sessions SET instance_id = $3 WHERE id = $1 AND status = 'processing' AND instance_id = $2 RETURNING id", p)
              .empty();
}

}  // namespace orator::storage
