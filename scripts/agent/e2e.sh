#!/usr/bin/env bash
# End-to-end tests of the web UI in a real browser: starts the native
# fullstack suite with the offline model (no API keys; run-fullstack-suite.sh),
# installs Debian's chromium when /usr/bin/chromium is missing and the e2e
# harness's npm packages (playwright-core, @axe-core/playwright; only in
# crates/assistant-frontend/ui/e2e), then runs every spec in ui/e2e/specs
# with node's test runner. Screenshots land in docs/ui/<screen>.png.
#   E2E_BASE_URL=http://host:port  test a UI that is already running instead
#   E2E_SPECS="specs/chat.test.mjs" run only these specs (relative to ui/e2e)
#   E2E_HEADED=1                   show the browser
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$ROOT/scripts/agent/lib.sh"

E2E_DIR="$ROOT/crates/assistant-frontend/ui/e2e"

if [[ -z "${E2E_BASE_URL:-}" ]]; then
  # The offline model: a machine without API keys answers from the user's notes.
  unset OPENAI_API_KEY ANTHROPIC_API_KEY
  export MODEL_PROVIDER_OFFLINE=true
  "$ROOT/scripts/agent/run-fullstack-suite.sh"
  url="$(service_health_url assistant-frontend)"
  export E2E_BASE_URL="${url%/healthz}"
fi

export CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
[[ -x "$CHROMIUM_PATH" ]] || apt_install chromium
[[ -x "$CHROMIUM_PATH" ]] || die "no Chromium at $CHROMIUM_PATH (apt-get install chromium, or set CHROMIUM_PATH)"

ensure_node
if [[ ! -d "$E2E_DIR/node_modules" || "$E2E_DIR/package-lock.json" -nt "$E2E_DIR/node_modules/.package-lock.json" ]]; then
  info "npm ci in $E2E_DIR"
  (cd "$E2E_DIR" && npm ci --no-audit --no-fund) || die "npm ci failed in $E2E_DIR"
fi

export E2E_SCREENSHOT_DIR="${E2E_SCREENSHOT_DIR:-$ROOT/docs/ui}"
read -r -a specs <<<"${E2E_SPECS:-}"
if ((${#specs[@]} == 0)); then
  specs=()
  for spec in "$E2E_DIR"/specs/*.test.mjs; do
    specs+=("${spec#"$E2E_DIR/"}")
  done
fi
info "running ${#specs[@]} spec(s) against $E2E_BASE_URL with $CHROMIUM_PATH"
cd "$E2E_DIR"
node --test --test-concurrency=1 "${specs[@]}"
info "screenshots in $E2E_SCREENSHOT_DIR"
