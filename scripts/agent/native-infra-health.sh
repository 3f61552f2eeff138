#!/usr/bin/env bash
# Native profile: check that PostgreSQL accepts connections, Redis answers
# PONG and NATS runs with JetStream enabled. One line per service; exits 1 if
# any check fails.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$ROOT/scripts/agent/lib.sh"

failed=0
report() { # report OK|FAIL NAME DETAIL
  printf '%-4s  %-10s  %s\n' "$1" "$2" "$3"
  [[ "$1" == ok ]] || failed=1
}

if pg_ready "$PG_HOST" "$PG_PORT"; then
  report ok postgresql "$PG_HOST:$PG_PORT accepting connections"
else
  report FAIL postgresql "$PG_HOST:$PG_PORT not accepting connections"
fi

if redis_ping 127.0.0.1 "$REDIS_PORT"; then
  report ok redis "127.0.0.1:$REDIS_PORT answered PONG"
else
  report FAIL redis "127.0.0.1:$REDIS_PORT did not answer PONG"
fi

rc=0
nats_jetstream_check 127.0.0.1 "$NATS_PORT" || rc=$?
if ((rc == 0)); then
  report ok nats "127.0.0.1:$NATS_PORT JetStream enabled"
else
  report FAIL nats "$(jetstream_problem "$rc" "127.0.0.1:$NATS_PORT")"
fi

exit "$failed"
