#!/usr/bin/env bash
# Workstation profile: run job-orchestrator-api from source against the Compose
# infrastructure (env.sh). Extra arguments go to the binary, e.g.
# `scripts/local/run-job-orchestrator-api.sh print-config`.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=env.sh
source "$ROOT/scripts/local/env.sh"
# shellcheck source-path=SCRIPTDIR source=../agent/lib.sh
source "$ROOT/scripts/agent/lib.sh"

command -v cargo >/dev/null 2>&1 || die "cargo not found: install Rust (rustup) or enter nix-shell"
cd "$ROOT"
exec cargo run --release -p job-orchestrator-api --bin job-orchestrator-api -- "$@"
