# shellcheck shell=bash
# Role/database bootstrap shared by both profiles (scripts/agent/db-setup.sh
# and scripts/local/*-db-setup.sh). Sourced, never executed.
#
# bootstrap_service_db SERVICE_DSN [EXTENSION...] connects with the admin
# POSTGRES_DSN and makes sure that the login role, password and database named
# in SERVICE_DSN exist, that the database is owned by that role and closed to
# PUBLIC, and that the extensions are installed in it. Safe to re-run.
# Needs scripts/agent/lib.sh (info, die) sourced first.

if ! declare -F die >/dev/null; then
  echo "db-bootstrap.sh: source scripts/agent/lib.sh before this file" >&2
  return 1
fi

# --------------------------------------------------------- DSN parsing
# Only the shape postgresql://USER[:PASSWORD]@HOST[:PORT]/DBNAME[?QUERY] is
# understood; percent-encoded characters are not decoded.
_dsn_authority() {
  local rest="${1#*://}"
  rest="${rest%%\?*}"
  printf '%s\n' "${rest%%/*}"
}
# _dsn_credential DSN user|password: that part of USER[:PASSWORD]@ (nothing
# when the DSN has none).
_dsn_credential() {
  local auth
  auth="$(_dsn_authority "$1")"
  [[ "$auth" == *@* ]] || return 0
  auth="${auth%@*}"
  case "$2" in
    user) printf '%s\n' "${auth%%:*}" ;;
    password) if [[ "$auth" == *:* ]]; then printf '%s\n' "${auth#*:}"; fi ;;
  esac
}
dsn_user() { _dsn_credential "$1" user; }
dsn_password() { _dsn_credential "$1" password; }
dsn_dbname() {
  local rest="${1#*://}"
  rest="${rest%%\?*}"
  [[ "$rest" == */* ]] || return 0
  printf '%s\n' "${rest#*/}"
}
# dsn_with_db DSN DBNAME: the same DSN pointing at another database.
dsn_with_db() {
  local dsn="$1" db="$2" scheme query=""
  scheme="${dsn%%://*}"
  [[ "$dsn" == *\?* ]] && query="?${dsn#*\?}"
  printf '%s://%s/%s%s\n' "$scheme" "$(_dsn_authority "$dsn")" "$db" "$query"
}

# psql_dsn DSN ARGS...: non-interactive psql that stops on the first error.
psql_dsn() {
  local dsn="$1"
  shift
  PGCONNECT_TIMEOUT="${PGCONNECT_TIMEOUT:-5}" psql "$dsn" -X -w -q -v ON_ERROR_STOP=1 "$@"
}
# admin_psql ARGS...: psql_dsn with the admin POSTGRES_DSN.
admin_psql() { psql_dsn "$POSTGRES_DSN" "$@"; }

require_admin_connection() {
  command -v psql >/dev/null 2>&1 ||
    die "psql not found: install the PostgreSQL client (Debian: postgresql-client) or use nix-shell"
  [[ -n "${POSTGRES_DSN:-}" ]] || die "POSTGRES_DSN is not set"
  local err
  if ! err="$(admin_psql -tAc 'SELECT 1' 2>&1)"; then
    die "cannot connect with POSTGRES_DSN=$POSTGRES_DSN: ${err//$'\n'/ }
  hint: start PostgreSQL and create the superuser role exobrain/exobrain
        (native: scripts/agent/native-infra-up.sh; workstation: scripts/local/infra-up.sh)"
  fi
  [[ "$(admin_psql -tAc 'SELECT rolsuper FROM pg_roles WHERE rolname = current_user')" == t ]] ||
    die "the role in POSTGRES_DSN is not a superuser (needed to create roles, databases and extensions)"
}

bootstrap_service_db() {
  local dsn="$1"
  shift
  local role password db state ext
  role="$(dsn_user "$dsn")"
  password="$(dsn_password "$dsn")"
  db="$(dsn_dbname "$dsn")"
  [[ -n "$role" && -n "$db" ]] || die "cannot read role and database from DSN: $dsn"

  state="$(admin_psql -tA -v role="$role" -v db="$db" <<'SQL'
SELECT (SELECT count(*) FROM pg_roles WHERE rolname = :'role')
    || ' ' || (SELECT count(*) FROM pg_database WHERE datname = :'db');
SQL
)"

  admin_psql -v role="$role" -v password="$password" -v db="$db" <<'SQL'
SELECT format('CREATE ROLE %I', :'role')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
SELECT CASE WHEN :'password' = '' THEN format('ALTER ROLE %I WITH LOGIN', :'role')
            ELSE format('ALTER ROLE %I WITH LOGIN PASSWORD %L', :'role', :'password') END \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'role')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
SELECT format('ALTER DATABASE %I OWNER TO %I', :'db', :'role') \gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'db') \gexec
SELECT format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', :'db', :'role') \gexec
SQL

  if (($# > 0)); then
    {
      printf 'SET client_min_messages TO warning;\n'
      for ext in "$@"; do
        printf 'CREATE EXTENSION IF NOT EXISTS "%s";\n' "$ext"
      done
    } | psql_dsn "$(dsn_with_db "$POSTGRES_DSN" "$db")"
  fi

  case "$state" in
    "0 "*) info "created role $role" ;;
    *) info "role $role exists (login and password ensured)" ;;
  esac
  case "$state" in
    *" 0") info "created database $db owned by $role" ;;
    *) info "database $db exists (owner $role ensured)" ;;
  esac
  if (($# > 0)); then
    info "extensions in $db: $*"
  fi
}
