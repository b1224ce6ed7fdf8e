#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests: `start` prints its URL, `stop` removes it.
# Runs as a non-root user, listens on 127.0.0.1 on a free port, never touches a server started by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
STATE=${KIZUNA_PG_STATE:-var/pg-cluster.env}  # benches keep their own cluster beside the tests' one
PGUSER_OS=kizuna-pg
# Fast and throwaway: no fsync (a process crash loses nothing, an OS crash may); commits may be acknowledged before
# their WAL is written unless a database says otherwise (the crash tests set synchronous_commit = on for theirs).
SERVER_OPTS="-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=60"

bindir() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r) "$(pg_config --bindir 2>/dev/null || true)"; do
    [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && { echo "$dir"; return 0; }
  done
  return 1
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u "$PGUSER_OS" -- "$@"; else "$@"; fi
}

start() {
  local bin dir port
  bin=$(bindir) || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
  if [ "$(id -u)" = 0 ] && ! id "$PGUSER_OS" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$PGUSER_OS"
  fi
  dir=$(mktemp -d /tmp/kizuna-pg.XXXXXX)
  [ "$(id -u)" = 0 ] && chown "$PGUSER_OS" "$dir"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  as_owner "$bin/initdb" -D "$dir/data" -E UTF8 --locale=C.UTF-8 -A trust -U kizuna >/dev/null
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -o "-h 127.0.0.1 -p $port -k $dir $SERVER_OPTS" start >/dev/null
  "$bin/createdb" -h 127.0.0.1 -p "$port" -U kizuna kizuna
  mkdir -p var
  printf 'PG_DIR=%s\nPG_BIN=%s\nPG_PORT=%s\n' "$dir" "$bin" "$port" >"$STATE"
  echo "postgres://kizuna@127.0.0.1:$port/kizuna"
}

stop() {
  [ -f "$STATE" ] || return 0
  # shellcheck disable=SC1090
  source "$STATE"
  as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/replica" -m immediate stop >/dev/null 2>&1 || true
  as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR" "$STATE"
}

restart() {  # the same cluster again after a crash (kill -9): PostgreSQL replays its WAL on start
  # shellcheck disable=SC1090
  source "$STATE"
  as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w -t 120 \
    -o "-h 127.0.0.1 -p $PG_PORT -k $PG_DIR $SERVER_OPTS" start >/dev/null
}

replica() {  # a streaming standby of the running cluster on its own port (the read-replica tests)
  local rdir rport
  # shellcheck disable=SC1090
  source "$STATE"
  rdir="$PG_DIR/replica"
  rport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  rm -rf "$rdir"  # pg_basebackup refuses a directory that is not empty
  as_owner "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$PG_PORT" -U kizuna -D "$rdir" -R -X stream --checkpoint=fast \
    >/dev/null || { echo "pg_basebackup failed" >&2; exit 1; }
  as_owner "$PG_BIN/pg_ctl" -D "$rdir" -l "$PG_DIR/replica.log" -w -t 180 -o \
    "-h 127.0.0.1 -p $rport -k $PG_DIR -c hot_standby=on -c max_connections=60" start >/dev/null || {
    tail -20 "$PG_DIR/replica.log" >&2; exit 1; }
  printf 'REPLICA_PORT=%s\n' "$rport" >>"$STATE"
  echo "postgres://kizuna@127.0.0.1:$rport/kizuna"
}

replica_stop() {
  [ -f "$STATE" ] || return 0
  # shellcheck disable=SC1090
  source "$STATE"
  as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/replica" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR/replica"
  sed -i '/^REPLICA_PORT=/d' "$STATE"
}

url() {
  # shellcheck disable=SC1090
  source "$STATE" && echo "postgres://kizuna@127.0.0.1:$PG_PORT/kizuna"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url) url ;;
  restart) restart ;;
  replica) replica ;;
  replica-stop) replica_stop ;;
  *) echo "usage: $0 start|stop|restart|url|replica|replica-stop" >&2; exit 2 ;;
esac
