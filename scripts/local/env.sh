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

export POSTGRES_DSN="${POSTGRES_DSN:-postgresql://exobrain:exobrain@127.0.0.1:$LOCAL_PG_PORT/postgres}"
export ASSISTANT_DB_DSN="${ASSISTANT_DB_DSN:-postgresql://assistant_backend:assistant_backend@127.0.0.1:$LOCAL_PG_PORT/assistant_db}"
export JOB_ORCHESTRATOR_DB_DSN="${JOB_ORCHESTRATOR_DB_DSN:-postgresql://job_orchestrator:job_orchestrator@127.0.0.1:$LOCAL_PG_PORT/job_orchestrator_db}"
export KNOWLEDGE_SCHEMA_DSN="${KNOWLEDGE_SCHEMA_DSN:-postgresql://knowledge_schema:knowledge_schema@127.0.0.1:$LOCAL_PG_PORT/knowledge_graph_schema}"
export ASSISTANT_CACHE_REDIS_URL="${ASSISTANT_CACHE_REDIS_URL:-redis://127.0.0.1:$LOCAL_REDIS_PORT/0}"
export EXOBRAIN_NATS_URL="${EXOBRAIN_NATS_URL:-nats://127.0.0.1:$LOCAL_NATS_PORT}"
export QDRANT_GRPC_URL="${QDRANT_GRPC_URL:-http://localhost:16334}"
export MEMGRAPH_BOLT_URI="${MEMGRAPH_BOLT_URI:-bolt://localhost:17687}"

# Service-to-service addresses (the services themselves run on the host).
export MODEL_PROVIDER_BASE_URL="${MODEL_PROVIDER_BASE_URL:-http://127.0.0.1:8010/v1}"
export KNOWLEDGE_INTERFACE_GRPC_TARGET="${KNOWLEDGE_INTERFACE_GRPC_TARGET:-http://127.0.0.1:50051}"
export JOB_ORCHESTRATOR_GRPC_TARGET="${JOB_ORCHESTRATOR_GRPC_TARGET:-http://127.0.0.1:50061}"

export APP_ENV="${APP_ENV:-local}"
export LOG_FORMAT="${LOG_FORMAT:-pretty}"
export RUST_LOG="${RUST_LOG:-info}"
