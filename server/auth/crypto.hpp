#pragma once
// Cryptographic building blocks over OpenSSL. Thread-safe; no secret is ever
// logged or put in an exception message.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace orator::server::auth {

[[nodiscard]] std::string base64url_encode(std::span<const std::uint8_t> bytes);
[[nodiscard]] std::optional<std::vector<std::uint8_t>> base64url_decode(std::string_view text);
[[nodiscard]] std::vector<std::uint8_t> random_bytes(std::size_t n);
// Opaque random token (refresh tokens, API keys): n random bytes, base64url.
[[nodiscard]] std::string random_token(std::size_t n = 32);
// Hex SHA-256 of a token: what the database stores instead of the token.
[[nodiscard]] std::string sha256_hex(std::string_view data);
[[nodiscard]] std::vector<std::uint8_t> hmac_sha256(std::span<const std::uint8_t> key, std::string_view data);
[[nodiscard]] bool constant_time_equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b);

// Password hashing with scrypt (memory-hard). The encoded form carries its
// parameters: "scrypt$<log2 N>$<r>$<p>$<salt>$<hash>".
struct ScryptParams {
  int log2_n = 15;  // N = 32768: 32 MiB, tens of ms per hash
  int r = 8;
  int p = 1;
};
[[nodiscard]] std::string hash_password(std::string_view password, const ScryptParams& params = {});
[[nodiscard]] bool verify_password(std::string_view password, std::string_view encoded);

}  // namespace orator::server::auth
