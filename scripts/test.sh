#!/usr/bin/env bash
# Installs what Orator needs, builds everything and runs every test.
#   ORATOR_PRESET=asan scripts/test.sh   runs the suite under ASan+UBSan.
# Tests that use ../shared/corpus skip (and say so) when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${ORATOR_PRESET:-release}"
bash scripts/setup.sh --test
# playwright-core, pinned by tests/e2e/package-lock.json (drives Debian's chromium).
if [[ ! -d tests/e2e/node_modules/playwright-core ]]; then
  npm ci --prefix tests/e2e --no-audit --no-fund --loglevel=error
fi
cmake --preset "$preset" > /dev/null
cmake --build "build/$preset" -j "$(nproc)"

log="build/$preset/ctest-summary.log"
set +e
ctest --test-dir "build/$preset" --output-on-failure -j "$(nproc)" --timeout 600 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# CTest shows output only for failures; the accuracy figures the tests print
# are in its log of every test's output.
echo
echo "Accuracy figures (printed by the tests):"
grep -hE "FDA pitch accuracy|aeneas|espeak-ng total|white noise at|syllables/s: counted|pause boundaries|pitch look-ahead|segment boundaries|voice: [0-9]+/90|Hz sine: error|tone: |recording: |live \(|report: overall|browser e2e: |recognition WER|filler words: |word boundaries: |live transcript: |transcript: |pace on real speech|\[ tts|\[ translation \]|dictation audio|dictation attempt|speechocean762 \(|substitutions: [0-9]|overall: read" \
  "build/$preset/Testing/Temporary/LastTest.log" | sed 's/^ *//' | sort -u || true
echo
grep -E "tests passed, [0-9]+ tests failed out of [0-9]+" "$log" | tail -1
exit "$status"
