#!/usr/bin/env bash
# PostgreSQL entrypoint init (infra/docker-compose/distributed.yml): creates the three service
# roles, their databases and extensions on the first start of an empty data volume, with the
# same bootstrap as scripts/agent/db-setup.sh (scripts/lib/db-bootstrap.sh, mounted beside).
# The roles and passwords come from the service DSNs the container is given.
set -euo pipefail

info() { printf 'exobrain-init: %s\n' "$*"; }
die() {
  printf 'exobrain-init: error: %s\n' "$*" >&2
  exit 1
}

# The entrypoint's temporary server listens on the Unix socket only.
POSTGRES_DSN="postgresql://${POSTGRES_USER}@/postgres?host=/var/run/postgresql"
export POSTGRES_DSN

# shellcheck source-path=SCRIPTDIR source=../../../scripts/lib/db-bootstrap.sh
source /opt/exobrain/db-bootstrap.sh

bootstrap_service_db "${ASSISTANT_DB_DSN:?}" pgcrypto pg_trgm
bootstrap_service_db "${JOB_ORCHESTRATOR_DB_DSN:?}" pgcrypto
bootstrap_service_db "${KNOWLEDGE_SCHEMA_DSN:?}" pg_trgm unaccent pgcrypto
