#!/usr/bin/env bash
# The one test command (README, CI): makes sure PostgreSQL, Redis and NATS JetStream run
# locally (scripts/agent/native-infra-up.sh) and the test tools are installed (the embedding
# model; schemathesis for the API fuzz test, scripts/agent/fuzz-api.sh --install), then checks the
# shell scripts and formatting, runs clippy with warnings denied, and runs the whole workspace test
# suite against that real infrastructure.
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
