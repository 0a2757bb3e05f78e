#include "server/auth/crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <charconv>
#include <stdexcept>

namespace orator::server::auth {
namespace {
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int decode_char(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

std::optional<int> to_int(std::string_view s) {
  int v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::vector<std::uint8_t> scrypt(std::string_view password, std::span<const std::uint8_t> salt, const ScryptParams& p, std::size_t len) {
  std::vector<std::uint8_t> out(len);
  const std::uint64_t n = 1ULL << p.log2_n;
  const std::uint64_t maxmem = 128 * static_cast<std::uint64_t>(p.r) * (n + static_cast<std::uint64_t>(p.p) + 2) + (1 << 20);
  if (EVP_PBE_scrypt(password.data(), password.size(), salt.data(), salt.size(), n, static_cast<std::uint64_t>(p.r),
                     static_cast<std::uint64_t>(p.p), maxmem, out.data(), out.size()) != 1)
    throw std::runtime_error("scrypt failed");
  return out;
}

}  // namespace

std::string base64url_encode(std::span<const std::uint8_t> b) {
  std::string out;
  out.reserve((b.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < b.size(); i += 3) {
    const std::uint32_t v = (b[i] << 16) | (b[i + 1] << 8) | b[i + 2];
    out += kAlphabet[(v >> 18) & 63]; out += kAlphabet[(v >> 12) & 63]; out += kAlphabet[(v >> 6) & 63]; out += kAlphabet[v & 63];
  }
  if (i + 1 == b.size()) {
    const std::uint32_t v = b[i] << 16;
    out += kAlphabet[(v >> 18) & 63]; out += kAlphabet[(v >> 12) & 63];
  } else if (i + 2 == b.size()) {
    const std::uint32_t v = (b[i] << 16) | (b[i + 1] << 8);
    out += kAlphabet[(v >> 18) & 63]; out += kAlphabet[(v >> 12) & 63]; out += kAlphabet[(v >> 6) & 63];
  }
  return out;  // unpadded, as JWT wants
}

std::optional<std::vector<std::uint8_t>> base64url_decode(std::string_view t) {
  if (t.size() % 4 == 1) return std::nullopt;
  std::vector<std::uint8_t> out;
  out.reserve(t.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : t) {
    const int v = decode_char(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>((acc >> bits) & 0xff));
    }
  }
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;  // non-canonical trailing bits
  return out;
}

std::vector<std::uint8_t> random_bytes(std::size_t n) {
  std::vector<std::uint8_t> out(n);
  if (RAND_bytes(out.data(), static_cast<int>(n)) != 1) throw std::runtime_error("RAND_bytes failed");
  return out;
}

std::string random_token(std::size_t n) { return base64url_encode(random_bytes(n)); }

std::string sha256_hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : digest) { out += hex[c >> 4]; out += hex[c & 15]; }
  return out;
}

std::vector<std::uint8_t> hmac_sha256(std::span<const std::uint8_t> key, std::string_view data) {
  std::vector<std::uint8_t> out(EVP_MAX_MD_SIZE);
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
            data.size(), out.data(), &len))
    throw std::runtime_error("HMAC failed");
  out.resize(len);
  return out;
}

bool constant_time_equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string hash_password(std::string_view password, const ScryptParams& params) {
  const auto salt = random_bytes(16);
  const auto hash = scrypt(password, salt, params, 32);
  return "scrypt$" + std::to_string(params.log2_n) + "$" + std::to_string(params.r) + "$" + std::to_string(params.p) + "$" +
         base64url_encode(salt) + "$" + base64url_encode(hash);
}

bool verify_password(std::string_view password, std::string_view encoded) {
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    const auto end = encoded.find('$', start);
    parts.push_back(encoded.substr(start, end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  if (parts.size() != 6 || parts[0] != "scrypt") return false;
  const auto log2_n = to_int(parts[1]), r = to_int(parts[2]), p = to_int(parts[3]);
  const auto salt = base64url_decode(parts[4]), hash = base64url_decode(parts[5]);
  // Bounds keep a tampered hash from asking for unbounded memory or time.
  if (!log2_n || !r || !p || !salt || !hash || *log2_n < 10 || *log2_n > 20 || *r < 1 || *r > 32 || *p < 1 || *p > 16 ||
      hash->empty() || hash->size() > 64)
    return false;
  const auto computed = scrypt(password, *salt, ScryptParams{*log2_n, *r, *p}, hash->size());
  return constant_time_equal(computed, *hash);
}

}  // namespace orator::server::auth
