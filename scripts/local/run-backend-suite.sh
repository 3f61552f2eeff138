#!/usr/bin/env bash
# Workstation profile: run the backend services and knowledge-interface under mprocs with
# ${MPROCS_CONFIG:-.mprocs/backend-knowledge.yml}. Start the infrastructure first
# (scripts/local/infra-up.sh) and run the *-db-setup.sh scripts once.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
run_suite .mprocs/backend-knowledge.yml
