#!/usr/bin/env bash
# Environment drift against the binaries (scripts/agent/env_drift.py): every variable the
# Kubernetes overlays, infra/docker-compose/distributed.yml, scripts/local/env.sh and the
# crates' .env.example files set is one the service reads, as its own `print-config --vars`
# says. Runs the check's self-test first (a deliberately wrong variable must be reported).
# Needs the debug binaries in ${EXOBRAIN_BIN_DIR:-$CARGO_TARGET_DIR/debug} (built when missing),
# kubectl and the venv of check-kubernetes.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$ROOT/scripts/agent/lib.sh"

DRIFT_BIN_DIR="${EXOBRAIN_BIN_DIR:-$TARGET_DIR/debug}"
VENV_DIR="${K8S_CHECK_VENV:-$STATE_DIR/k8s-venv}"
services=(assistant-backend assistant-frontend job-orchestrator-api job-orchestrator-worker
  knowledge-interface model-provider)

for svc in "${services[@]}"; do
  if [[ ! -x "$DRIFT_BIN_DIR/$svc" ]]; then
    info "building the debug binaries (missing $DRIFT_BIN_DIR/$svc)"
    packages=()
    for name in "${services[@]}"; do packages+=(-p "$name"); done
    (cd "$ROOT" && cargo build --locked --bins "${packages[@]}")
    break
  fi
done
ensure_python_venv "$VENV_DIR" "kubernetes-validate==1.37.0" "PyYAML==6.0.2"

RENDER_DIR="$(mktemp -d)"
trap 'rm -rf "$RENDER_DIR"' EXIT
"$ROOT/scripts/agent/check-kubernetes.sh" --render-only "$RENDER_DIR"

"$VENV_DIR/bin/python" "$ROOT/scripts/agent/env_drift.py" --bin-dir "$DRIFT_BIN_DIR" --self-test ||
  die "the drift check's self-test failed"
"$VENV_DIR/bin/python" "$ROOT/scripts/agent/env_drift.py" --bin-dir "$DRIFT_BIN_DIR" \
  --repo "$ROOT" --k8s "$RENDER_DIR/k3d.yaml" "$RENDER_DIR/production.yaml" ||
  die "a deployment file sets a variable its service does not read (see above)"
