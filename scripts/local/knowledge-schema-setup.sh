#!/usr/bin/env bash
# Workstation profile: in the Compose PostgreSQL (see env.sh), create the
# role and database named in KNOWLEDGE_SCHEMA_DSN (knowledge_graph_schema;
# extensions: pg_trgm unaccent pgcrypto) with the bootstrap shared with
# scripts/agent/db-setup.sh, then apply knowledge-interface's migrations and
# seed its starter schema with `cargo run --release -p knowledge-interface --
# seed`, as the native profile does. Idempotent.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
setup_service_db seed "$KNOWLEDGE_SCHEMA_DSN" knowledge-interface pg_trgm unaccent pgcrypto
