#!/usr/bin/env bash
# Checks model-provider with the official OpenAI Python SDK, a client no one here wrote:
# `openai-sdk-check.sh BASE_URL` (e.g. http://127.0.0.1:8010/v1) runs a chat completion, a
# streamed chat completion with a forced tool call and an embeddings call, and exits 0 only if
# the SDK accepted every reply. The first run creates a venv with a pinned `openai` under
# ~/.cache/exobrain-venvs (needs PyPI once; later runs and other clones reuse it).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$ROOT/scripts/agent/lib.sh"

if [[ $# -ne 1 || "$1" == -h || "$1" == --help ]]; then
  echo "usage: $(basename "$0") BASE_URL   (the gateway's /v1 URL)" >&2
  exit 2
fi

OPENAI_VERSION="${OPENAI_SDK_VERSION:-3.57.0}"
VENV_DIR="${OPENAI_SDK_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/exobrain-venvs/openai-$OPENAI_VERSION}"

ensure_python_venv "$VENV_DIR" "openai==$OPENAI_VERSION"
exec "$VENV_DIR/bin/python" "$ROOT/scripts/agent/openai_sdk_check.py" "$1"
