# System libraries. FFTW, Opus, WebRTC and libpqxx ship no CMake config: pkg-config.
find_package(PkgConfig REQUIRED)
pkg_check_modules(FFTW3F REQUIRED IMPORTED_TARGET fftw3f)
pkg_check_modules(OPUS REQUIRED IMPORTED_TARGET opus)
pkg_check_modules(WEBRTC_AP REQUIRED IMPORTED_TARGET webrtc-audio-processing)
pkg_check_modules(ICU_UC REQUIRED IMPORTED_TARGET icu-uc)
# cracklib (password dictionary checks) ships no pkg-config file.
find_library(CRACK_LIBRARY crack REQUIRED)
find_path(CRACK_INCLUDE_DIR crack.h REQUIRED)

# flite (dictation speech synthesis) ships no pkg-config file either: its US
# English voice, lexicon and language, then the engine.
set(FLITE_LIBRARIES)
foreach(lib flite_cmu_us_slt flite_usenglish flite_cmulex flite)
  find_library(FLITE_${lib} ${lib} REQUIRED)
  list(APPEND FLITE_LIBRARIES ${FLITE_${lib}})
endforeach()
find_path(FLITE_INCLUDE_DIR flite/flite.h REQUIRED)

find_package(Threads REQUIRED)
find_package(Boost 1.81 REQUIRED CONFIG COMPONENTS json url)
find_package(OpenSSL REQUIRED)
find_package(spdlog REQUIRED CONFIG)
