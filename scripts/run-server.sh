#!/usr/bin/env bash
# Installs what Orator needs, builds the server (optimised) and runs it on the
# embedded default. Arguments go to the server, e.g. --port 9000 (see --help).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Its own build directory: the test build (build/release) keeps its tests.
cmake -S . -B build/server -DCMAKE_BUILD_TYPE=Release -DORATOR_BUILD_TESTS=OFF -DORATOR_BUILD_BENCHMARKS=OFF > /dev/null
cmake --build build/server --target orator-server -j "$(nproc)"
exec build/server/server/orator-server "$@"
