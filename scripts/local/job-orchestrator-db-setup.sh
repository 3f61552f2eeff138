#!/usr/bin/env bash
# Workstation profile: in the Compose PostgreSQL (see env.sh), create the
# role and database named in JOB_ORCHESTRATOR_DB_DSN (job_orchestrator_db;
# extensions: pgcrypto) with the bootstrap shared with
# scripts/agent/db-setup.sh, then apply job-orchestrator-api's migrations with
# `cargo run --release -p job-orchestrator-api -- migrate`. Idempotent.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
setup_service_db migrate "$JOB_ORCHESTRATOR_DB_DSN" job-orchestrator-api pgcrypto
