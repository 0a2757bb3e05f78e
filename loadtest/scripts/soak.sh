#!/bin/bash
# The long soak: N Opus streams that last the whole run on one server, with the
# server's anonymous memory, heap (live and kept free) and SQLite's own memory read every 30 s (docs/performance.md, "Soak").
#   loadtest/scripts/soak.sh speech.wav [seconds] [streams]
set -eu
WAV=${1:?usage: soak.sh speech.wav [seconds] [streams]}
DUR=${2:-1800}; N=${3:-300}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${ORATOR_BUILD:-$ROOT/build/release}
METRICS_TOKEN=soak-metrics-token-0123456789
. "$(dirname "$0")/soak_server.sh"
start_soak_server 8092 --metrics-token $METRICS_TOKEN
( while kill -0 $PID 2>/dev/null; do
    anon=$(awk '/^Anonymous:/ {print $2}' /proc/$PID/smaps_rollup 2>/dev/null)
    memory=$(curl -s -H "authorization: Bearer $METRICS_TOKEN" http://127.0.0.1:8092/metrics |
      awk '/^(orator_sqlite_memory|orator_sqlite_page_cache|orator_heap_in_use|orator_heap_free)_bytes/ {printf "%s=%.0f ", $1, $2}')
    echo "$(date +%s) anon_kb=$anon $memory" >> $D/memory.txt
    sleep 30
  done ) &
$BUILD/loadtest/orator-loadtest --port 8092 --wav "$WAV" --codec opus --streams $N --duration $DUR --ramp 30 --token $TOKEN \
  --server-pid $PID --report-every 60 --json $D/report.json | tee $D/out.txt
echo "database: $(du -sm $D/data | cut -f1) MB; memory every 30 s in $D/memory.txt"
