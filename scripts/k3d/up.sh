#!/usr/bin/env bash
# Create the k3d cluster, build the six images, import them, write secrets.env (random values)
# when the operator has none, and deploy the k3d overlay (deploy.sh).
# Needs Docker and k3d. Ingress: http://localhost:${K3D_HTTP_PORT:-8080}/ (UI) and /api.
# EXOBRAIN_SKIP_BUILD=1 imports images built before instead of building them.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=../agent/lib.sh
source "$ROOT/scripts/agent/lib.sh"

CLUSTER="${K3D_CLUSTER:-exobrain}"
HTTP_PORT="${K3D_HTTP_PORT:-8080}"
TAG="0.1.0"
SERVICES=(model-provider knowledge-interface job-orchestrator-api job-orchestrator-worker assistant-backend)
SECRETS="$ROOT/infra/k8s/overlays/k3d/secrets.env"

for tool in docker k3d kubectl; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found: the k3d profile needs Docker, k3d and kubectl"
done

if k3d cluster get "$CLUSTER" >/dev/null 2>&1; then
  info "cluster $CLUSTER exists"
else
  info "creating cluster $CLUSTER (ingress on localhost:$HTTP_PORT)"
  k3d cluster create "$CLUSTER" --agents 2 -p "$HTTP_PORT:80@loadbalancer" --wait
fi

images=()
for service in "${SERVICES[@]}"; do images+=("exobrain/$service:$TAG"); done
images+=("exobrain/assistant-frontend:$TAG")
if [[ "${EXOBRAIN_SKIP_BUILD:-0}" != 1 ]]; then
  for service in "${SERVICES[@]}"; do
    info "building exobrain/$service:$TAG"
    docker build -f "$ROOT/infra/docker/Dockerfile" --target "$service" -t "exobrain/$service:$TAG" "$ROOT"
  done
  info "building exobrain/assistant-frontend:$TAG"
  docker build -f "$ROOT/infra/docker/frontend.Dockerfile" -t "exobrain/assistant-frontend:$TAG" "$ROOT"
fi
info "importing ${#images[@]} images into $CLUSTER"
k3d image import --cluster "$CLUSTER" "${images[@]}"

random_hex() { od -An -tx1 -N32 /dev/urandom | tr -d ' \n'; }
if [[ ! -f "$SECRETS" ]]; then
  info "writing $SECRETS with random values (git-ignored)"
  admin="$(random_hex)" assistant="$(random_hex)" jobs="$(random_hex)" knowledge="$(random_hex)"
  backend_token="$(random_hex)" worker_token="$(random_hex)" knowledge_token="$(random_hex)"
  umask 077
  cat >"$SECRETS" <<SECRETS
POSTGRES_PASSWORD=$admin
ASSISTANT_DB_PASSWORD=$assistant
JOB_ORCHESTRATOR_DB_PASSWORD=$jobs
KNOWLEDGE_SCHEMA_DB_PASSWORD=$knowledge
ASSISTANT_DB_DSN=postgresql://assistant_backend:$assistant@postgres:5432/assistant_db
JOB_ORCHESTRATOR_DB_DSN=postgresql://job_orchestrator:$jobs@postgres:5432/job_orchestrator_db
KNOWLEDGE_SCHEMA_DSN=postgresql://knowledge_schema:$knowledge@postgres:5432/knowledge_graph_schema
ASSISTANT_CACHE_REDIS_URL=redis://redis:6379/0
AUTH_JWT_SECRET=$(random_hex)
EXOBRAIN_SERVICE_CREDENTIALS=assistant-backend=$backend_token,job-orchestrator-worker=$worker_token,knowledge-interface=$knowledge_token
EXOBRAIN_OPERATOR_CREDENTIALS=
ASSISTANT_BACKEND_SERVICE_TOKEN=$backend_token
JOB_ORCHESTRATOR_WORKER_SERVICE_TOKEN=$worker_token
KNOWLEDGE_INTERFACE_SERVICE_TOKEN=$knowledge_token
OPENAI_API_KEY=${OPENAI_API_KEY:-}
ANTHROPIC_API_KEY=${ANTHROPIC_API_KEY:-}
TAVILY_API_KEY=${TAVILY_API_KEY:-}
SECRETS
fi

"$ROOT/scripts/k3d/deploy.sh"
