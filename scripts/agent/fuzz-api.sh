#!/usr/bin/env bash
# Fuzzes the assistant-backend HTTP API from its own OpenAPI document with schemathesis.
#
#   scripts/agent/fuzz-api.sh --install       # only make sure schemathesis is installed
#   scripts/agent/fuzz-api.sh BASE_URL TOKEN  # fuzz BASE_URL/api/openapi.json as TOKEN's user
#
# schemathesis (pinned below) lives in a venv under .agent/ (git-ignored), installed with pip
# on first use. The run sends `Authorization: Bearer TOKEN` (an access token, e.g. from
# POST /api/auth/login with "session_mode": "api") on every request, generates valid and invalid
# requests for every documented operation (FUZZ_MAX_EXAMPLES per operation, default 100, about
# 40 s), and checks that no response is a 5xx and that every response matches its documented
# schema. FUZZ_SEED makes a run reproducible. schemathesis runs in .agent/fuzz-api, where its
# caches stay out of git, with one worker: hypothesis parses Python source from every worker
# thread, which CPython 3.11 does not survive ("AST constructor recursion depth mismatch"). Exit status: 0 clean, 1 failures found (printed with a curl line to
# reproduce each), 2 usage, 75 schemathesis is missing and cannot be installed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

SCHEMATHESIS_VERSION="4.32.5"
VENV="$ROOT/.agent/schemathesis"
BIN="$VENV/bin/schemathesis"
UNAVAILABLE=75

installed() {
  [[ -x "$BIN" ]] && "$BIN" --version 2>/dev/null | grep -qF "$SCHEMATHESIS_VERSION"
}

install() {
  installed && return 0
  echo "installing schemathesis $SCHEMATHESIS_VERSION into $VENV"
  if ! command -v python3 >/dev/null 2>&1; then
    echo "python3 not found; cannot install schemathesis" >&2
    return "$UNAVAILABLE"
  fi
  if ! python3 -m venv "$VENV" ||
    ! "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"; then
    echo "cannot install schemathesis $SCHEMATHESIS_VERSION (no network?)" >&2
    return "$UNAVAILABLE"
  fi
  installed
}

if [[ "${1:-}" == "--install" ]]; then
  install
  exit
fi
if [[ $# -ne 2 ]]; then
  echo "usage: $0 --install | BASE_URL ACCESS_TOKEN" >&2
  exit 2
fi
BASE_URL="${1%/}"
TOKEN="$2"

install || exit "$UNAVAILABLE"

args=(
  run "$BASE_URL/api/openapi.json"
  --header "Authorization: Bearer $TOKEN"
  --checks "not_a_server_error,response_schema_conformance"
  --max-examples "${FUZZ_MAX_EXAMPLES:-100}"
  --phases "examples,coverage,fuzzing"
  --workers 1
  --generation-database none
  --generation-allow-x00 true
  --no-color
)
if [[ -n "${FUZZ_SEED:-}" ]]; then
  args+=(--seed "$FUZZ_SEED")
fi
mkdir -p "$ROOT/.agent/fuzz-api"
cd "$ROOT/.agent/fuzz-api"
exec "$BIN" "${args[@]}"
