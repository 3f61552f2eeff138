#!/usr/bin/env bash
# Native profile: stop only the infrastructure services that
# native-infra-up.sh started (those with a marker in .agent/state/started/),
# then remove their markers. Services that were already running before are
# left alone. Safe to re-run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$ROOT/scripts/agent/lib.sh"

stopped=0

down_postgres() {
  local marker="$STARTED_DIR/postgresql" how arg1 arg2
  [[ -e "$marker" ]] || return 0
  read -r how arg1 arg2 _ <"$marker" || true
  case "$how" in
    pg_ctlcluster)
      info "postgresql: stopping cluster $arg1/$arg2"
      as_root pg_ctlcluster --skip-systemctl-redirect "$arg1" "$arg2" stop || warn "postgresql: stop failed"
      ;;
    pg_ctl)
      info "postgresql: stopping $arg1"
      pg_ctl -D "$arg1" -m fast -w stop >/dev/null || warn "postgresql: stop failed"
      ;;
    *) warn "postgresql: unreadable marker $marker; not stopping anything" ;;
  esac
  rm -f "$marker"
  stopped=1
}

down_redis() {
  local marker="$STARTED_DIR/redis" port
  [[ -e "$marker" ]] || return 0
  port="$(tr -dc '0-9' <"$marker")"
  port="${port:-$REDIS_PORT}"
  if redis_ping 127.0.0.1 "$port"; then
    info "redis: shutting down 127.0.0.1:$port"
    redis-cli -h 127.0.0.1 -p "$port" shutdown nosave >/dev/null 2>&1 || true
    # shellcheck disable=SC2016 # expanded by the inner bash
    wait_for 10 bash -c '! (exec 3<>"/dev/tcp/127.0.0.1/$0")' "$port" ||
      warn "redis: still answering on port $port"
  else
    info "redis: not running"
  fi
  rm -f "$marker" "$(pidfile_for redis)"
  stopped=1
}

down_nats() {
  local marker="$STARTED_DIR/nats"
  [[ -e "$marker" ]] || return 0
  if stop_pidfile nats nats-server; then
    info "nats: stopped"
  else
    info "nats: not running"
  fi
  rm -f "$marker"
  stopped=1
}

# Reverse of the start order.
down_nats
down_redis
down_postgres

if ((stopped == 0)); then
  info "nothing to stop: no service was started by native-infra-up.sh (others are left alone)"
fi
