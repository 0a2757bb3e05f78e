#!/usr/bin/env bash
# Installs the Debian 12 packages Orator needs to build, run and test.
# Idempotent: packages already present are skipped. Uses sudo when not root.
set -euo pipefail

# What building and running the server needs.
PACKAGES=(
  build-essential cmake pkg-config git
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libopus-dev libwebrtc-audio-processing-dev libfftw3-dev
  libpqxx-dev libspdlog-dev libsqlite3-dev
  tzdata  # users' time zones (streaks, daily logs)
  # Speech recognition: PocketSphinx with its US English models.
  libpocketsphinx-dev libsphinxbase-dev pocketsphinx-en-us
  # Accounts: Unicode email folding (ICU) and cracklib's common-password
  # dictionary (cracklib-runtime builds it under /var/cache/cracklib).
  libicu-dev libcrack2-dev cracklib-runtime
  # Dictation: speech synthesis (flite, linked, BSD-style; espeak-ng, GPL-3,
  # run as a separate program for the languages flite lacks) and offline
  # translation (Apertium, run as a program, with its language pairs).
  flite1-dev espeak-ng apertium apertium-eng-spa apertium-eng-cat apertium-spa-cat apertium-fr-es
)

if [[ "${1:-}" == "--test" ]]; then
  # Tests and benchmarks: GoogleTest, Google Benchmark, a PostgreSQL server (the storage
  # tests start throwaway clusters of their own), opusenc (Ogg Opus uploads)
  # and openssl (self-signed certificates for the TLS and browser tests).
  PACKAGES+=(libgtest-dev libgmock-dev libbenchmark-dev postgresql opus-tools openssl haproxy)
  # PocketSphinx's own batch decoder: the reference the streaming recogniser's
  # word error rate is compared with.
  PACKAGES+=(pocketsphinx)
  # The browser end-to-end test: Debian's Chromium (with a font for its
  # screenshots), driven from Node.js by playwright-core (tests/e2e).
  PACKAGES+=(chromium fonts-dejavu-core)
  if ! command -v node > /dev/null 2>&1; then PACKAGES+=(nodejs npm); fi
fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "setup: all packages present"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
