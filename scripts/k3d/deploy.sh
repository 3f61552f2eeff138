#!/usr/bin/env bash
# Apply an overlay (default k3d) to the current kubectl context and wait for every rollout.
# Usage: deploy.sh [k3d|production]. The overlay's secrets.env must exist.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=../agent/lib.sh
source "$ROOT/scripts/agent/lib.sh"

OVERLAY="${1:-k3d}"
DIR="$ROOT/infra/k8s/overlays/$OVERLAY"
TIMEOUT="${K8S_ROLLOUT_TIMEOUT:-300s}"

[[ -d "$DIR" ]] || die "no overlay $OVERLAY under infra/k8s/overlays"
[[ -f "$DIR/secrets.env" ]] ||
  die "$DIR/secrets.env is missing: copy secrets.env.example and fill it in (k3d: up.sh writes one)"

info "applying overlay $OVERLAY"
kubectl kustomize --load-restrictor LoadRestrictionsNone "$DIR" | kubectl apply -f -

# Infrastructure first (the services' init containers wait on it through their startup budget).
for workload in $(kubectl get statefulsets -o name) \
  $(kubectl get deployments -l app.kubernetes.io/part-of=exobrain -o name); do
  info "waiting for $workload"
  kubectl rollout status "$workload" --timeout "$TIMEOUT"
done
info "overlay $OVERLAY is rolled out"
