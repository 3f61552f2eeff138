#!/usr/bin/env bash
# Native profile (no Docker): make sure PostgreSQL, Redis and NATS with
# JetStream answer on 127.0.0.1, installing the Debian packages and starting
# them when needed. Services that already answer are left alone; the ones this
# script starts get a marker in .agent/state/started/ so native-infra-down.sh
# stops only those. Then ensures the superuser role exobrain/exobrain and
# writes .agent/state/native-infra.env. Safe to re-run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$ROOT/scripts/agent/lib.sh"

INFRA_WAIT_SECONDS="${INFRA_WAIT_SECONDS:-30}"
ensure_state_dirs

# ------------------------------------------------------------ PostgreSQL
pg_cluster_version() {
  local dir versions=()
  for dir in /etc/postgresql/*/main /usr/lib/postgresql/*/bin; do
    [[ -d "$dir" ]] && versions+=("$(basename "$(dirname "$dir")")")
  done
  ((${#versions[@]})) || return 1
  printf '%s\n' "${versions[@]}" | sort -V | tail -n 1
}

start_postgres_debian() {
  local ver
  ver="$(pg_cluster_version)" || die "postgresql: no PostgreSQL version found under /usr/lib/postgresql"
  if [[ ! -d "/etc/postgresql/$ver/main" ]]; then
    info "postgresql: creating cluster $ver/main on port $PG_PORT"
    as_root pg_createcluster -p "$PG_PORT" "$ver" main
  fi
  if as_root pg_ctlcluster "$ver" main status >/dev/null 2>&1; then
    die "postgresql: cluster $ver/main is running but nothing answers on $PG_HOST:$PG_PORT; check 'port' and 'listen_addresses' in /etc/postgresql/$ver/main/postgresql.conf or set PG_PORT"
  fi
  info "postgresql: starting cluster $ver/main"
  as_root pg_ctlcluster --skip-systemctl-redirect "$ver" main start
  printf 'pg_ctlcluster %s main\n' "$ver" >"$STARTED_DIR/postgresql"
}

start_postgres_pg_ctl() {
  local base="$STATE_DIR/postgres"
  is_root && die "postgresql: refusing to run initdb/pg_ctl as root; install the Debian package 'postgresql' instead"
  mkdir -p "$base"
  if [[ ! -s "$base/data/PG_VERSION" ]]; then
    info "postgresql: initdb in $base/data (trust auth on localhost, superuser 'postgres')"
    initdb -D "$base/data" -U postgres --auth=trust -E UTF8 >>"$LOG_DIR/postgresql.log" 2>&1
  fi
  info "postgresql: starting with pg_ctl (data in $base/data)"
  pg_ctl -D "$base/data" -l "$LOG_DIR/postgresql.log" -w \
    -o "-p $PG_PORT -k $base -c listen_addresses=$PG_HOST" start >/dev/null
  printf 'pg_ctl %s\n' "$base/data" >"$STARTED_DIR/postgresql"
}

up_postgres() {
  if port_open "$PG_HOST" "$PG_PORT"; then
    info "postgresql: already running on $PG_HOST:$PG_PORT"
  else
    if ! find_program pg_ctlcluster pg_ctl >/dev/null; then
      apt_install postgresql
    fi
    if port_open "$PG_HOST" "$PG_PORT"; then
      info "postgresql: started by the package install on $PG_HOST:$PG_PORT"
    elif find_program pg_ctlcluster >/dev/null; then
      start_postgres_debian
    else
      start_postgres_pg_ctl
    fi
  fi
  wait_for "$INFRA_WAIT_SECONDS" pg_ready "$PG_HOST" "$PG_PORT" ||
    die "postgresql: not ready on $PG_HOST:$PG_PORT after ${INFRA_WAIT_SECONDS}s"
}

# ----------------------------------------------------------------- Redis
up_redis() {
  local bin
  if port_open 127.0.0.1 "$REDIS_PORT"; then
    info "redis: already running on 127.0.0.1:$REDIS_PORT"
  else
    bin="$(find_program redis-server)" || {
      apt_install redis-server
      bin="$(find_program redis-server)" || die "redis: redis-server still missing after install"
    }
    if port_open 127.0.0.1 "$REDIS_PORT"; then
      info "redis: started by the package install on 127.0.0.1:$REDIS_PORT"
    else
      info "redis: starting on 127.0.0.1:$REDIS_PORT (no persistence)"
      mkdir -p "$STATE_DIR/redis"
      "$bin" --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" \
        --save "" --appendonly no --dir "$STATE_DIR/redis" \
        --logfile "$LOG_DIR/redis.log" --pidfile "$(pidfile_for redis)"
      printf '%s\n' "$REDIS_PORT" >"$STARTED_DIR/redis"
    fi
  fi
  wait_for "$INFRA_WAIT_SECONDS" redis_ping 127.0.0.1 "$REDIS_PORT" ||
    die "redis: no PONG from 127.0.0.1:$REDIS_PORT after ${INFRA_WAIT_SECONDS}s (see $LOG_DIR/redis.log)"
}

# ------------------------------------------------------------------ NATS
up_nats() {
  local bin rc=0
  if port_open 127.0.0.1 "$NATS_PORT"; then
    nats_jetstream_check 127.0.0.1 "$NATS_PORT" || rc=$?
    ((rc == 0)) || die "nats: $(jetstream_problem "$rc" "127.0.0.1:$NATS_PORT")"
    info "nats: already running on 127.0.0.1:$NATS_PORT (JetStream enabled)"
    return 0
  fi
  bin="$(find_program nats-server)" || {
    apt_install nats-server
    bin="$(find_program nats-server)" || die "nats: nats-server still missing after install"
  }
  if ! port_open 127.0.0.1 "$NATS_PORT"; then
    info "nats: starting on 127.0.0.1:$NATS_PORT with JetStream (store $STATE_DIR/nats, monitoring :$NATS_MONITOR_PORT)"
    mkdir -p "$STATE_DIR/nats"
    start_background nats "$LOG_DIR/nats-server.log" \
      "$bin" -a 127.0.0.1 -p "$NATS_PORT" -js -sd "$STATE_DIR/nats" -m "$NATS_MONITOR_PORT"
    printf 'pidfile %s\n' "$(pidfile_for nats)" >"$STARTED_DIR/nats"
  fi
  if ! wait_for "$INFRA_WAIT_SECONDS" nats_jetstream_check 127.0.0.1 "$NATS_PORT"; then
    tail -n 20 "$LOG_DIR/nats-server.log" >&2 2>/dev/null || true
    rc=0
    nats_jetstream_check 127.0.0.1 "$NATS_PORT" || rc=$?
    die "nats: $(jetstream_problem "$rc" "127.0.0.1:$NATS_PORT")"
  fi
}

# ------------------------------------------------------------- env file
write_env_file() {
  local var tmp="$INFRA_ENV_FILE.tmp"
  apply_native_env_defaults
  {
    printf '# Written by scripts/agent/native-infra-up.sh on %s; source it.\n' "$(date '+%Y-%m-%d %H:%M:%S')"
    for var in "${NATIVE_ENV_VARS[@]}"; do
      printf 'export %s=%q\n' "$var" "${!var}"
    done
  } >"$tmp"
  mv "$tmp" "$INFRA_ENV_FILE"
  info "wrote $INFRA_ENV_FILE"
}

up_postgres
up_redis
up_nats
ensure_exobrain_role
write_env_file
info "native infrastructure is up: PostgreSQL $PG_HOST:$PG_PORT, Redis 127.0.0.1:$REDIS_PORT, NATS 127.0.0.1:$NATS_PORT (JetStream)"
