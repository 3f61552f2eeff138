#!/usr/bin/env bash
# Offline checks of the Kubernetes manifests (infra/k8s): each overlay renders with
# `kubectl kustomize`, validates strictly against the Kubernetes schemas
# (kubernetes-validate) and keeps the invariants of scripts/agent/k8s_invariants.py (probes,
# resources, non-root read-only containers, pinned images, no literal credentials, only
# variables the service reads (its crates/<service>/.env.example), and for
# production at least two replicas of everything).
#
# An overlay's secrets.env is the operator's and git-ignored; where it is missing, the committed
# secrets.env.example is copied into place for the render and removed afterwards.
# Needs: kubectl (Debian package `kubectl`, installed when missing); PyPI once for the venv in
# .agent/state/k8s-venv.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$ROOT/scripts/agent/lib.sh"

VENV_DIR="${K8S_CHECK_VENV:-$STATE_DIR/k8s-venv}"
KUBERNETES_VERSION="${K8S_CHECK_KUBERNETES_VERSION:-1.31.0}"
OVERLAYS_DIR="$ROOT/infra/k8s/overlays"

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

# overlay name -> the least replicas each of its workloads must run (0: no requirement)
declare -A min_replicas=([k3d]=0 [production]=2)

for overlay in k3d production; do
  dir="$OVERLAYS_DIR/$overlay"
  if [[ ! -f "$dir/secrets.env" ]]; then
    cp "$dir/secrets.env.example" "$dir/secrets.env"
    placed+=("$dir/secrets.env")
  fi
  rendered="$OUT_DIR/$overlay.yaml"
  info "rendering overlay $overlay"
  kubectl kustomize --load-restrictor LoadRestrictionsNone "$dir" >"$rendered" ||
    die "overlay $overlay does not render"
  info "validating $overlay against Kubernetes $KUBERNETES_VERSION (strict)"
  "$VENV_DIR/bin/kubernetes-validate" --strict --quiet -k "$KUBERNETES_VERSION" "$rendered" ||
    die "overlay $overlay does not validate"
  "$VENV_DIR/bin/python" "$ROOT/scripts/agent/k8s_invariants.py" \
    --min-replicas "${min_replicas[$overlay]}" --repo "$ROOT" "$rendered" ||
    die "overlay $overlay breaks the manifest invariants"
done
info "kubernetes manifests: both overlays render, validate and keep their invariants"
