#!/bin/bash
# Rounds of streams that come and go on one server: its RSS after each round
# shows whether ended streams give their memory back (docs/performance.md, "Soak").
#   loadtest/scripts/soak_rounds.sh speech.wav [rounds] [streams] [seconds]
set -eu
WAV=${1:?usage: soak_rounds.sh speech.wav [rounds] [streams] [seconds]}
ROUNDS=${2:-10}; N=${3:-300}; DUR=${4:-60}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${ORATOR_BUILD:-$ROOT/build/release}
D=$(mktemp -d /tmp/orator-soak.XXXXXX)
$BUILD/server/orator-server --port 8091 --data-dir $D/data --max-streams-per-user 1000 --max-sessions-per-hour 1000000 \
  --rate-limit 1000000 --asr-threads 0 --admission-cpu 0 --max-connections-per-address 0 --log-level warn > $D/server.log 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
sleep 2
TOKEN=$(curl -s -X POST http://127.0.0.1:8091/v1/auth/register -H 'content-type: application/json' \
  -d '{"email":"soak@example.com","password":"a long enough password"}' | python3 -c "import sys,json; print(json.load(sys.stdin)['access_token'])")
rss() { awk '/VmRSS/ {printf "%.1f", $2 / 1024}' /proc/$PID/status; }
echo "start: RSS $(rss) MB"
for round in $(seq 1 $ROUNDS); do
  $BUILD/loadtest/orator-loadtest --port 8091 --wav "$WAV" --codec opus --streams $N --duration $DUR --ramp 30 --token $TOKEN \
    --server-pid $PID --json $D/round$round.json > /dev/null 2>&1 || true
  sleep 5
  python3 -c "import json; r=json.load(open('$D/round$round.json')); print('round $round: p99', r['latency_ms']['p99'], 'ms, late', r['metrics']['late'], 'errors', r['errors'], 'peak RSS', r['server']['rss_mb_peak'], 'MB')"
  echo "  after it: RSS $(rss) MB, data $(du -sm $D/data | cut -f1) MB"
done
