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

PYTHON="${PYTHON:-python3}"
OPENAI_VERSION="${OPENAI_SDK_VERSION:-3.57.0}"
VENV_DIR="${OPENAI_SDK_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/exobrain-venvs/openai-$OPENAI_VERSION}"
REQUIREMENTS="openai==$OPENAI_VERSION"
STAMP="$VENV_DIR/.exobrain-requirements"

ensure_venv() {
  if [[ -x "$VENV_DIR/bin/python" && "$(cat "$STAMP" 2>/dev/null)" == "$REQUIREMENTS" ]]; then
    return 0
  fi
  command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found (Debian: apt-get install python3 python3-venv)"
  if [[ ! -x "$VENV_DIR/bin/python" ]]; then
    info "creating Python venv $VENV_DIR" >&2
    mkdir -p "$(dirname "$VENV_DIR")"
    if ! "$PYTHON" -m venv "$VENV_DIR" >/dev/null 2>&1; then
      rm -rf "$VENV_DIR"
      apt_install python3-venv >&2
      "$PYTHON" -m venv "$VENV_DIR" || die "cannot create a venv with $PYTHON"
    fi
  fi
  info "installing $REQUIREMENTS into $VENV_DIR" >&2
  "$VENV_DIR/bin/python" -m pip install --quiet --disable-pip-version-check "$REQUIREMENTS" >&2 ||
    die "pip install of $REQUIREMENTS failed"
  printf '%s' "$REQUIREMENTS" >"$STAMP"
}

ensure_venv
exec "$VENV_DIR/bin/python" "$ROOT/scripts/agent/openai_sdk_check.py" "$1"
