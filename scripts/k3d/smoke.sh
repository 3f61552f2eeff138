#!/usr/bin/env bash
# Smoke test of a deployed k3d overlay through its ingress: sign in, send a chat message and read
# its stream to the end, enqueue a knowledge update job, and check both gRPC services' health.
# Creates the account smoke@example.com on first run (password: SMOKE_PASSWORD, else a random
# one kept in .agent/state/k3d-smoke-password).
# Needs kubectl, curl and (for gRPC health) PyPI once for scripts/agent/grpc-health-check.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=../agent/lib.sh
source "$ROOT/scripts/agent/lib.sh"

BASE="${SMOKE_BASE_URL:-http://localhost:${K3D_HTTP_PORT:-8080}}"
EMAIL="smoke@example.com"
PASSWORD_FILE="$STATE_DIR/k3d-smoke-password"
if [[ -z "${SMOKE_PASSWORD:-}" && ! -f "$PASSWORD_FILE" ]]; then
  mkdir -p "$STATE_DIR"
  (umask 077 && od -An -tx1 -N16 /dev/urandom | tr -d ' \n' >"$PASSWORD_FILE")
fi
PASSWORD="${SMOKE_PASSWORD:-$(cat "$PASSWORD_FILE")}"
for tool in kubectl curl python3; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found"
done

json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

info "UI through the ingress"
curl -fsS -o /dev/null "$BASE/" || die "the UI does not answer at $BASE/"

info "account $EMAIL"
printf '%s\n' "$PASSWORD" | kubectl exec -i deploy/assistant-backend -c assistant-backend -- \
  assistant-backend users create --email "$EMAIL" --name Smoke --password-stdin ||
  warn "could not create $EMAIL (it exists after the first run)"

info "sign in"
token="$(curl -fsS -H 'content-type: application/json' \
  -d "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\",\"session_mode\":\"api\",\"issuance_policy\":\"tokens\"}" \
  "$BASE/api/auth/login" | json_field access_token)" || die "sign-in failed"
auth=(-H "authorization: Bearer $token")

info "chat"
message_id="$(python3 -c 'import uuid; print(uuid.uuid4())')"
stream_id="$(curl -fsS "${auth[@]}" -H 'content-type: application/json' \
  -d "{\"message\":\"Smoke test: what did I write today?\",\"client_message_id\":\"$message_id\"}" \
  "$BASE/api/chat/message" | json_field stream_id)" || die "chat message refused"
events="$(curl -fsS -N --max-time 60 "${auth[@]}" "$BASE/api/chat/stream/$stream_id" || true)"
grep -q '^event: done' <<<"$events" || die "chat stream $stream_id did not finish: $events"

info "enqueue a knowledge update"
job_id="$(curl -fsS "${auth[@]}" -H 'content-type: application/json' -d '{}' \
  "$BASE/api/knowledge/update" | json_field job_id)" || die "knowledge update not enqueued"
info "job $job_id queued"

info "gRPC health"
port_forwards=()
stop_port_forwards() {
  local pid
  for pid in "${port_forwards[@]}"; do kill "$pid" 2>/dev/null || true; done
}
trap stop_port_forwards EXIT
kubectl port-forward svc/knowledge-interface 15051:50051 >/dev/null &
port_forwards+=("$!")
kubectl port-forward svc/job-orchestrator-api 15061:50061 >/dev/null &
port_forwards+=("$!")
sleep 2
"$ROOT/scripts/agent/grpc-health-check.sh" 127.0.0.1:15051 || die "knowledge-interface is not SERVING"
"$ROOT/scripts/agent/grpc-health-check.sh" 127.0.0.1:15061 || die "job-orchestrator-api is not SERVING"
info "smoke test passed"
