#include "speech/sphinx_logging.hpp"

#include <sphinxbase/err.h>

#include <mutex>

namespace orator::speech {
namespace {
void discard(void*, err_lvl_t, const char*, ...) {}
}  // namespace

void silence_sphinx_logging() {
  static std::once_flag once;
  std::call_once(once, [] {
    err_set_logfp(nullptr);
    err_set_callback(discard, nullptr);
  });
}

}  // namespace orator::speech
