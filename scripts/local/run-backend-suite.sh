#!/usr/bin/env bash
# Workstation profile: run the backend services and knowledge-interface under mprocs with
# ${MPROCS_CONFIG:-.mprocs/backend-knowledge.yml}. Start the infrastructure first
# (scripts/local/infra-up.sh) and run the *-db-setup.sh scripts once.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=env.sh
source "$ROOT/scripts/local/env.sh"
# shellcheck source-path=SCRIPTDIR source=../agent/lib.sh
source "$ROOT/scripts/agent/lib.sh"

command -v mprocs >/dev/null 2>&1 ||
  die "mprocs is not installed: run 'cargo install mprocs', or enter 'nix-shell' (shell.nix provides it)"
port_open 127.0.0.1 "$LOCAL_PG_PORT" ||
  warn "nothing answers on 127.0.0.1:$LOCAL_PG_PORT; did you run scripts/local/infra-up.sh?"

cd "$ROOT"
exec mprocs --config "${MPROCS_CONFIG:-.mprocs/backend-knowledge.yml}"
