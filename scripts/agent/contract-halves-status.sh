#!/usr/bin/env bash
# Says whether the test run just made covered the Qdrant and Memgraph halves of
# knowledge-interface's contract suites: they run only when QDRANT_ADDR / MEMGRAPH_BOLT_ADDR
# name a server that answers, and otherwise pass without testing anything, so scripts/test.sh
# prints this visible SKIPPED line instead of letting them pass silently.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$ROOT/scripts/agent/lib.sh"

absent=()
for pair in Qdrant:QDRANT_ADDR Memgraph:MEMGRAPH_BOLT_ADDR; do
  name="${pair%%:*}" var="${pair#*:}"
  addr="${!var:-}"
  if [[ -z "$addr" ]]; then
    absent+=("no server at $var (unset)")
    continue
  fi
  hostport="$(probe_addr "${addr#*://}")"
  if port_open "${hostport%:*}" "${hostport##*:}" 2; then
    info "$name contract half ran against $addr"
  else
    absent+=("no server at $var=$addr")
  fi
done
if ((${#absent[@]})); then
  joined="$(printf '%s, ' "${absent[@]}")"
  printf 'SKIPPED: Qdrant/Memgraph contract halves (%s; run scripts/local/contract-tests.sh)\n' \
    "${joined%, }"
fi
