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
