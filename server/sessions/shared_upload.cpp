#include "server/sessions/shared_upload.hpp"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <vector>

#include "server/auth/crypto.hpp"

namespace orator::server::sessions {
namespace {
constexpr std::size_t kPieceBytes = 1 << 20;  // 1.4 MB of text per row
}

void keep_upload_in_database(storage::UploadStore& uploads, const std::string& session_id, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("the upload's file cannot be read back");
  std::vector<std::uint8_t> buffer(kPieceBytes);
  uploads.keep(session_id, [&](std::string& piece) {
    in.read(reinterpret_cast<char*>(buffer.data()), static_cast<std::streamsize>(buffer.size()));
    const auto n = static_cast<std::size_t>(in.gcount());
    if (in.bad()) throw std::runtime_error("the upload's file cannot be read back");
    if (n == 0) return false;
    piece = auth::base64url_encode({buffer.data(), n});
    return true;
  });
}

bool fetch_upload_from_database(storage::UploadStore& uploads, const std::string& session_id, const std::string& partial,
                                const std::string& path) {
  std::ofstream out(partial, std::ios::binary | std::ios::trunc);
  bool whole = static_cast<bool>(out);
  const bool any = uploads.read(session_id, [&](const std::string& piece) {
    const auto bytes = auth::base64url_decode(piece);
    if (!bytes) whole = false;
    if (whole) out.write(reinterpret_cast<const char*>(bytes->data()), static_cast<std::streamsize>(bytes->size()));
  });
  out.close();
  std::error_code ec;
  if (any && whole && out) std::filesystem::rename(partial, path, ec);
  if (!any || !whole || !out || ec) {
    std::filesystem::remove(partial, ec);
    return false;
  }
  return true;
}

}  // namespace orator::server::sessions
