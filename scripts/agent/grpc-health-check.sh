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

VENV_DIR="${GRPC_HEALTH_VENV:-$STATE_DIR/venv}"
GRPC_VERSION="${GRPC_HEALTH_GRPC_VERSION:-1.76.0}"

ensure_python_venv "$VENV_DIR" "grpcio==$GRPC_VERSION" "grpcio-health-checking==$GRPC_VERSION"
exec "$VENV_DIR/bin/python" "$ROOT/scripts/agent/grpc_health_check.py" \
  --timeout "${GRPC_HEALTH_TIMEOUT:-3}" "$1" "${2:-}"
