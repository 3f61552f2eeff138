#!/usr/bin/env bash
# Workstation profile: stop and remove the infrastructure containers of
# local-infra.yml. Named volumes (the data) are kept; remove them yourself
# with `docker compose -p exobrain-local -f infra/docker-compose/local-infra.yml down -v`.
#
# A worker still draining (its jobs finish within WORKER_SHUTDOWN_GRACE_SECONDS, then are
# handed back and recorded) needs PostgreSQL and NATS until it exits; so while its admin port
# answers, this waits up to longer than that drain (lib.sh stop_timeout: 35 s by default) before
# taking the containers down. Quit the services (mprocs: q) first.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=../agent/lib.sh
source "$ROOT/scripts/agent/lib.sh"

COMPOSE_FILE_PATH="${LOCAL_INFRA_COMPOSE_FILE:-$ROOT/infra/docker-compose/local-infra.yml}"
docker compose version >/dev/null 2>&1 || die "'docker compose' is not available"

worker_admin="$(probe_addr "${JOB_ORCHESTRATOR_WORKER_ADMIN_BIND_ADDRESS:-127.0.0.1:9062}")"
if port_open "${worker_admin%:*}" "${worker_admin##*:}"; then
  drain="$(stop_timeout job-orchestrator-worker)"
  info "job-orchestrator-worker still answers on $worker_admin: waiting up to ${drain}s for it to drain and exit"
  port_closed() { ! port_open "$@"; }
  wait_for "$drain" port_closed "${worker_admin%:*}" "${worker_admin##*:}" ||
    warn "job-orchestrator-worker still runs after ${drain}s; stopping the infrastructure anyway"
fi

info "docker compose -p exobrain-local -f $COMPOSE_FILE_PATH down (volumes kept)"
docker compose -p exobrain-local -f "$COMPOSE_FILE_PATH" down
