# shellcheck shell=bash
# The DSNs and URLs the services read, shared by both profiles
# (scripts/agent/lib.sh: apply_native_env_defaults, and scripts/local/env.sh).
# Sourced, never executed; leaves the shell's options untouched.

# export_service_env PG_HOST:PORT REDIS_PORT NATS_PORT: export every variable
# below, keeping values already set in the environment and otherwise pointing
# at PostgreSQL, Redis and NATS on the given ports (the services themselves on
# the host). scripts/agent/lib.sh lists the same names in NATIVE_ENV_VARS.
export_service_env() {
  local pg="$1" redis_port="$2" nats_port="$3"
  export POSTGRES_DSN="${POSTGRES_DSN:-postgresql://exobrain:exobrain@$pg/postgres}"
  export ASSISTANT_DB_DSN="${ASSISTANT_DB_DSN:-postgresql://assistant_backend:assistant_backend@$pg/assistant_db}"
  export JOB_ORCHESTRATOR_DB_DSN="${JOB_ORCHESTRATOR_DB_DSN:-postgresql://job_orchestrator:job_orchestrator@$pg/job_orchestrator_db}"
  export KNOWLEDGE_SCHEMA_DSN="${KNOWLEDGE_SCHEMA_DSN:-postgresql://knowledge_schema:knowledge_schema@$pg/knowledge_graph_schema}"
  export ASSISTANT_CACHE_REDIS_URL="${ASSISTANT_CACHE_REDIS_URL:-redis://127.0.0.1:$redis_port/0}"
  export EXOBRAIN_NATS_URL="${EXOBRAIN_NATS_URL:-nats://127.0.0.1:$nats_port}"
  # Service-to-service addresses.
  export MODEL_PROVIDER_BASE_URL="${MODEL_PROVIDER_BASE_URL:-http://127.0.0.1:8010/v1}"
  export KNOWLEDGE_INTERFACE_GRPC_TARGET="${KNOWLEDGE_INTERFACE_GRPC_TARGET:-http://127.0.0.1:50051}"
  export JOB_ORCHESTRATOR_GRPC_TARGET="${JOB_ORCHESTRATOR_GRPC_TARGET:-http://127.0.0.1:50061}"
  export APP_ENV="${APP_ENV:-local}"
  export LOG_FORMAT="${LOG_FORMAT:-pretty}"
  export RUST_LOG="${RUST_LOG:-info}"
}
