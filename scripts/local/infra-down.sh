#!/usr/bin/env bash
# Workstation profile: stop and remove the infrastructure containers of
# local-infra.yml. Named volumes (the data) are kept; remove them yourself
# with `docker compose -p exobrain-local -f infra/docker-compose/local-infra.yml down -v`.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=../agent/lib.sh
source "$ROOT/scripts/agent/lib.sh"

COMPOSE_FILE_PATH="${LOCAL_INFRA_COMPOSE_FILE:-$ROOT/infra/docker-compose/local-infra.yml}"
docker compose version >/dev/null 2>&1 || die "'docker compose' is not available"

info "docker compose -p exobrain-local -f $COMPOSE_FILE_PATH down (volumes kept)"
docker compose -p exobrain-local -f "$COMPOSE_FILE_PATH" down
