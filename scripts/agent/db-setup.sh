#!/usr/bin/env bash
# Native profile: create the service roles and databases (assistant_db,
# job_orchestrator_db, knowledge_graph_schema) with their extensions as the
# admin POSTGRES_DSN, then run `<binary> migrate` for assistant-backend,
# knowledge-interface and job-orchestrator-api, then `seed` for assistant-backend
# and knowledge-interface. Builds those binaries when missing unless
# EXOBRAIN_SKIP_BUILD=1. Idempotent.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$ROOT/scripts/agent/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/db-bootstrap.sh
source "$ROOT/scripts/lib/db-bootstrap.sh"

load_native_env
require_admin_connection

info "bootstrapping roles and databases via $POSTGRES_DSN"
bootstrap_service_db "$ASSISTANT_DB_DSN" pgcrypto pg_trgm
bootstrap_service_db "$JOB_ORCHESTRATOR_DB_DSN" pgcrypto
bootstrap_service_db "$KNOWLEDGE_SCHEMA_DSN" pg_trgm unaccent pgcrypto

# Binary -> the DSN variable it migrates.
migrating=(assistant-backend knowledge-interface job-orchestrator-api)
declare -A dsn_var=(
  [assistant-backend]=ASSISTANT_DB_DSN
  [knowledge-interface]=KNOWLEDGE_SCHEMA_DSN
  [job-orchestrator-api]=JOB_ORCHESTRATOR_DB_DSN
)

missing=()
for bin in "${migrating[@]}"; do
  [[ -x "$BIN_DIR/$bin" ]] || missing+=("$bin")
done

if ((${#missing[@]})); then
  if [[ "${EXOBRAIN_SKIP_BUILD:-0}" == 1 ]]; then
    for bin in "${missing[@]}"; do
      warn "binary $BIN_DIR/$bin is missing and EXOBRAIN_SKIP_BUILD=1: skipping '$bin migrate' (build it with: cargo build --release -p $bin)"
    done
  else
    command -v cargo >/dev/null 2>&1 || die "cargo not found; install Rust (rustup) or set EXOBRAIN_SKIP_BUILD=1"
    pkgs=()
    for bin in "${missing[@]}"; do pkgs+=(-p "$bin"); done
    info "building ${missing[*]} (release)"
    (cd "$ROOT" && cargo build --release "${pkgs[@]}")
  fi
fi

for bin in "${migrating[@]}"; do
  if [[ ! -x "$BIN_DIR/$bin" ]]; then
    [[ "${EXOBRAIN_SKIP_BUILD:-0}" == 1 ]] || die "binary $BIN_DIR/$bin is still missing after the build"
    continue
  fi
  var="${dsn_var[$bin]}"
  info "$bin migrate ($var)"
  "$BIN_DIR/$bin" migrate || die "'$bin migrate' failed (database from $var=${!var})"
done

if [[ -x "$BIN_DIR/assistant-backend" ]]; then
  info "assistant-backend seed (development users, frontend.theme)"
  "$BIN_DIR/assistant-backend" seed || die "'assistant-backend seed' failed"
fi

if [[ -x "$BIN_DIR/knowledge-interface" ]]; then
  info "knowledge-interface seed (starter schema)"
  "$BIN_DIR/knowledge-interface" seed || die "'knowledge-interface seed' failed"
fi

"$ROOT/scripts/agent/fetch-embedding-model.sh"

if [[ "${EXOBRAIN_SKIP_BUILD:-0}" == 1 ]] && ((${#missing[@]})); then
  info "database setup finished; migrations NOT applied for: ${missing[*]} (binaries missing)"
else
  info "database setup finished"
fi
