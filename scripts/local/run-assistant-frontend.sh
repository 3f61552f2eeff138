#!/usr/bin/env bash
# Workstation profile: run assistant-frontend from source, serving the built
# UI on 5173 and proxying /api to assistant-backend (ASSISTANT_BACKEND_URL,
# default http://127.0.0.1:8000). Installs the UI's npm dependencies and
# builds the UI first when dist is missing or older than its sources. Extra
# arguments go to the binary, e.g. `scripts/local/run-assistant-frontend.sh
# print-config`. For hot reload while working on the UI, run `npm run dev`
# in crates/assistant-frontend/ui instead (same port, same proxy).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
UI_DIR="$ROOT/crates/assistant-frontend/ui"
if [[ "${EXOBRAIN_SKIP_UI_BUILD:-0}" != 1 ]]; then
  ensure_node
  build_ui "$UI_DIR"
fi
export ASSISTANT_FRONTEND_DIST="${ASSISTANT_FRONTEND_DIST:-$UI_DIR/dist}"
export ASSISTANT_BACKEND_URL="${ASSISTANT_BACKEND_URL:-http://127.0.0.1:8000}"
run_service assistant-frontend "$@"
