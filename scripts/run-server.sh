#!/usr/bin/env bash
# Installs what Orator needs, builds it (release) and runs the server on the
# embedded default. Arguments go to the server, e.g. --port 9000 (see --help).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake --preset release -DORATOR_BUILD_TESTS=OFF -DORATOR_BUILD_BENCHMARKS=OFF > /dev/null
cmake --build build/release --target orator-server -j "$(nproc)"
exec build/release/server/orator-server "$@"
