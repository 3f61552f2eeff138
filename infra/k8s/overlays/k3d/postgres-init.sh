#!/bin/sh
# First start of the k3d PostgreSQL: the three service roles and databases with their
# extensions (the same as scripts/agent/db-setup.sh). The services' init containers migrate.
set -eu
create() {
  role="$1" password="$2" db="$3"
  shift 3
  psql --username "$POSTGRES_USER" --no-password -v ON_ERROR_STOP=1 -v role="$role" -v password="$password" -v db="$db" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'password';
CREATE DATABASE :"db" OWNER :"role";
SQL
  for ext in "$@"; do
    psql --username "$POSTGRES_USER" --no-password -v ON_ERROR_STOP=1 -d "$db" -c "CREATE EXTENSION IF NOT EXISTS \"$ext\""
  done
}
create assistant_backend "$ASSISTANT_DB_PASSWORD" assistant_db pgcrypto pg_trgm
create job_orchestrator "$JOB_ORCHESTRATOR_DB_PASSWORD" job_orchestrator_db pgcrypto
create knowledge_schema "$KNOWLEDGE_SCHEMA_DB_PASSWORD" knowledge_graph_schema pg_trgm unaccent pgcrypto
