#!/usr/bin/env bash
# The one test command (README, CI): makes sure PostgreSQL, Redis and NATS JetStream run
# locally (scripts/agent/native-infra-up.sh) and the test tools are installed (the embedding
# model; schemathesis for the API fuzz test, scripts/agent/fuzz-api.sh --install), then checks the
# shell scripts, the deployment files (Dockerfiles, compose files, Kubernetes overlays) and
# formatting, runs clippy with warnings denied, runs the whole workspace test
# suite against that real infrastructure, then the web UI's checks (lint, types, the API
# contract, unit tests) and its end-to-end tests in Chromium against the native fullstack suite
# started from the debug binaries just built (offline model; stopped again at the end).
# Builds go to ${CARGO_TARGET_DIR:-$HOME/.cache/exobrain-target} so clean clones reuse them.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/exobrain-target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

step() { printf '\n==> %s\n' "$*"; }

step "native infrastructure"
"$ROOT/scripts/agent/native-infra-up.sh"
"$ROOT/scripts/agent/fetch-embedding-model.sh"

step "schemathesis (API fuzz test)"
"$ROOT/scripts/agent/fuzz-api.sh" --install

step "shell scripts"
mapfile -t scripts < <(git ls-files '*.sh' .ci/run)
for script in "${scripts[@]}"; do bash -n "$script"; done
if command -v shellcheck >/dev/null 2>&1; then
  shellcheck "${scripts[@]}"
else
  echo "shellcheck not installed (apt-get install shellcheck); syntax checked with bash -n only"
fi

step "deployment files: Dockerfiles (hadolint), compose files (docker-compose config)"
"$ROOT/scripts/agent/check-images-compose.sh"

step "deployment files: Kubernetes overlays (kustomize, strict schema validation, invariants)"
"$ROOT/scripts/agent/check-kubernetes.sh"

step "deployment files: observability (promtool config, rules and rule tests; dashboards; metric names)"
"$ROOT/scripts/agent/check-observability.sh"

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "tests"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --locked --no-fail-fast
else
  echo "cargo-nextest not found (cargo install cargo-nextest); falling back to cargo test"
  cargo test --workspace --locked --no-fail-fast
fi

"$ROOT/scripts/agent/contract-halves-status.sh"

step "web UI: lint, types, API contract, unit tests"
UI_DIR="$ROOT/crates/assistant-frontend/ui"
(
  cd "$UI_DIR"
  npm ci --no-audit --no-fund
  npm run gen:api
  git diff --exit-code -- src/lib/api/schema.d.ts ||
    { echo "src/lib/api/schema.d.ts is stale: run npm run gen:api in $UI_DIR and commit it" >&2; exit 1; }
  npm run verify
)

step "deployment files: environment drift (every variable set is one its binary reads)"
cargo build --workspace --bins --locked
EXOBRAIN_BIN_DIR="$CARGO_TARGET_DIR/debug" "$ROOT/scripts/agent/check-env-drift.sh"

step "web UI end to end (Chromium, native fullstack suite, offline model)"
cargo build --workspace --bins --locked
stop_suite() { "$ROOT/scripts/agent/stop-backend-suite.sh" >/dev/null || true; }
trap stop_suite EXIT
EXOBRAIN_BIN_DIR="$CARGO_TARGET_DIR/debug" EXOBRAIN_SKIP_BUILD=1 "$ROOT/scripts/agent/e2e.sh"
