#!/usr/bin/env bash
# Workstation profile: in the Compose PostgreSQL (see env.sh), create the
# role and database named in ASSISTANT_DB_DSN (assistant_db;
# extensions: pgcrypto, pg_trgm) with the bootstrap shared with
# scripts/agent/db-setup.sh, then apply assistant-backend's migrations and its
# development data (the two development users, as the native profile does) with
# `cargo run --release -p assistant-backend -- seed`. Idempotent.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
setup_service_db seed "$ASSISTANT_DB_DSN" assistant-backend pgcrypto pg_trgm
