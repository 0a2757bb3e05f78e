#pragma once
// A self-signed RSA certificate for localhost and 127.0.0.1, made once per
// test binary with the openssl command. Thread-safe (a function-local static).
#include <string>

namespace orator::test_support {

struct TestCertificate {
  std::string cert, key;  // PEM files; both empty when openssl is missing
  [[nodiscard]] static const TestCertificate& get();
};

}  // namespace orator::test_support
