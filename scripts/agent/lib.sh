# shellcheck shell=bash
# Shared helpers for scripts/agent/* and scripts/local/*: paths, logging,
# port and HTTP probes, polling, process bookkeeping (pid files), PostgreSQL
# superuser access and the NATS JetStream probe. Sourced, never executed.

if [[ -n "${EXOBRAIN_AGENT_LIB_LOADED:-}" ]]; then
  return 0
fi
EXOBRAIN_AGENT_LIB_LOADED=1

# ---------------------------------------------------------------- paths
ROOT="${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
STATE_DIR="${EXOBRAIN_STATE_DIR:-$ROOT/.agent/state}"
LOG_DIR="${EXOBRAIN_LOG_DIR:-$STATE_DIR/logs}"
PID_DIR="${EXOBRAIN_PID_DIR:-$STATE_DIR/pids}"
STARTED_DIR="${EXOBRAIN_STARTED_DIR:-$STATE_DIR/started}"
INFRA_ENV_FILE="${EXOBRAIN_INFRA_ENV_FILE:-$STATE_DIR/native-infra.env}"

# Release binaries; a relative CARGO_TARGET_DIR is relative to the workspace.
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
[[ "$TARGET_DIR" == /* ]] || TARGET_DIR="$ROOT/$TARGET_DIR"
# shellcheck disable=SC2034 # used by the scripts that source this file
BIN_DIR="${EXOBRAIN_BIN_DIR:-$TARGET_DIR/release}"

# Native infrastructure ports.
PG_HOST="${PG_HOST:-127.0.0.1}"
PG_PORT="${PG_PORT:-5432}"
REDIS_PORT="${REDIS_PORT:-6379}"
NATS_PORT="${NATS_PORT:-4222}"
NATS_MONITOR_PORT="${NATS_MONITOR_PORT:-8222}"

# The five services, in start order.
# shellcheck disable=SC2034 # used by the scripts that source this file
EXOBRAIN_SERVICES=(
  model-provider
  knowledge-interface
  job-orchestrator-api
  job-orchestrator-worker
  assistant-backend
)

# rustup installs cargo here; scripts run from CI or cron may lack it in PATH.
if [[ -d "$HOME/.cargo/bin" && ":$PATH:" != *":$HOME/.cargo/bin:"* ]]; then
  PATH="$HOME/.cargo/bin:$PATH"
fi

# -------------------------------------------------------------- logging
_log_name="$(basename "${0:-exobrain}")"
info() { printf '[%s] %s\n' "$_log_name" "$*"; }
warn() { printf '[%s] warning: %s\n' "$_log_name" "$*" >&2; }
die() {
  printf '[%s] error: %s\n' "$_log_name" "$*" >&2
  exit 1
}

ensure_state_dirs() {
  mkdir -p "$LOG_DIR" "$PID_DIR" "$STARTED_DIR"
}

# ---------------------------------------------------------- privileges
is_root() { [[ "$(id -u)" -eq 0 ]]; }

# Run a command as root: directly when we are root, otherwise through sudo.
as_root() {
  if is_root; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root for: $* (run as root or install sudo)"
  fi
}

# Install Debian packages; `apt-get update` runs once per script run.
_apt_updated=""
apt_install() {
  command -v apt-get >/dev/null 2>&1 ||
    die "cannot install $* automatically (no apt-get); install it yourself or use nix-shell"
  if [[ -z "$_apt_updated" ]]; then
    info "apt-get update"
    as_root apt-get update -qq
    _apt_updated=1
  fi
  info "installing Debian package(s): $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

# First of the given program names found in PATH or in sbin directories.
find_program() {
  local name dir
  for name in "$@"; do
    if command -v "$name" >/dev/null 2>&1; then
      command -v "$name"
      return 0
    fi
    for dir in /usr/sbin /usr/local/sbin /sbin; do
      if [[ -x "$dir/$name" ]]; then
        printf '%s\n' "$dir/$name"
        return 0
      fi
    done
  done
  return 1
}

# -------------------------------------------------------------- probes
# port_open HOST PORT [SECONDS]: true when a TCP connection succeeds.
port_open() {
  local host="$1" port="$2" secs="${3:-1}"
  # shellcheck disable=SC2016 # expanded by the inner bash
  timeout "$secs" bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$host" "$port" 2>/dev/null
}

# wait_for SECONDS CMD...: run CMD every second until it succeeds or the
# deadline passes. Returns CMD's success, 1 on timeout.
wait_for() {
  local secs="$1"
  shift
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      return 1
    fi
    sleep 1
  done
}

# http_status URL: prints the HTTP status code (000 when nothing answered).
# Uses curl when available, otherwise a bare HTTP/1.0 request over /dev/tcp.
http_status() {
  local url="$1"
  if command -v curl >/dev/null 2>&1; then
    curl -s -o /dev/null -m 3 -w '%{http_code}' "$url" || true
    return 0
  fi
  local rest="${url#http://}" hostport path host port line
  hostport="${rest%%/*}"
  path="/${rest#*/}"
  [[ "$rest" == */* ]] || path="/"
  host="${hostport%:*}"
  port="${hostport##*:}"
  [[ "$hostport" == *:* ]] || port=80
  # shellcheck disable=SC2016 # expanded by the inner bash
  line="$(timeout 3 bash -c '
    exec 3<>"/dev/tcp/$0/$1" || exit 1
    printf "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n" "$2" "$0" >&3
    IFS= read -r status <&3 && printf "%s" "$status"' "$host" "$port" "$path" 2>/dev/null)" || true
  line="${line#HTTP/* }"
  printf '%s' "${line:0:3}"
  [[ -n "$line" ]] || printf '000'
}

# redis_ping HOST PORT: true when Redis answers PING with PONG.
redis_ping() {
  if command -v redis-cli >/dev/null 2>&1; then
    [[ "$(timeout 3 redis-cli -h "$1" -p "$2" ping 2>/dev/null)" == PONG ]]
    return
  fi
  # shellcheck disable=SC2016 # expanded by the inner bash
  timeout 3 bash -c '
    exec 3<>"/dev/tcp/$0/$1" || exit 1
    printf "PING\r\n" >&3
    IFS= read -r reply <&3 && [[ "$reply" == "+PONG"* ]]' "$1" "$2" 2>/dev/null
}

# pg_ready HOST PORT: true when PostgreSQL accepts connections.
pg_ready() {
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -t 3 -h "$1" -p "$2"
  else
    port_open "$1" "$2" 3
  fi
}

http_ok() { [[ "$(http_status "$1")" == 200 ]]; }

# probe_addr BIND_ADDRESS: turn a bind address (0.0.0.0:8010, [::]:8010,
# 127.0.0.1:8010) into a HOST:PORT that a local client can dial.
probe_addr() {
  local addr="$1" host port
  port="${addr##*:}"
  host="${addr%:*}"
  case "$host" in
    "" | 0.0.0.0 | "[::]" | "::") host=127.0.0.1 ;;
  esac
  printf '%s:%s\n' "$host" "$port"
}

# --------------------------------------------------------- pid files
pidfile_for() { printf '%s/%s.pid\n' "$PID_DIR" "$1"; }

# pid_alive PID [NAME]: the process exists (and, when NAME is given, its
# command line mentions NAME, so a recycled pid is not mistaken for ours).
pid_alive() {
  local pid="$1" expect="${2:-}"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  if [[ -n "$expect" && -r "/proc/$pid/cmdline" ]]; then
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$expect" || return 1
  fi
  return 0
}

# read_pid NAME: prints the pid recorded for NAME (empty when none).
read_pid() {
  local file
  file="$(pidfile_for "$1")"
  [[ -r "$file" ]] || return 0
  tr -dc '0-9' <"$file"
}

# running_pid NAME [MATCH]: prints the pid of NAME if its pid file names a
# live process; fails otherwise.
running_pid() {
  local name="$1" match="${2:-$1}" pid
  pid="$(read_pid "$name")"
  [[ -n "$pid" ]] && pid_alive "$pid" "$match" || return 1
  printf '%s\n' "$pid"
}

# start_background NAME LOGFILE CMD...: start CMD detached (nohup), stdout and
# stderr appended to LOGFILE, pid written to pids/NAME.pid.
start_background() {
  local name="$1" logfile="$2"
  shift 2
  ensure_state_dirs
  mkdir -p "$(dirname "$logfile")"
  printf '\n===== %s: starting %s =====\n' "$(date '+%Y-%m-%d %H:%M:%S')" "$*" >>"$logfile"
  nohup "$@" >>"$logfile" 2>&1 </dev/null &
  printf '%s\n' "$!" >"$(pidfile_for "$name")"
}

# stop_timeout NAME: seconds to wait after SIGTERM before SIGKILL: STOP_TIMEOUT
# when set; else longer than the service's drain: the worker lets running jobs
# finish for WORKER_SHUTDOWN_GRACE_SECONDS (20 s), hands the rest back within 5 s
# more and records them, so it gets that plus 10 s; every other service drains
# within 4 s (crates/common/src/shutdown.rs) and gets 10 s.
stop_timeout() {
  if [[ -n "${STOP_TIMEOUT:-}" ]]; then
    printf '%s\n' "$STOP_TIMEOUT"
  elif [[ "$1" == job-orchestrator-worker ]]; then
    local grace="${WORKER_SHUTDOWN_GRACE_SECONDS:-20}"
    printf '%s\n' "$((${grace%.*} + 15))"
  else
    printf '10\n'
  fi
}

# stop_pidfile NAME [MATCH]: SIGTERM the process in pids/NAME.pid, wait up to
# its stop_timeout, then SIGKILL. Removes the pid file. Returns 0 when the
# process was stopped, 1 when nothing was running.
stop_pidfile() {
  local name="$1" match="${2:-$1}" file pid deadline timeout
  file="$(pidfile_for "$name")"
  [[ -e "$file" ]] || return 1
  pid="$(read_pid "$name")"
  if [[ -z "$pid" ]] || ! pid_alive "$pid" "$match"; then
    rm -f "$file"
    return 1
  fi
  kill -TERM "$pid" 2>/dev/null || true
  timeout="$(stop_timeout "$name")"
  deadline=$((SECONDS + timeout))
  while pid_alive "$pid" "$match" && ((SECONDS < deadline)); do
    sleep 0.2
  done
  if pid_alive "$pid" "$match"; then
    warn "$name (pid $pid) ignored SIGTERM for ${timeout}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
  return 0
}

# ----------------------------------------------------------- PostgreSQL
# as_postgres_superuser PSQL-ARGS...: run psql as a PostgreSQL superuser.
# Tries, in order: the local `postgres` OS user via runuser (when root), the
# POSTGRES_DSN, the `postgres` role over TCP (trust auth), sudo -u postgres.
_pg_su_mode=""
_pg_su_try() {
  local mode="$1"
  shift
  case "$mode" in
    runuser)
      is_root && id postgres >/dev/null 2>&1 || return 1
      (cd / && runuser -u postgres -- psql -X -p "$PG_PORT" "$@")
      ;;
    dsn)
      PGCONNECT_TIMEOUT=3 psql "${POSTGRES_DSN:-postgresql://exobrain:exobrain@$PG_HOST:$PG_PORT/postgres}" -X -w "$@"
      ;;
    tcp)
      PGCONNECT_TIMEOUT=3 psql -X -w -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres "$@"
      ;;
    sudo)
      ! is_root && command -v sudo >/dev/null 2>&1 || return 1
      (cd / && sudo -u postgres psql -X -p "$PG_PORT" "$@")
      ;;
  esac
}
as_postgres_superuser() {
  command -v psql >/dev/null 2>&1 || die "psql not found (install postgresql-client or use nix-shell)"
  local mode
  if [[ -z "$_pg_su_mode" ]]; then
    for mode in runuser dsn tcp sudo; do
      if [[ "$(_pg_su_try "$mode" -tAc 'SELECT rolsuper FROM pg_roles WHERE rolname = current_user' 2>/dev/null)" == t ]]; then
        _pg_su_mode="$mode"
        break
      fi
    done
    [[ -n "$_pg_su_mode" ]] ||
      die "cannot get a PostgreSQL superuser session on $PG_HOST:$PG_PORT (tried runuser/sudo as 'postgres', POSTGRES_DSN and role 'postgres' over TCP); create a superuser role yourself and set POSTGRES_DSN"
  fi
  _pg_su_try "$_pg_su_mode" -v ON_ERROR_STOP=1 "$@"
}

# ensure_exobrain_role: the superuser role exobrain/exobrain that tests and
# db-setup connect with. Idempotent.
ensure_exobrain_role() {
  local state
  state="$(as_postgres_superuser -qtAc "SELECT rolsuper AND rolcanlogin FROM pg_roles WHERE rolname = 'exobrain'")"
  case "$state" in
    t) info "postgresql: role exobrain already exists (superuser)" ;;
    f)
      as_postgres_superuser -qc "ALTER ROLE exobrain WITH LOGIN SUPERUSER"
      info "postgresql: role exobrain made a login superuser"
      ;;
    *)
      as_postgres_superuser -qc "CREATE ROLE exobrain WITH LOGIN SUPERUSER PASSWORD 'exobrain'"
      info "postgresql: created superuser role exobrain (password exobrain)"
      ;;
  esac
}

# ----------------------------------------------------------------- NATS
# nats_jetstream_check [HOST] [PORT]: 0 when NATS answers with JetStream
# enabled, 1 when nothing answers, 2 when NATS runs without JetStream, 3 when
# the server rejected the probe (-ERR, e.g. authentication required).
# Talks the NATS text protocol over /dev/tcp, so no `nats` CLI is needed:
# a request to $JS.API.INFO gets an account_info_response from JetStream, or a
# 503 "no responders" status (or an error payload) when JetStream is off.
nats_jetstream_check() {
  local host="${1:-127.0.0.1}" port="${2:-$NATS_PORT}" line verdict="" deadline fd
  port_open "$host" "$port" || return 1
  exec {fd}<>"/dev/tcp/$host/$port" || return 1
  # shellcheck disable=SC2016 # $JS.API.INFO is a NATS subject, not a variable
  {
    printf '%s\r\n' \
      'CONNECT {"verbose":false,"pedantic":false,"headers":true,"no_responders":true}' \
      'SUB _INBOX.jscheck 1' \
      'PUB $JS.API.INFO _INBOX.jscheck 0' \
      '' \
      'PING' >&"$fd"
  } 2>/dev/null || {
    exec {fd}>&-
    return 1
  }
  deadline=$((SECONDS + ${NATS_CHECK_SECONDS:-2}))
  while [[ -z "$verdict" ]] && ((SECONDS <= deadline)); do
    IFS= read -r -t 1 line <&"$fd" || continue
    line="${line%$'\r'}"
    case "$line" in
      *'"type":"io.nats.jetstream.api.v1.account_info_response"'*)
        if [[ "$line" == *'"error":'* ]]; then verdict=off; else verdict=on; fi
        ;;
      'NATS/1.0 503'*) verdict=off ;;
      -ERR*) verdict=rejected ;;
    esac
  done
  exec {fd}>&-
  case "$verdict" in
    on) return 0 ;;
    rejected) return 3 ;;
    *) return 2 ;;
  esac
}

# jetstream_problem RC HOST:PORT: human explanation of a failed
# nats_jetstream_check.
jetstream_problem() {
  case "$1" in
    1) printf 'nothing answers on %s\n' "$2" ;;
    2) printf 'NATS on %s runs WITHOUT JetStream: restart nats-server with -js (e.g. nats-server -p %s -js -sd <store dir>)\n' "$2" "${2##*:}" ;;
    3) printf 'NATS on %s rejected the probe (authentication required?)\n' "$2" ;;
    *) printf 'unexpected NATS probe result %s on %s\n' "$1" "$2" ;;
  esac
}

# ------------------------------------------------------ service env
# shellcheck source-path=SCRIPTDIR source=../lib/service-env.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/service-env.sh"

# apply_native_env_defaults: export every DSN/URL the services read, keeping
# values already set in the environment and defaulting to the native profile.
apply_native_env_defaults() {
  export_service_env "$PG_HOST:$PG_PORT" "$REDIS_PORT" "$NATS_PORT"
}

# shellcheck disable=SC2034 # used by the scripts that source this file
NATIVE_ENV_VARS=(
  POSTGRES_DSN ASSISTANT_DB_DSN JOB_ORCHESTRATOR_DB_DSN KNOWLEDGE_SCHEMA_DSN
  ASSISTANT_CACHE_REDIS_URL EXOBRAIN_NATS_URL MODEL_PROVIDER_BASE_URL
  KNOWLEDGE_INTERFACE_GRPC_TARGET JOB_ORCHESTRATOR_GRPC_TARGET
  APP_ENV LOG_FORMAT RUST_LOG
)

# load_native_env: take values from native-infra.env for the variables the
# environment does not set already, then fill the remaining defaults.
load_native_env() {
  local var
  local -A keep=()
  for var in "${NATIVE_ENV_VARS[@]}"; do
    [[ -n "${!var:-}" ]] && keep[$var]="${!var}"
  done
  if [[ -r "$INFRA_ENV_FILE" ]]; then
    # shellcheck source=/dev/null
    source "$INFRA_ENV_FILE"
  fi
  for var in "${!keep[@]}"; do
    export "$var=${keep[$var]}"
  done
  apply_native_env_defaults
}

# ---------------------------------------------------- service table
# service_health_url NAME: the /healthz URL of a service (HTTP port for
# model-provider and assistant-backend, admin port for the others).
service_health_url() {
  local addr
  case "$1" in
    model-provider) addr="${MODEL_PROVIDER_BIND_ADDRESS:-0.0.0.0:8010}" ;;
    assistant-backend) addr="${ASSISTANT_BACKEND_BIND_ADDRESS:-0.0.0.0:8000}" ;;
    assistant-frontend) addr="${ASSISTANT_FRONTEND_BIND_ADDRESS:-0.0.0.0:5173}" ;;
    knowledge-interface) addr="${KNOWLEDGE_INTERFACE_ADMIN_BIND_ADDRESS:-0.0.0.0:9051}" ;;
    job-orchestrator-api) addr="${JOB_ORCHESTRATOR_API_ADMIN_BIND_ADDRESS:-0.0.0.0:9061}" ;;
    job-orchestrator-worker) addr="${JOB_ORCHESTRATOR_WORKER_ADMIN_BIND_ADDRESS:-0.0.0.0:9062}" ;;
    *) die "unknown service: $1" ;;
  esac
  printf 'http://%s/healthz\n' "$(probe_addr "$addr")"
}

# ------------------------------------------------------------ web UI
# The UI needs Node.js >= 20.19 (Vite 8); Debian bookworm's own nodejs is older.
NODE_MIN_MAJOR=20
NODE_MIN_MINOR=19

# ensure_node: node and npm in PATH at the version Vite needs (installs the
# Debian packages when node is missing; fails with advice when it is too old).
ensure_node() {
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    apt_install nodejs npm
  fi
  local version major minor
  version="$(node --version)"
  version="${version#v}"
  major="${version%%.*}"
  minor="${version#*.}"
  minor="${minor%%.*}"
  if ((major < NODE_MIN_MAJOR || (major == NODE_MIN_MAJOR && minor < NODE_MIN_MINOR))); then
    die "node $version is too old for the UI (need >= $NODE_MIN_MAJOR.$NODE_MIN_MINOR): install Node.js 20 LTS or newer (nodesource.com, or nix-shell)"
  fi
}

# build_ui UI_DIR: `npm ci` when node_modules is missing or older than
# package-lock.json, then `npm run build` when dist/index.html is missing or
# older than any source of the UI.
build_ui() {
  local dir="$1" sources=() path
  if [[ ! -d "$dir/node_modules" || "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]]; then
    info "npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund) || die "npm ci failed in $dir"
  fi
  for path in src public index.html package.json package-lock.json vite.config.ts tsconfig.json; do
    [[ -e "$dir/$path" ]] && sources+=("$dir/$path")
  done
  if [[ -f "$dir/dist/index.html" ]] &&
    [[ -z "$(find "${sources[@]}" -newer "$dir/dist/index.html" -print -quit 2>/dev/null)" ]]; then
    info "UI build in $dir/dist is up to date"
    return 0
  fi
  info "npm run build in $dir"
  (cd "$dir" && npm run build) || die "npm run build failed in $dir"
}

# service_grpc_addr NAME: HOST:PORT of a gRPC service (empty for HTTP-only).
service_grpc_addr() {
  case "$1" in
    knowledge-interface) probe_addr "${KNOWLEDGE_INTERFACE_BIND_ADDRESS:-0.0.0.0:50051}" ;;
    job-orchestrator-api) probe_addr "${JOB_ORCHESTRATOR_API_BIND_ADDRESS:-0.0.0.0:50061}" ;;
    *) return 0 ;;
  esac
}

# service_grpc_name NAME: the grpc.health.v1 service name it registers.
service_grpc_name() {
  case "$1" in
    knowledge-interface) printf 'exobrain.knowledge.v1.KnowledgeInterface\n' ;;
    job-orchestrator-api) printf 'exobrain.job_orchestrator.v1.JobOrchestrator\n' ;;
    *) return 0 ;;
  esac
}

# ensure_python_venv VENV_DIR REQUIREMENT... : a venv at VENV_DIR holding exactly these pinned
# requirements (recreated or reinstalled only when they change; needs PyPI the first time).
ensure_python_venv() {
  local venv="$1"
  shift
  local requirements="$*"
  local stamp="$venv/.exobrain-requirements"
  local python="${PYTHON:-python3}"
  if [[ -x "$venv/bin/python" && "$(cat "$stamp" 2>/dev/null)" == "$requirements" ]]; then
    return 0
  fi
  command -v "$python" >/dev/null 2>&1 || die "$python not found (Debian: apt-get install python3 python3-venv)"
  if [[ ! -x "$venv/bin/python" ]]; then
    info "creating Python venv $venv" >&2
    mkdir -p "$(dirname "$venv")"
    if ! "$python" -m venv "$venv" >/dev/null 2>&1; then
      rm -rf "$venv"
      apt_install python3-venv >&2
      "$python" -m venv "$venv" || die "cannot create a venv with $python"
    fi
  fi
  info "installing $requirements into $venv" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$@" >&2 ||
    die "pip install of $requirements failed"
  printf '%s' "$requirements" >"$stamp"
}

show_log_tail() {
  local log="$LOG_DIR/$1.log"
  echo "----- last 20 lines of $log -----" >&2
  tail -n 20 "$log" >&2 2>/dev/null || true
  echo "-----" >&2
}

# Starts $1 in the background (unless it already runs) and waits until $2 (default: its
# /healthz) answers 200; dies with the log's tail when it exits or times out
# (SERVICE_START_TIMEOUT seconds, default 60).
start_service() {
  local svc="$1" url="${2:-}" pid deadline
  [[ -n "$url" ]] || url="$(service_health_url "$svc")"
  if pid="$(running_pid "$svc")"; then
    info "$svc: already running (pid $pid)"
  else
    local hostport="${url#http://}"
    hostport="${hostport%%/*}"
    if port_open "${hostport%:*}" "${hostport##*:}"; then
      die "$svc: port ${hostport##*:} is already taken by another process (not started by this script); stop it or change the bind address"
    fi
    info "$svc: starting"
    [[ -f "$LOG_DIR/$svc.log" ]] && mv -f "$LOG_DIR/$svc.log" "$LOG_DIR/$svc.log.prev"
    start_background "$svc" "$LOG_DIR/$svc.log" "$BIN_DIR/$svc" serve
    pid="$(read_pid "$svc")"
  fi
  deadline=$((SECONDS + ${SERVICE_START_TIMEOUT:-60}))
  until http_ok "$url"; do
    if ! pid_alive "$pid" "$svc"; then
      rm -f "$(pidfile_for "$svc")"
      show_log_tail "$svc"
      die "$svc: exited before $url answered 200"
    fi
    if ((SECONDS >= deadline)); then
      show_log_tail "$svc"
      die "$svc: $url did not answer 200 within ${SERVICE_START_TIMEOUT:-60}s (still running as pid $pid; stop with scripts/agent/stop-backend-suite.sh)"
    fi
    sleep 1
  done
  info "$svc: healthy ($url)"
}
