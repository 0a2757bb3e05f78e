#!/bin/bash
# Two Orator instances on one throwaway PostgreSQL behind HAProxy, and the
# load harness through the balancer, then the same load on one instance
# directly (docs/performance.md, "Several instances behind HAProxy").
#   loadtest/scripts/several_instances.sh speech.wav [streams] [seconds]
# Needs haproxy and PostgreSQL's server binaries (scripts/setup.sh --test
# installs both); runs them as the postgres user when started as root.
set -eu
WAV=${1:?usage: several_instances.sh speech.wav [streams] [seconds]}
N=${2:-300}; DUR=${3:-40}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${ORATOR_BUILD:-$ROOT/build/release}
S=$BUILD/server/orator-server; LT=$BUILD/loadtest/orator-loadtest
D=$(mktemp -d /tmp/orator-instances.XXXXXX); PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort | tail -1)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
chmod 755 $D; mkdir -p $D/pg; if [ "$(id -u)" = 0 ]; then chown postgres $D/pg; fi
as_pg $PGBIN/initdb -D $D/pg/data -A trust -U postgres -E UTF8 --no-sync > $D/initdb.log
as_pg $PGBIN/pg_ctl -D $D/pg/data -o "-p 55432 -k $D/pg -c max_connections=200 -c fsync=off" -l $D/pg/log -w start > /dev/null
as_pg $PGBIN/createdb -h 127.0.0.1 -p 55432 -U postgres orator
cleanup() { kill ${A:-} ${B:-} ${H:-} 2>/dev/null || true; as_pg $PGBIN/pg_ctl -D $D/pg/data -m immediate -w stop > /dev/null || true; }
trap cleanup EXIT
# Instances behind one balancer must share the token signing secret.
export ORATOR_JWT_SECRET="a shared secret of at least thirty-two bytes for the load run"
OPTS="--database postgresql://postgres@127.0.0.1:55432/orator --max-streams-per-user 5000 --max-sessions-per-hour 1000000
      --rate-limit 1000000 --asr-threads 0 --admission-cpu 0 --max-connections-per-address 0 --log-level warn --threads 1"
$S --port 8101 --data-dir $D/a $OPTS > $D/a.log 2>&1 & A=$!
sleep 2  # the first instance migrates the schema
$S --port 8102 --data-dir $D/b $OPTS > $D/b.log 2>&1 & B=$!
cat > $D/haproxy.cfg <<CFG
global
  maxconn 8000
defaults
  mode http
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  timeout tunnel 1h
frontend api
  bind 127.0.0.1:8100
  default_backend orator
backend orator
  balance leastconn
  option httpchk GET /health
  default-server check inter 1s
  server a 127.0.0.1:8101
  server b 127.0.0.1:8102
CFG
haproxy -db -q -f $D/haproxy.cfg > $D/haproxy.log 2>&1 & H=$!
sleep 3
TOKEN=$(curl -s -X POST http://127.0.0.1:8100/v1/auth/register -H 'content-type: application/json' \
  -d '{"email":"load@example.com","password":"a long enough password"}' | python3 -c "import sys,json; print(json.load(sys.stdin)['access_token'])")
cpu() { awk '{print ($14+$15)/100}' /proc/$1/stat; }
for target in "8100 balancer" "8101 one-instance"; do
  set -- $target
  a0=$(cpu $A); b0=$(cpu $B); h0=$(cpu $H); t0=$(date +%s.%N)
  $LT --port $1 --wav "$WAV" --codec opus --streams $N --duration $DUR --ramp 10 --token $TOKEN --json $D/$2.json > /dev/null 2>&1 || true
  t1=$(date +%s.%N)
  python3 -c "import json; r=json.load(open('$D/$2.json')); l=r['latency_ms']; print('$2: p50/p95/p99/max', l['p50'], l['p95'], l['p99'], l['max'], 'ms, late', r['metrics']['late'], 'errors', r['errors'], 'refused', r['refused'])"
  python3 -c "w=$t1-$t0; print('  CPU cores: A', round(($(cpu $A)-$a0)/w,2), 'B', round(($(cpu $B)-$b0)/w,2), 'HAProxy', round(($(cpu $H)-$h0)/w,2))"
  echo "  completed sessions by instance: $(as_pg $PGBIN/psql -h 127.0.0.1 -p 55432 -U postgres -d orator -Atc \
    "SELECT instance_id || ':' || COUNT(*) FROM sessions WHERE status = 'completed' GROUP BY instance_id" | tr '\n' ' ')"
done
