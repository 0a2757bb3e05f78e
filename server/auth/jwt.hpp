#pragma once
// Access tokens: JWT with HS256 only. verify() accepts nothing but
// {"alg":"HS256"} (so "none" and algorithm confusion are refused), compares
// signatures in constant time, and checks expiry. Thread-safe (immutable).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace orator::server::auth {

struct AccessClaims {
  std::string subject;     // user id
  std::int64_t issued_at = 0, expires_at = 0;  // seconds since the epoch
  std::string token_id;    // jti
  std::string scope = "user";
  std::int64_t generation = 0;  // the user's token generation when issued ("gen")
};

class JwtSigner {
 public:
  // The secret must be at least 32 bytes.
  explicit JwtSigner(std::vector<std::uint8_t> secret);
  [[nodiscard]] std::string sign(const AccessClaims& claims) const;

  struct Verified {
    std::optional<AccessClaims> claims;
    std::string error;  // why not, for logs and the 401 body; never contains the token
  };
  [[nodiscard]] Verified verify(std::string_view token, std::int64_t now_seconds) const;

 private:
  std::vector<std::uint8_t> secret_;
};

// The signing secret: $ORATOR_JWT_SECRET, else the file named by
// `secret_file`, else `<data_dir>/jwt-secret`, created (0600) on first run.
[[nodiscard]] std::vector<std::uint8_t> load_signing_secret(const char* env_secret, const std::string& secret_file,
                                                            const std::string& data_dir);

}  // namespace orator::server::auth
