#!/usr/bin/env bash
# A throwaway Dovecot IMAP server for the mail tests and bench: `start` prints "HOST PORT TLSPORT USER PASSWORD CA",
# `stop` removes it. Own config file, one static test user, mail in a temp dir, 127.0.0.1 on free ports, a
# self-signed certificate for IMAPS and STARTTLS. Never touches a system Dovecot.
#   KIZUNA_IMAP_STATE=var/imap-xyz.env bash scripts/imap_server.sh start|stop|url
set -euo pipefail
cd "$(dirname "$0")/.."
STATE=${KIZUNA_IMAP_STATE:-var/imap-server.env}
MAIL_OS_USER=kizuna-mail
IMAP_USER=support@example.jp
IMAP_PASSWORD=kizuna-test-secret

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

start() {
  local bin dir port tlsport owner group
  bin=$(command -v dovecot || echo /usr/sbin/dovecot)
  [ -x "$bin" ] || { echo "dovecot not found (apt-get install dovecot-imapd)" >&2; exit 1; }
  dir=$(mktemp -d /tmp/kizuna-imap.XXXXXX)
  if [ "$(id -u)" = 0 ]; then
    id "$MAIL_OS_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$MAIL_OS_USER"
    owner=$MAIL_OS_USER
  else
    owner=$(id -un)
  fi
  group=$(id -gn "$owner")
  port=$(free_port)
  tlsport=$(free_port)
  mkdir -p "$dir/run" "$dir/state" "$dir/home"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=localhost" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -keyout "$dir/key.pem" -out "$dir/cert.pem" >/dev/null 2>&1
  cat >"$dir/dovecot.conf" <<CONF
base_dir = $dir/run
state_dir = $dir/state
log_path = $dir/log
info_log_path = $dir/log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <$dir/cert.pem
ssl_key = <$dir/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
mailbox_idle_check_interval = 1 secs
first_valid_uid = 1
first_valid_gid = 1
default_login_user = $owner
default_internal_user = $owner
default_internal_group = $group
mail_location = maildir:$dir/home/%n/Maildir
mail_fsync = never
mail_privileged_group =
namespace inbox {
  inbox = yes
  separator = /
}
passdb {
  driver = static
  args = password=$IMAP_PASSWORD
}
userdb {
  driver = static
  args = uid=$owner gid=$group home=$dir/home/%n
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $port
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $tlsport
    ssl = yes
  }
}
service anvil {
  chroot =
}
service imap-login {
  chroot =
}
service pop3-login {
  chroot =
}
protocol imap {
  imap_idle_notify_interval = 1 secs
}
CONF
  chown -R "$owner:$group" "$dir"
  chmod 700 "$dir"
  # The daemon must not hold our stdout: a caller reading it (subprocess, $(...)) would wait forever.
  "$bin" -c "$dir/dovecot.conf" </dev/null >"$dir/start.log" 2>&1 || {
    cat "$dir/start.log" "$dir/log" >&2 2>/dev/null; exit 1; }
  for _ in $(seq 50); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2).close()" 2>/dev/null && break
    sleep 0.1
  done
  mkdir -p "$(dirname "$STATE")"
  printf 'IMAP_DIR=%s\nIMAP_BIN=%s\nIMAP_PORT=%s\nIMAP_TLS_PORT=%s\n' "$dir" "$bin" "$port" "$tlsport" >"$STATE"
  url
}

stop() {
  [ -f "$STATE" ] || return 0
  # shellcheck disable=SC1090
  source "$STATE"
  "$IMAP_BIN" -c "$IMAP_DIR/dovecot.conf" stop >/dev/null 2>&1 || true
  for _ in $(seq 30); do [ -e "$IMAP_DIR/run/master.pid" ] || break; sleep 0.1; done
  rm -rf "$IMAP_DIR" "$STATE"
}

url() {
  # shellcheck disable=SC1090
  source "$STATE" && echo "127.0.0.1 $IMAP_PORT $IMAP_TLS_PORT $IMAP_USER $IMAP_PASSWORD $IMAP_DIR/cert.pem"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url) url ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
