#!/usr/bin/env bash
# Workstation profile: start PostgreSQL, Redis, NATS (JetStream), Qdrant and
# Memgraph with Docker Compose and wait until their health checks pass.
# Safe to re-run (Compose leaves running containers alone).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=../agent/lib.sh
source "$ROOT/scripts/agent/lib.sh"

COMPOSE_FILE_PATH="${LOCAL_INFRA_COMPOSE_FILE:-$ROOT/infra/docker-compose/local-infra.yml}"
docker compose version >/dev/null 2>&1 ||
  die "'docker compose' is not available: install Docker with the Compose plugin (or use the native profile: scripts/agent/run-backend-suite.sh)"

info "docker compose -p exobrain-local -f $COMPOSE_FILE_PATH up -d --wait"
docker compose -p exobrain-local -f "$COMPOSE_FILE_PATH" up -d --wait
info "infrastructure is up; next: scripts/local/assistant-db-setup.sh, job-orchestrator-db-setup.sh, knowledge-schema-setup.sh"
