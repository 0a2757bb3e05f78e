#include "server/auth/jwt.hpp"

#include <sys/stat.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "protocol/json_writer.hpp"
#include "server/auth/crypto.hpp"

namespace orator::server::auth {
namespace json = boost::json;
namespace {

std::span<const std::uint8_t> bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::string encode_json(const json::value& v) {
  const std::string text = protocol::to_json(v);
  return base64url_encode(bytes(text));
}

std::optional<json::object> decode_json(std::string_view part) {
  const auto raw = base64url_decode(part);
  if (!raw) return std::nullopt;
  boost::system::error_code ec;
  auto v = json::parse(std::string_view(reinterpret_cast<const char*>(raw->data()), raw->size()), ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.as_object());
}

std::optional<std::int64_t> integer(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v || !v->is_number()) return std::nullopt;
  boost::system::error_code ec;
  const auto n = v->to_number<std::int64_t>(ec);
  if (ec) return std::nullopt;
  return n;
}

}  // namespace

JwtSigner::JwtSigner(std::vector<std::uint8_t> secret) : secret_(std::move(secret)) {
  if (secret_.size() < 32) throw std::invalid_argument("the JWT signing secret must be at least 32 bytes");
}

std::string JwtSigner::sign(const AccessClaims& c) const {
  const std::string header = encode_json(json::object{{"alg", "HS256"}, {"typ", "JWT"}});
  const std::string payload = encode_json(json::object{
      {"sub", c.subject}, {"iat", c.issued_at}, {"exp", c.expires_at}, {"jti", c.token_id}, {"scope", c.scope},
      {"gen", c.generation}});
  const std::string signing_input = header + "." + payload;
  return signing_input + "." + base64url_encode(hmac_sha256(secret_, signing_input));
}

JwtSigner::Verified JwtSigner::verify(std::string_view token, std::int64_t now) const {
  Verified out;
  if (token.size() > 4096) return out.error = "token too long", out;
  const auto dot1 = token.find('.');
  const auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
    return out.error = "malformed token", out;
  const auto header = decode_json(token.substr(0, dot1));
  if (!header) return out.error = "malformed token header", out;
  const auto* alg = header->if_contains("alg");
  if (!alg || !alg->is_string() || alg->as_string() != "HS256") return out.error = "unsupported token algorithm", out;
  const auto signature = base64url_decode(token.substr(dot2 + 1));
  if (!signature || !constant_time_equal(*signature, hmac_sha256(secret_, token.substr(0, dot2))))
    return out.error = "invalid token signature", out;
  const auto payload = decode_json(token.substr(dot1 + 1, dot2 - dot1 - 1));
  if (!payload) return out.error = "malformed token payload", out;
  const auto* sub = payload->if_contains("sub");
  const auto exp = integer(*payload, "exp"), iat = integer(*payload, "iat");
  if (!sub || !sub->is_string() || sub->as_string().empty() || !exp || !iat) return out.error = "incomplete token claims", out;
  if (now >= *exp) return out.error = "token expired", out;
  if (*iat > now + 60) return out.error = "token issued in the future", out;
  AccessClaims c;
  c.subject = sub->as_string();
  c.issued_at = *iat;
  c.expires_at = *exp;
  if (const auto* jti = payload->if_contains("jti"); jti && jti->is_string()) c.token_id = jti->as_string();
  if (const auto* scope = payload->if_contains("scope"); scope && scope->is_string()) c.scope = scope->as_string();
  if (const auto gen = integer(*payload, "gen")) c.generation = *gen;
  out.claims = std::move(c);
  return out;
}

std::vector<std::uint8_t> load_signing_secret(const char* env_secret, const std::string& secret_file, const std::string& data_dir) {
  auto to_bytes = [](const std::string& s) { return std::vector<std::uint8_t>(s.begin(), s.end()); };
  auto trimmed = [](std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    return s;
  };
  if (env_secret && *env_secret) {
    if (std::string_view(env_secret).size() < 32) throw std::invalid_argument("ORATOR_JWT_SECRET must be at least 32 characters");
    return to_bytes(env_secret);
  }
  if (!secret_file.empty()) {
    std::ifstream in(secret_file);
    if (!in) throw std::runtime_error("cannot read the JWT secret file " + secret_file);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string s = trimmed(ss.str());
    if (s.size() < 32) throw std::invalid_argument("the JWT secret file must hold at least 32 characters");
    return to_bytes(s);
  }
  const std::filesystem::path path = std::filesystem::path(data_dir) / "jwt-secret";
  if (std::filesystem::exists(path)) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string s = trimmed(ss.str());
    if (s.size() >= 32) return to_bytes(s);
    throw std::runtime_error("the JWT secret in " + path.string() + " is too short");
  }
  std::filesystem::create_directories(data_dir);
  const std::string secret = random_token(48);
  const std::filesystem::path tmp = path.string() + ".tmp";
  {
    const mode_t old = umask(077);  // created readable by the owner only
    std::ofstream out(tmp);
    umask(old);
    out << secret << "\n";
    if (!out) throw std::runtime_error("cannot write " + tmp.string());
  }
  std::filesystem::rename(tmp, path);
  return to_bytes(secret);
}

}  // namespace orator::server::auth
