# shellcheck shell=bash
# Shared body of the workstation scripts (scripts/local/run-*.sh,
# *-db-setup.sh, run-*-suite.sh): sets ROOT, sources env.sh (the Compose
# ports), scripts/agent/lib.sh (info, warn, die, port_open) and
# scripts/lib/db-bootstrap.sh, and defines the three entry points below.
# Sourced, never executed; the caller sets the shell options.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=env.sh
source "$ROOT/scripts/local/env.sh"
# shellcheck source-path=SCRIPTDIR source=../agent/lib.sh
source "$ROOT/scripts/agent/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/db-bootstrap.sh
source "$ROOT/scripts/lib/db-bootstrap.sh"

require_cargo() {
  command -v cargo >/dev/null 2>&1 || die "cargo not found: install Rust (rustup) or enter nix-shell"
}

# run_service CRATE [ARG...]: replace this shell with
# `cargo run --release -p CRATE --bin CRATE -- ARG...` from the workspace root.
run_service() {
  local crate="$1"
  shift
  require_cargo
  cd "$ROOT" || exit
  exec cargo run --release -p "$crate" --bin "$crate" -- "$@"
}

# setup_service_db COMMAND DSN CRATE [EXTENSION...]: create the role and
# database named in DSN (with the extensions) as the admin POSTGRES_DSN, then
# run CRATE's COMMAND: `migrate`, or `seed` (migrate, then the starter data),
# as scripts/agent/db-setup.sh does for the native profile.
setup_service_db() {
  local command="$1" dsn="$2" crate="$3"
  shift 3
  require_admin_connection
  bootstrap_service_db "$dsn" "$@"
  require_cargo
  info "cargo run --release -p $crate --bin $crate -- $command"
  run_service "$crate" "$command"
}

# run_suite DEFAULT_CONFIG: replace this shell with mprocs running
# ${MPROCS_CONFIG:-DEFAULT_CONFIG} (relative to the workspace root); warns
# when the Compose PostgreSQL does not answer.
run_suite() {
  local config="${MPROCS_CONFIG:-$1}"
  command -v mprocs >/dev/null 2>&1 ||
    die "mprocs is not installed: run 'cargo install mprocs', or enter 'nix-shell' (shell.nix provides it)"
  port_open 127.0.0.1 "$LOCAL_PG_PORT" ||
    warn "nothing answers on 127.0.0.1:$LOCAL_PG_PORT; did you run scripts/local/infra-up.sh?"
  cd "$ROOT" || exit
  exec mprocs --config "$config"
}
