#!/usr/bin/env bash
# Workstation profile: in the Compose PostgreSQL (see env.sh), create the
# role and database named in KNOWLEDGE_SCHEMA_DSN (knowledge_graph_schema;
# extensions: pg_trgm unaccent pgcrypto) with the bootstrap shared with
# scripts/agent/db-setup.sh, then apply knowledge-interface's migrations with
# `cargo run --release -p knowledge-interface -- migrate`. Idempotent.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=env.sh
source "$ROOT/scripts/local/env.sh"
# shellcheck source-path=SCRIPTDIR source=../agent/lib.sh
source "$ROOT/scripts/agent/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/db-bootstrap.sh
source "$ROOT/scripts/lib/db-bootstrap.sh"

require_admin_connection
bootstrap_service_db "$KNOWLEDGE_SCHEMA_DSN" pg_trgm unaccent pgcrypto

command -v cargo >/dev/null 2>&1 || die "cargo not found: install Rust (rustup) or enter nix-shell"
info "cargo run --release -p knowledge-interface --bin knowledge-interface -- migrate"
cd "$ROOT"
exec cargo run --release -p knowledge-interface --bin knowledge-interface -- migrate
