#include "support/test_certificate.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

namespace orator::test_support {

const TestCertificate& TestCertificate::get() {
  static const TestCertificate c = [] {
    const auto dir = std::filesystem::temp_directory_path() / ("orator-tls-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    TestCertificate out{(dir / "cert.pem").string(), (dir / "key.pem").string()};
    const std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost -addext "
                            "subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout " + out.key + " -out " + out.cert +
                            " > /dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) out.cert.clear(), out.key.clear();
    return out;
  }();
  return c;
}

}  // namespace orator::test_support
