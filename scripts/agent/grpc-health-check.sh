#!/usr/bin/env bash
# Standard gRPC health check: `grpc-health-check.sh HOST:PORT [SERVICE]` calls
# grpc.health.v1.Health/Check and prints the status; exits 0 only on SERVING.
# The first run creates a Python venv in .agent/state/venv with pinned
# grpcio/grpcio-health-checking (needs PyPI once).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$ROOT/scripts/agent/lib.sh"

if [[ $# -lt 1 || $# -gt 2 || "$1" == -h || "$1" == --help ]]; then
  echo "usage: $(basename "$0") HOST:PORT [SERVICE]   (SERVICE defaults to \"\", the whole server)" >&2
  exit 2
fi

PYTHON="${PYTHON:-python3}"
VENV_DIR="${GRPC_HEALTH_VENV:-$STATE_DIR/venv}"
GRPC_VERSION="${GRPC_HEALTH_GRPC_VERSION:-1.76.0}"
REQUIREMENTS="grpcio==$GRPC_VERSION grpcio-health-checking==$GRPC_VERSION"
STAMP="$VENV_DIR/.exobrain-requirements"

ensure_venv() {
  if [[ -x "$VENV_DIR/bin/python" && "$(cat "$STAMP" 2>/dev/null)" == "$REQUIREMENTS" ]]; then
    return 0
  fi
  command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found (Debian: apt-get install python3 python3-venv)"
  if [[ ! -x "$VENV_DIR/bin/python" ]]; then
    info "creating Python venv $VENV_DIR" >&2
    if ! "$PYTHON" -m venv "$VENV_DIR" >/dev/null 2>&1; then
      rm -rf "$VENV_DIR"
      apt_install python3-venv >&2
      "$PYTHON" -m venv "$VENV_DIR" || die "cannot create a venv with $PYTHON"
    fi
  fi
  info "installing $REQUIREMENTS into $VENV_DIR" >&2
  # shellcheck disable=SC2086 # REQUIREMENTS is a list of pinned specs
  "$VENV_DIR/bin/python" -m pip install --quiet --disable-pip-version-check $REQUIREMENTS >&2 ||
    die "pip install of $REQUIREMENTS failed"
  printf '%s' "$REQUIREMENTS" >"$STAMP"
}

ensure_venv
exec "$VENV_DIR/bin/python" "$ROOT/scripts/agent/grpc_health_check.py" \
  --timeout "${GRPC_HEALTH_TIMEOUT:-3}" "$1" "${2:-}"
