# Sourced by the soak scripts: start_soak_server PORT [server flags...] starts
# a server on a fresh data directory with every per-user limit out of the
# way, and sets D (its directory), PID and TOKEN (a signed-up user's).
start_soak_server() {
  local port=$1; shift
  D=$(mktemp -d /tmp/orator-soak.XXXXXX)
  $BUILD/server/orator-server --port "$port" --data-dir $D/data --max-streams-per-user 1000 --max-sessions-per-hour 1000000 \
    --rate-limit 1000000 --asr-threads 0 --admission-cpu 0 --max-connections-per-address 0 --log-level warn "$@" \
    > $D/server.log 2>&1 &
  PID=$!
  trap 'kill $PID 2>/dev/null || true' EXIT
  sleep 2
  TOKEN=$(curl -s -X POST http://127.0.0.1:$port/v1/auth/register -H 'content-type: application/json' \
    -d '{"email":"soak@example.com","password":"a long enough password"}' | python3 -c "import sys,json; print(json.load(sys.stdin)['access_token'])")
}
