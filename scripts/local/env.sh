# shellcheck shell=bash
# Workstation profile (Docker Compose): source this file to point the services
# at the containers of infra/docker-compose/local-infra.yml on their host
# ports. Every value is a default: variables already set are kept. Meant to be
# sourced, so it leaves the shell's options (set -e etc.) untouched.

EXOBRAIN_ROOT="${EXOBRAIN_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
export EXOBRAIN_ROOT

# Host ports published by local-infra.yml.
LOCAL_PG_PORT="${LOCAL_PG_PORT:-15432}"
LOCAL_REDIS_PORT="${LOCAL_REDIS_PORT:-16379}"
LOCAL_NATS_PORT="${LOCAL_NATS_PORT:-14222}"

# The DSNs and URLs every service reads (same set as the native profile), on
# the ports above; the services themselves run on the host.
# shellcheck source-path=SCRIPTDIR source=../lib/service-env.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/service-env.sh"
export_service_env "127.0.0.1:$LOCAL_PG_PORT" "$LOCAL_REDIS_PORT" "$LOCAL_NATS_PORT"

# Only in this profile: Qdrant and Memgraph of local-infra.yml, under the names
# knowledge-interface reads (crates/knowledge-interface/.env.example), exported only when
# selected, since knowledge-interface reads them only then:
#   KNOWLEDGE_VECTOR_BACKEND=qdrant KNOWLEDGE_GRAPH_BACKEND=memgraph scripts/local/run-backend-suite.sh
# (scripts/agent/env_drift.py checks both ways of sourcing this file against the binaries.)
if [[ "${KNOWLEDGE_VECTOR_BACKEND:-}" == qdrant ]]; then
  export KNOWLEDGE_VECTOR_BACKEND
  export QDRANT_ADDR="${QDRANT_ADDR:-http://127.0.0.1:16334}"
fi
if [[ "${KNOWLEDGE_GRAPH_BACKEND:-}" == memgraph ]]; then
  export KNOWLEDGE_GRAPH_BACKEND
  export MEMGRAPH_BOLT_ADDR="${MEMGRAPH_BOLT_ADDR:-bolt://127.0.0.1:17687}"
fi
