#!/usr/bin/env bash
# Native profile, the whole system with its web UI: run-backend-suite.sh
# (infrastructure, build, databases, the five services), then install the
# UI's npm dependencies (npm ci, when node_modules is missing or older than
# package-lock.json), build the UI (npm run build, when dist is missing or
# older than a source), and start assistant-frontend in the background like
# the other services (log and pid file in .agent/state), wait for its /readyz
# and print the URL. Running it twice is harmless. Stop everything with
# scripts/agent/stop-backend-suite.sh.
#   EXOBRAIN_SKIP_UI_BUILD=1  use the existing build as it is
#   ASSISTANT_FRONTEND_DIST   serve this build instead of ui/dist
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$ROOT/scripts/agent/lib.sh"

SERVICE_START_TIMEOUT="${SERVICE_START_TIMEOUT:-60}"
UI_DIR="$ROOT/crates/assistant-frontend/ui"
SVC=assistant-frontend

"$ROOT/scripts/agent/run-backend-suite.sh"
load_native_env

if [[ "${EXOBRAIN_SKIP_UI_BUILD:-0}" == 1 ]]; then
  info "EXOBRAIN_SKIP_UI_BUILD=1: not building the UI"
else
  ensure_node
  build_ui "$UI_DIR"
fi
export ASSISTANT_FRONTEND_DIST="${ASSISTANT_FRONTEND_DIST:-$UI_DIR/dist}"
[[ -f "$ASSISTANT_FRONTEND_DIST/index.html" ]] ||
  die "$ASSISTANT_FRONTEND_DIST/index.html is missing (npm run build in $UI_DIR)"
[[ -x "$BIN_DIR/$SVC" ]] || die "binary $BIN_DIR/$SVC is missing (cargo build --release --workspace --bins)"

export ASSISTANT_BACKEND_URL="${ASSISTANT_BACKEND_URL:-http://$(probe_addr "${ASSISTANT_BACKEND_BIND_ADDRESS:-0.0.0.0:8000}")}"
ready_url="$(service_health_url "$SVC")"
ready_url="${ready_url%/healthz}/readyz"
ui_url="${ready_url%/readyz}/"

ensure_state_dirs
start_service "$SVC" "$ready_url"

echo
info "$SVC: ready; log $LOG_DIR/$SVC.log"
info "open the web UI at $ui_url (sign in as test.user@exobrain.local / password123)"
info "stop everything with: scripts/agent/stop-backend-suite.sh"
