#!/usr/bin/env bash
# Native profile: stop the services started by run-backend-suite.sh and
# run-fullstack-suite.sh, assistant-frontend first and then the rest in
# reverse start order (SIGTERM, then SIGKILL only after the service's drain:
# 35 s for the worker, 10 s for the rest; lib.sh stop_timeout), and remove
# their pid files. Harmless when nothing runs. Infrastructure (PostgreSQL,
# Redis, NATS) is left running: see native-infra-down.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$ROOT/scripts/agent/lib.sh"

stop_order=(assistant-frontend)
for ((i = ${#EXOBRAIN_SERVICES[@]} - 1; i >= 0; i--)); do
  stop_order+=("${EXOBRAIN_SERVICES[i]}")
done

stopped=0
for svc in "${stop_order[@]}"; do
  [[ -e "$(pidfile_for "$svc")" ]] || continue
  pid="$(read_pid "$svc")"
  if stop_pidfile "$svc"; then
    info "$svc: stopped (pid $pid)"
    stopped=$((stopped + 1))
  else
    info "$svc: was not running (stale pid file removed)"
  fi
done

if ((stopped == 0)); then
  info "no backend service was running"
else
  info "stopped $stopped service(s)"
fi
