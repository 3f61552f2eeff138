#!/usr/bin/env bash
# Workstation profile: run model-provider from source against the Compose
# infrastructure (env.sh), after fetching the local embedding model into
# models/ as the native profile does (scripts/agent/fetch-embedding-model.sh:
# cached, checksummed, a no-op once present). Extra arguments go to the
# binary, e.g. `scripts/local/run-model-provider.sh print-config`.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
"$ROOT/scripts/agent/fetch-embedding-model.sh"
run_service model-provider "$@"
