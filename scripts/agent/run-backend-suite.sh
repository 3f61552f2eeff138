#!/usr/bin/env bash
# Native profile, one command for a fresh machine: bring up PostgreSQL, Redis
# and NATS (native-infra-up.sh), build all service binaries, set up and
# migrate the databases (db-setup.sh), then start the five services in the
# background with logs in .agent/state/logs and pid files in
# .agent/state/pids, wait for every /healthz and both gRPC health checks, and
# print the endpoints. Services already running are left alone, so running
# it twice is harmless. Stop with scripts/agent/stop-backend-suite.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$ROOT/scripts/agent/lib.sh"

SERVICE_START_TIMEOUT="${SERVICE_START_TIMEOUT:-60}"
AGENT="$ROOT/scripts/agent"

"$AGENT/native-infra-up.sh"
load_native_env

if [[ "${EXOBRAIN_SKIP_BUILD:-0}" == 1 ]]; then
  info "EXOBRAIN_SKIP_BUILD=1: not building"
else
  command -v cargo >/dev/null 2>&1 || die "cargo not found; install Rust with rustup first"
  info "cargo build --release --workspace --bins"
  (cd "$ROOT" && cargo build --release --workspace --bins)
fi
for svc in "${EXOBRAIN_SERVICES[@]}"; do
  [[ -x "$BIN_DIR/$svc" ]] || die "binary $BIN_DIR/$svc is missing (cargo build --release --workspace --bins)"
done

# Binaries are fresh, so db-setup only bootstraps, migrates and seeds.
EXOBRAIN_SKIP_BUILD=1 "$AGENT/db-setup.sh"

ensure_state_dirs

for svc in "${EXOBRAIN_SERVICES[@]}"; do
  start_service "$svc"
done

for svc in "${EXOBRAIN_SERVICES[@]}"; do
  addr="$(service_grpc_addr "$svc")"
  [[ -n "$addr" ]] || continue
  "$AGENT/grpc-health-check.sh" "$addr" "$(service_grpc_name "$svc")" ||
    die "$svc: gRPC health check on $addr is not SERVING (log: $LOG_DIR/$svc.log)"
done

echo
printf '%-24s %-34s %s\n' SERVICE ENDPOINT LOG
for svc in "${EXOBRAIN_SERVICES[@]}"; do
  addr="$(service_grpc_addr "$svc")"
  url="$(service_health_url "$svc")"
  if [[ -n "$addr" ]]; then
    printf '%-24s %-34s %s\n' "$svc" "grpc://$addr" "$LOG_DIR/$svc.log"
    printf '%-24s %-34s\n' "" "${url%/healthz} (admin)"
  else
    printf '%-24s %-34s %s\n' "$svc" "${url%/healthz}" "$LOG_DIR/$svc.log"
  fi
done
echo
info "backend suite is running; environment in $INFRA_ENV_FILE"
info "stop it with: scripts/agent/stop-backend-suite.sh"
