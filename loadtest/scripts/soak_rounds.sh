#!/bin/bash
# Rounds of streams that come and go on one server: its RSS after each round
# shows whether ended streams give their memory back (docs/performance.md, "Soak").
#   loadtest/scripts/soak_rounds.sh speech.wav [rounds] [streams] [seconds]
set -eu
WAV=${1:?usage: soak_rounds.sh speech.wav [rounds] [streams] [seconds]}
ROUNDS=${2:-10}; N=${3:-300}; DUR=${4:-60}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${ORATOR_BUILD:-$ROOT/build/release}
. "$(dirname "$0")/soak_server.sh"
start_soak_server 8091
rss() { awk '/VmRSS/ {printf "%.1f", $2 / 1024}' /proc/$PID/status; }
echo "start: RSS $(rss) MB"
for round in $(seq 1 $ROUNDS); do
  $BUILD/loadtest/orator-loadtest --port 8091 --wav "$WAV" --codec opus --streams $N --duration $DUR --ramp 30 --token $TOKEN \
    --server-pid $PID --json $D/round$round.json > /dev/null 2>&1 || true
  sleep 5
  python3 -c "import json; r=json.load(open('$D/round$round.json')); print('round $round: p99', r['latency_ms']['p99'], 'ms, late', r['metrics']['late'], 'errors', r['errors'], 'peak RSS', r['server']['rss_mb_peak'], 'MB')"
  echo "  after it: RSS $(rss) MB, data $(du -sm $D/data | cut -f1) MB"
done
