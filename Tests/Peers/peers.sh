#!/usr/bin/env bash
# peers.sh start|stop: the real servers the tests talk to, on loopback.
#   llama.cpp (xllamacpp) with the tiny generated GGUF, 1 thread, 2 slots: 127.0.0.1:18091
set -euo pipefail
cd "$(dirname "$0")/../.."
PEERS=${PEERS:-.peers}
VENV=${VENV:-.venv}
PORT=${TEST_LLAMA_PORT:-18091}
mkdir -p "$PEERS"

start() {
  stop >/dev/null 2>&1 || true
  "$VENV/bin/python" Tests/Peers/llama_server.py "$PEERS/tiny.gguf" "$PORT" --threads 1 --parallel 2 --ctx 4096 \
    >"$PEERS/llama.log" 2>&1 &
  echo $! >"$PEERS/llama.pid"
  if ! Tests/Peers/wait_http.sh "http://127.0.0.1:$PORT/health" 60; then
    cat "$PEERS/llama.log" >&2
    exit 1
  fi
  echo "peers: llama.cpp (tiny model) on 127.0.0.1:$PORT"
  start_synapse
}

# Synapse (Matrix) from PyPI with SQLite, open registration for test users, no rate limits.
SYNAPSE_PORT=${TEST_SYNAPSE_PORT:-18008}
start_synapse() {
  local d="$PEERS/synapse"
  rm -rf "$d" && mkdir -p "$d"
  cat >"$d/homeserver.yaml" <<YAML
server_name: test.local
pid_file: $PWD/$d/homeserver.pid
listeners:
  - port: $SYNAPSE_PORT
    bind_addresses: ['127.0.0.1']
    type: http
    tls: false
    x_forwarded: false
    resources:
      - names: [client]
        compress: false
database:
  name: sqlite3
  args:
    database: $PWD/$d/homeserver.db
media_store_path: $PWD/$d/media
signing_key_path: $PWD/$d/signing.key
trusted_key_servers: []
report_stats: false
enable_registration: true
enable_registration_without_verification: true
suppress_key_server_warning: true
rc_message: {per_second: 1000, burst_count: 1000}
rc_registration: {per_second: 1000, burst_count: 1000}
rc_login: {address: {per_second: 1000, burst_count: 1000}, account: {per_second: 1000, burst_count: 1000}, failed_attempts: {per_second: 1000, burst_count: 1000}}
rc_joins: {local: {per_second: 1000, burst_count: 1000}, remote: {per_second: 1000, burst_count: 1000}}
rc_invites: {per_room: {per_second: 1000, burst_count: 1000}, per_user: {per_second: 1000, burst_count: 1000}}
YAML
  "$VENV/bin/python" -m synapse.app.homeserver -c "$d/homeserver.yaml" --generate-keys >"$d/keys.log" 2>&1
  "$VENV/bin/python" -m synapse.app.homeserver -c "$d/homeserver.yaml" >"$PEERS/synapse.log" 2>&1 &
  echo $! >"$PEERS/synapse.pid"
  if ! Tests/Peers/wait_http.sh "http://127.0.0.1:$SYNAPSE_PORT/_matrix/client/versions" 90; then
    tail -30 "$PEERS/synapse.log" >&2
    exit 1
  fi
  echo "peers: synapse (Matrix) on 127.0.0.1:$SYNAPSE_PORT"
}


stop() {
  for f in "$PEERS"/*.pid; do
    [ -e "$f" ] || continue
    pid=$(cat "$f")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$f"
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 64 ;;
esac
