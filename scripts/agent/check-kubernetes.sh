#!/usr/bin/env bash
# Offline checks of the Kubernetes manifests (infra/k8s): each overlay renders with
# `kubectl kustomize`, validates strictly against the Kubernetes schemas
# (kubernetes-validate) and keeps the invariants of scripts/agent/k8s_invariants.py (probes,
# resources, non-root read-only containers, pinned images, no literal credentials, only
# variables the service reads (its crates/<service>/.env.example), termination grace longer
# than each service's drain, the worker's count left to its autoscaler; for production at least
# two replicas of everything spread across nodes, a three-server NATS cluster with
# JOBS_STREAM_REPLICAS=3 and external PostgreSQL and Redis; for k3d one NATS server with
# JOBS_STREAM_REPLICAS=1). scripts/agent/check-env-drift.sh compares the same renders with the
# binaries themselves.
#
# An overlay's secrets.env is the operator's and git-ignored; where it is missing, the committed
# secrets.env.example is copied into place for the render and removed afterwards.
# `--render-only DIR` only renders the overlays, to DIR/<overlay>.yaml (for check-env-drift.sh).
# Needs: kubectl (Debian package `kubectl`, installed when missing); PyPI once for the venv in
# .agent/state/k8s-venv.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$ROOT/scripts/agent/lib.sh"

VENV_DIR="${K8S_CHECK_VENV:-$STATE_DIR/k8s-venv}"
KUBERNETES_VERSION="${K8S_CHECK_KUBERNETES_VERSION:-1.31.0}"
OVERLAYS_DIR="$ROOT/infra/k8s/overlays"
RENDER_ONLY=""
if [[ "${1:-}" == "--render-only" ]]; then
  RENDER_ONLY="${2:?--render-only needs a directory}"
  mkdir -p "$RENDER_ONLY"
fi

if ! command -v kubectl >/dev/null 2>&1; then
  apt_install kubectl || die "kubectl is not installable from the configured Debian sources (bookworm's package is kubernetes-client 1.20, too old for kustomize v5); install kubectl yourself"
fi
ensure_python_venv "$VENV_DIR" "kubernetes-validate==1.37.0" "PyYAML==6.0.2"

OUT_DIR="$(mktemp -d)"
placed=()
cleanup() {
  local file
  for file in "${placed[@]}"; do rm -f "$file"; done
  rm -rf "$OUT_DIR"
}
trap cleanup EXIT

# overlay name -> its invariant options: the least replicas of each workload (spread across
# nodes from two), the NATS servers = stream replicas, external stores.
declare -A overlay_invariants=(
  [k3d]="--stream-replicas 1"
  [production]="--min-replicas 2 --stream-replicas 3 --external-stores"
)

for overlay in k3d production; do
  dir="$OVERLAYS_DIR/$overlay"
  if [[ ! -f "$dir/secrets.env" ]]; then
    cp "$dir/secrets.env.example" "$dir/secrets.env"
    placed+=("$dir/secrets.env")
  fi
  rendered="${RENDER_ONLY:-$OUT_DIR}/$overlay.yaml"
  info "rendering overlay $overlay"
  kubectl kustomize --load-restrictor LoadRestrictionsNone "$dir" >"$rendered" ||
    die "overlay $overlay does not render"
  [[ -z "$RENDER_ONLY" ]] || continue
  info "validating $overlay against Kubernetes $KUBERNETES_VERSION (strict)"
  "$VENV_DIR/bin/kubernetes-validate" --strict --quiet -k "$KUBERNETES_VERSION" "$rendered" ||
    die "overlay $overlay does not validate"
  read -r -a invariants <<<"${overlay_invariants[$overlay]}"
  "$VENV_DIR/bin/python" "$ROOT/scripts/agent/k8s_invariants.py" \
    "${invariants[@]}" --repo "$ROOT" "$rendered" ||
    die "overlay $overlay breaks the manifest invariants"
done
[[ -n "$RENDER_ONLY" ]] && exit 0
info "kubernetes manifests: both overlays render, validate and keep their invariants"
