#!/bin/sh
# CTest entry for the browser end-to-end test: skips (77) without Node.js.
# Usage: run.sh <orator-server binary> <artifact dir>
if ! command -v node > /dev/null 2>&1; then
  echo "SKIPPED: Node.js is not installed (scripts/setup.sh --test installs it)"
  exit 77
fi
exec node "$(dirname "$0")/browser_test.mjs" --server "$1" --out "$2"
