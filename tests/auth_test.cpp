// Password hashing, JWT access tokens and the signing secret.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>

#include "server/auth/credentials_policy.hpp"
#include "server/auth/crypto.hpp"
#include "server/auth/jwt.hpp"
#include "support/temp_dir.hpp"

namespace {
using namespace orator::server::auth;

const ScryptParams kFast{10, 8, 1};  // tests only: the default is 2^15

TEST(Passwords, HashVerifyAndSalting) {
  const auto h = hash_password("correct horse battery staple", kFast);
  EXPECT_EQ(h.rfind("scrypt$10$8$1$", 0), 0u);
  EXPECT_EQ(h.find("correct"), std::string::npos);
  EXPECT_TRUE(verify_password("correct horse battery staple", h));
  EXPECT_FALSE(verify_password("correct horse battery stapler", h));
  EXPECT_NE(h, hash_password("correct horse battery staple", kFast)) << "salted";
  EXPECT_FALSE(verify_password("x", "plain-text-password"));
  EXPECT_FALSE(verify_password("x", "scrypt$40$8$1$AAAA$AAAA")) << "absurd parameters are refused, not run";
  const auto defaults = hash_password("pw");
  EXPECT_EQ(defaults.rfind("scrypt$15$8$1$", 0), 0u);
  EXPECT_TRUE(verify_password("pw", defaults));
}

TEST(Base64Url, RoundTripAndRejectsJunk) {
  for (std::size_t n = 0; n < 40; ++n) {
    const auto bytes = random_bytes(n);
    EXPECT_EQ(*base64url_decode(base64url_encode(bytes)), bytes);
  }
  EXPECT_FALSE(base64url_decode("ab+c"));
  EXPECT_FALSE(base64url_decode("a"));
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

class Jwt : public ::testing::Test {
 protected:
  JwtSigner signer{std::vector<std::uint8_t>(32, 7)};
  AccessClaims claims{"user-1", 1000, 1900, "jti-1", "user"};
};

TEST_F(Jwt, SignAndVerify) {
  const auto token = signer.sign(claims);
  const auto v = signer.verify(token, 1500);
  ASSERT_TRUE(v.claims) << v.error;
  EXPECT_EQ(v.claims->subject, "user-1");
  EXPECT_EQ(v.claims->expires_at, 1900);
}

TEST_F(Jwt, ExpiredTamperedWrongKeyAndAlgNoneAreRefused) {
  const auto token = signer.sign(claims);
  EXPECT_EQ(signer.verify(token, 1900).error, "token expired");
  // Tampered payload: a different subject with the old signature.
  const auto dot1 = token.find('.'), dot2 = token.rfind('.');
  const std::string forged_payload = base64url_encode(std::vector<std::uint8_t>(
      {'{', '"', 's', 'u', 'b', '"', ':', '"', 'a', 'd', 'm', 'i', 'n', '"', ',', '"', 'i', 'a', 't', '"', ':', '1', ',',
       '"', 'e', 'x', 'p', '"', ':', '9', '9', '9', '9', '9', '9', '9', '9', '9', '}'}));
  EXPECT_EQ(signer.verify(token.substr(0, dot1 + 1) + forged_payload + token.substr(dot2), 1500).error, "invalid token signature");
  // Signed with another key.
  JwtSigner other{std::vector<std::uint8_t>(32, 8)};
  EXPECT_EQ(signer.verify(other.sign(claims), 1500).error, "invalid token signature");
  // alg: none, with and without a signature.
  const auto none_header = base64url_encode(std::vector<std::uint8_t>({'{', '"', 'a', 'l', 'g', '"', ':', '"', 'n', 'o', 'n', 'e', '"', '}'}));
  const std::string payload = token.substr(dot1 + 1, dot2 - dot1 - 1);
  EXPECT_EQ(signer.verify(none_header + "." + payload + ".", 1500).error, "unsupported token algorithm");
  EXPECT_EQ(signer.verify(none_header + "." + payload + token.substr(dot2), 1500).error, "unsupported token algorithm");
  // Garbage.
  for (const char* junk : {"", "a.b", "a.b.c.d", "....", "eyJ.eyJ.sig"}) EXPECT_FALSE(signer.verify(junk, 1500).claims) << junk;
}

TEST(SigningSecret, EnvironmentFileOrGeneratedOnce) {
  const orator::test_support::TempDir temp("orator-secret");
  const auto dir = temp.path() / "data";  // made by the first load
  const auto generated = load_signing_secret(nullptr, "", dir.string());
  EXPECT_GE(generated.size(), 32u);
  EXPECT_EQ(load_signing_secret(nullptr, "", dir.string()), generated) << "kept across restarts";
  struct stat st{};
  ASSERT_EQ(stat((dir / "jwt-secret").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 077, 0u) << "owner-only permissions";
  const std::string env(40, 'e');
  EXPECT_EQ(load_signing_secret(env.c_str(), "", dir.string()), std::vector<std::uint8_t>(env.begin(), env.end()));
  EXPECT_THROW(load_signing_secret("short", "", dir.string()), std::invalid_argument);
  std::ofstream(dir / "file-secret") << std::string(33, 'f') << "\n";
  EXPECT_EQ(load_signing_secret(nullptr, (dir / "file-secret").string(), dir.string()).size(), 33u);
}

}  // namespace

TEST(CredentialsPolicy, PasswordsAreLongNotTheEmailAndNotCommon) {
  using orator::server::auth::password_problem;
  EXPECT_TRUE(password_problem("short pw", "ada@example.com")) << "under 10 characters";
  EXPECT_TRUE(password_problem("ada@example.com", "ada@example.com"));
  EXPECT_TRUE(password_problem("adalovelace!!", "adalovelace@example.com"));
  const auto common = password_problem("password1234", "ada@example.com");
  ASSERT_TRUE(common) << "cracklib's dictionary knows it";
  EXPECT_NE(common->find("too easy to guess"), std::string::npos) << *common;
  EXPECT_TRUE(password_problem("abcdefghijkl", "ada@example.com")) << "systematic";
  EXPECT_FALSE(password_problem("a long enough password", "ada@example.com"));
  EXPECT_FALSE(password_problem("correct horse battery staple", "ada@example.com"));
}

TEST(CredentialsPolicy, EmailsFoldWithNfkcAndCase) {
  using orator::server::auth::fold_email;
  EXPECT_EQ(fold_email("Ada@Example.COM"), "ada@example.com");
  EXPECT_EQ(fold_email("\xEF\xBC\xA1" "da@example.com"), "ada@example.com") << "full-width A";
  EXPECT_EQ(fold_email("stra\xC3\x9F" "e@example.com"), "strasse@example.com") << "sharp s case-folds to ss";
  EXPECT_FALSE(fold_email("\xFF\xFE@example.com")) << "not UTF-8";
}

TEST(CredentialsPolicy, ControlAndInvisibleCharactersAreFound) {
  using orator::server::auth::forbidden_character;
  EXPECT_FALSE(forbidden_character("Quarterly review\tdraft\n"));
  EXPECT_EQ(forbidden_character(std::string("cut\0here", 8)), U'\0');
  EXPECT_EQ(forbidden_character("pay\xE2\x80\x8Bpal"), U'\u200B') << "zero-width space";
  EXPECT_EQ(forbidden_character("abc\xE2\x80\xAE" "cba"), U'\u202E') << "right-to-left override";
  EXPECT_FALSE(forbidden_character("\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9")) << "an emoji ZWJ sequence stays";
  EXPECT_FALSE(forbidden_character("\xD9\x85\xDB\x8C\xE2\x80\x8C\xD8\xAE\xD9\x88\xD8\xA7\xD9\x87\xD9\x85")) << "Persian with ZWNJ stays";
}
