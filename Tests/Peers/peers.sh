#!/usr/bin/env bash
# peers.sh start|stop: the real servers the tests talk to, on loopback.
#   llama.cpp (xllamacpp) with the tiny generated GGUF, 1 thread, 2 slots: 127.0.0.1:18091
#   the same with a chat template that renders tools (Tests/Peers/chatml-tools.jinja): 18092
#   the same again with 3 slots, for the tests that assert on the prompt cache across turns
#   (the console test pins slot 0, the compaction test slots 1 and 2): 18093
#   Synapse 18008; Dovecot 11143/11993/12424 and the SMTP peer 12525/12465 (see start_mail)
#   PostgreSQL 15 from Debian on 15432, in a temporary data folder (see start_postgres)
set -euo pipefail
cd "$(dirname "$0")/../.."
PEERS=${PEERS:-.peers}
VENV=${VENV:-.venv}
PORT=${TEST_LLAMA_PORT:-18091}
TOOLS_PORT=${TEST_LLAMA_TOOLS_PORT:-18092}
CACHE_PORT=${TEST_LLAMA_CACHE_PORT:-18093}
mkdir -p "$PEERS"

# start_llama NAME PORT WHAT ARGS...: the tiny model on PORT, logged to $PEERS/NAME.log.
start_llama() {
  local name=$1 port=$2 what=$3
  shift 3
  "$VENV/bin/python" Tests/Peers/llama_server.py "$PEERS/tiny.gguf" "$port" --threads 1 "$@" >"$PEERS/$name.log" 2>&1 &
  echo $! >"$PEERS/$name.pid"
  if ! Tests/Peers/wait_http.sh "http://127.0.0.1:$port/health" 60; then
    cat "$PEERS/$name.log" >&2
    exit 1
  fi
  echo "peers: llama.cpp ($what) on 127.0.0.1:$port"
}

start() {
  stop >/dev/null 2>&1 || true
  start_llama llama "$PORT" "tiny model" --parallel 2 --ctx 4096
  # The same model with a chat template that renders tools (the tiny model's own has none).
  start_llama llama-tools "$TOOLS_PORT" "tiny model, tool template" --parallel 1 --ctx 4096 \
    --chat-template Tests/Peers/chatml-tools.jinja
  # One more, for the tests that check the prompt cache across turns: requests from other tests
  # running at the same time would evict their slots. Each takes its own slots (`slots`).
  start_llama llama-cache "$CACHE_PORT" "tiny model, for the cache tests" --parallel 3 --ctx 6144
  start_synapse
  start_mail
  start_postgres
}

# PostgreSQL 15 (Debian's binaries, not the system service) from a fresh data folder under /tmp,
# user herald with trust auth on loopback only, database herald; fsync off (a test server).
PG_PORT=${TEST_POSTGRES_PORT:-15432}
PGBIN=/usr/lib/postgresql/15/bin
pg_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
start_postgres() {
  [ -x "$PGBIN/initdb" ] || { echo "peers: PostgreSQL 15 is missing ($PGBIN/initdb); make apt installs postgresql-15" >&2; exit 1; }
  local d; d=$(mktemp -d /tmp/herald-pg.XXXXXX)
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$d"
  chmod 700 "$d"
  echo "$d" >"$PEERS/postgres.dir"
  pg_owner "$PGBIN/initdb" -D "$d/data" -U herald -A trust -E UTF8 --no-locale --no-sync >"$d/initdb.log" 2>&1 \
    || { cat "$d/initdb.log" >&2; exit 1; }
  pg_owner "$PGBIN/pg_ctl" -D "$d/data" -l "$d/server.log" -w -t 30 \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $d -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null || { cat "$d/server.log" >&2; exit 1; }
  "$PGBIN/psql" -q -h 127.0.0.1 -p "$PG_PORT" -U herald -d postgres -c "CREATE DATABASE herald" >/dev/null
  echo "peers: PostgreSQL 15 on 127.0.0.1:$PG_PORT (database herald, user herald)"
}

stop_postgres() {
  [ -e "$PEERS/postgres.dir" ] || return 0
  local d; d=$(cat "$PEERS/postgres.dir")
  pg_owner "$PGBIN/pg_ctl" -D "$d/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$d" "$PEERS/postgres.dir"
}

# Mail: Dovecot (IMAP 11143 with STARTTLS, IMAPS 11993, IDLE, LMTP 12424) with one mailbox per
# user name and the password "secret" for every user, and the aiosmtpd submission server
# (Tests/Peers/smtp_peer.py: 12525 STARTTLS, 12465 TLS) delivering into it over LMTP; a second
# Dovecot without IDLE on IMAPS 11994 reads the same mailboxes.
start_mail() {
  local d; d="$(cd "$PEERS" && pwd)/mail"
  rm -rf "$d" && mkdir -p "$d/run" "$d/state" "$d/mail" "$d/spool"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/key.pem" -out "$d/cert.pem" -days 2 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1
  chmod 644 "$d/key.pem"
  chown nobody:nogroup "$d/mail"
  cat >"$d/dovecot.conf" <<CONF
protocols = imap lmtp
listen = 127.0.0.1
base_dir = $d/run
state_dir = $d/state
log_path = /dev/stderr
ssl = yes
ssl_cert = <$d/cert.pem
ssl_key = <$d/key.pem
disable_plaintext_auth = no
verbose_proctitle = yes
auth_mechanisms = plain login
passdb {
  driver = static
  args = password=secret
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$d/mail/%n
}
mail_location = maildir:$d/mail/%n
first_valid_uid = 1
first_valid_gid = 1
default_internal_user = nobody
default_login_user = nobody
default_internal_group = nogroup
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = 11143
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = 11993
    ssl = yes
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = 12424
  }
}
CONF
  /usr/sbin/dovecot -F -c "$d/dovecot.conf" >"$PEERS/dovecot.log" 2>&1 &
  echo $! >"$PEERS/dovecot.pid"
  # A second Dovecot on the same mailboxes that does not offer IDLE (IMAPS 11994), for the
  # polling path.
  mkdir -p "$d/run2" "$d/state2"
  sed -e "s|^base_dir = .*|base_dir = $d/run2|" -e "s|^state_dir = .*|state_dir = $d/state2|" \
    -e "s|^protocols = .*|protocols = imap\nimap_capability = IMAP4rev1 SASL-IR LITERAL+ UIDPLUS|" \
    -e "s|port = 11143|port = 11144|" -e "s|port = 11993|port = 11994|" -e "/^service lmtp {/,/^}/d" \
    "$d/dovecot.conf" >"$d/dovecot-noidle.conf"
  /usr/sbin/dovecot -F -c "$d/dovecot-noidle.conf" >"$PEERS/dovecot-noidle.log" 2>&1 &
  echo $! >"$PEERS/dovecot-noidle.pid"
  "$VENV/bin/python" Tests/Peers/smtp_peer.py "$d" "$d/cert.pem" "$d/key.pem" >"$PEERS/smtp.log" 2>&1 &
  echo $! >"$PEERS/smtp.pid"
  for port in 11143 11993 11994 12424 12525 12465; do
    for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
    if ! (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; then
      echo "peers: mail port $port did not open" >&2; cat "$PEERS/dovecot.log" "$PEERS/smtp.log" >&2; exit 1
    fi
  done
  echo "peers: dovecot (IMAP 11143/11993, LMTP 12424) and aiosmtpd (12525/12465) in $d"
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
  stop_postgres
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
  mail) start_mail ;;
  postgres) stop_postgres; start_postgres ;;
  postgres-stop) stop_postgres ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 64 ;;
esac
