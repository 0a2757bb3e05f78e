#!/usr/bin/env bash
# Installs what Orator needs, builds everything and runs every test.
#   ORATOR_PRESET=asan scripts/test.sh   runs the suite under ASan+UBSan.
# Tests that use ../shared/corpus skip (and say so) when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${ORATOR_PRESET:-release}"
bash scripts/setup.sh --test
cmake --preset "$preset" > /dev/null
cmake --build "build/$preset" -j "$(nproc)"
ctest --test-dir "build/$preset" --output-on-failure -j "$(nproc)" --timeout 600
