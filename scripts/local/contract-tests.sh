#!/usr/bin/env bash
# Workstation profile: the Qdrant and Memgraph halves of knowledge-interface's contract suites
# (tests/it/vector_contract.rs `qdrant_store::*`, tests/it/graph_contract `memgraph::*`) against
# the Qdrant and Memgraph of local-infra.yml (scripts/local/infra-up.sh starts them; this script
# starts nothing). Fails at once, naming the address, when either does not answer, and the
# tests themselves fail instead of skipping (EXOBRAIN_CONTRACT_SERVERS_REQUIRED=1). Test
# databases go to the Compose PostgreSQL (its admin POSTGRES_DSN) unless
# EXOBRAIN_TEST_POSTGRES_DSN is set. Extra arguments go to cargo nextest.
set -euo pipefail

export KNOWLEDGE_VECTOR_BACKEND=qdrant KNOWLEDGE_GRAPH_BACKEND=memgraph
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_cargo

for addr in "$QDRANT_ADDR" "$MEMGRAPH_BOLT_ADDR"; do
  hostport="$(probe_addr "${addr#*://}")"
  port_open "${hostport%:*}" "${hostport##*:}" 2 ||
    die "nothing answers at $addr: start the workstation infrastructure (scripts/local/infra-up.sh) or set QDRANT_ADDR / MEMGRAPH_BOLT_ADDR"
done

export EXOBRAIN_TEST_POSTGRES_DSN="${EXOBRAIN_TEST_POSTGRES_DSN:-$POSTGRES_DSN}"
export EXOBRAIN_CONTRACT_SERVERS_REQUIRED=1
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/exobrain-target}"
info "contract halves against Qdrant $QDRANT_ADDR and Memgraph $MEMGRAPH_BOLT_ADDR"
cd "$ROOT"
exec cargo nextest run -p knowledge-interface --test it \
  -E 'test(/^vector_contract::qdrant_store::/) | test(/^graph_contract::memgraph::/)' "$@"
