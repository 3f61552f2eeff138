#!/usr/bin/env bash
# Delete the k3d cluster (and with it every volume). secrets.env is kept.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=../agent/lib.sh
source "$ROOT/scripts/agent/lib.sh"

CLUSTER="${K3D_CLUSTER:-exobrain}"
command -v k3d >/dev/null 2>&1 || die "k3d not found"
info "deleting cluster $CLUSTER"
k3d cluster delete "$CLUSTER"
