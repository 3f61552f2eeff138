#!/usr/bin/env bash
# Workstation profile: in the Compose PostgreSQL (see env.sh), create the
# role and database named in ASSISTANT_DB_DSN (assistant_db;
# extensions: pgcrypto) with the bootstrap shared with
# scripts/agent/db-setup.sh, then apply assistant-backend's migrations with
# `cargo run --release -p assistant-backend -- migrate`. Idempotent.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=env.sh
source "$ROOT/scripts/local/env.sh"
# shellcheck source-path=SCRIPTDIR source=../agent/lib.sh
source "$ROOT/scripts/agent/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/db-bootstrap.sh
source "$ROOT/scripts/lib/db-bootstrap.sh"

require_admin_connection
bootstrap_service_db "$ASSISTANT_DB_DSN" pgcrypto

command -v cargo >/dev/null 2>&1 || die "cargo not found: install Rust (rustup) or enter nix-shell"
info "cargo run --release -p assistant-backend --bin assistant-backend -- migrate"
cd "$ROOT"
exec cargo run --release -p assistant-backend --bin assistant-backend -- migrate
