#!/usr/bin/env bash
# Workstation profile: run assistant-backend from source against the Compose
# infrastructure (env.sh). Extra arguments go to the binary, e.g.
# `scripts/local/run-assistant-backend.sh print-config`.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
run_service assistant-backend "$@"
