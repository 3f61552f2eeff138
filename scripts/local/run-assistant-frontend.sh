#!/usr/bin/env bash
# Workstation profile: placeholder for the assistant frontend, which does not
# exist in this repository yet. Exits 1 so mprocs shows it as failed.
set -euo pipefail

echo "assistant-frontend: not implemented yet (there is no frontend in this repository); nothing to run" >&2
exit 1
