#!/usr/bin/env bash
# setup.sh creates (or brings up to date) the Temporal databases and schemas in PostgreSQL with
# the pinned Temporal SQL tool (.bin/temporal-sql/sql, built by build.sh), from the schemas
# embedded in it (postgresql/v12/temporal and postgresql/v12/visibility).
#
# Idempotent: an existing database is kept, the versioning tables are created only when
# missing, and update-schema applies only versions newer than the one recorded, so a second
# run changes nothing. The same variables as the server configuration choose where:
#   TEMPORAL_PG_ADDR (127.0.0.1:5432), TEMPORAL_PG_USER (postgres), TEMPORAL_PG_PASSWORD,
#   TEMPORAL_PG_DB (careflow_temporal), TEMPORAL_PG_VISIBILITY_DB (careflow_temporal_visibility).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "${here}/.." && pwd)"
sql="${repo}/.bin/temporal-sql/sql"
if [[ ! -x "${sql}" ]]; then
  echo "temporal-pg: ${sql} not built; run temporal-pg/build.sh (make temporal-pg)" >&2
  exit 1
fi

addr="${TEMPORAL_PG_ADDR:-127.0.0.1:5432}"
host="${addr%:*}"
port="${addr##*:}"
user="${TEMPORAL_PG_USER:-postgres}"
db="${TEMPORAL_PG_DB:-careflow_temporal}"
vis_db="${TEMPORAL_PG_VISIBILITY_DB:-careflow_temporal_visibility}"
# The tool reads the password from SQL_PASSWORD, which keeps it off the command line.
export SQL_PASSWORD="${TEMPORAL_PG_PASSWORD:-}"

# tool DB ARGS...: the SQL tool against database DB, quiet unless it fails.
tool() {
  local target="$1"
  shift
  "${sql}" --plugin postgres12 --endpoint "${host}" --port "${port}" --user "${user}" \
    --database "${target}" "$@"
}

# setup DB SCHEMA: database, versioning tables and every schema version up to the latest.
setup() {
  local target="$1" schema="$2" out
  # create-database has no "if not exists"; PostgreSQL's duplicate_database is the one
  # failure that means there is nothing to do.
  if ! out="$(tool "${target}" create-database --defaultdb postgres 2>&1)"; then
    if ! grep -q 'already exists' <<<"${out}"; then
      echo "${out}" >&2
      echo "temporal-pg: cannot create database ${target} at ${addr} as ${user}" >&2
      exit 1
    fi
  fi
  # Version 0.0 with no schema file only creates the versioning tables (IF NOT EXISTS); it
  # records 0.0 only while nothing newer is recorded.
  if ! out="$(tool "${target}" setup-schema --version 0.0 2>&1)"; then
    echo "${out}" >&2
    echo "temporal-pg: cannot set up schema versioning in ${target}" >&2
    exit 1
  fi
  if ! out="$(tool "${target}" update-schema --schema-name "${schema}" 2>&1)"; then
    echo "${out}" >&2
    echo "temporal-pg: cannot update ${target} to the latest ${schema} schema" >&2
    exit 1
  fi
  echo "temporal-pg: ${target} is at the latest ${schema} schema"
}

setup "${db}" postgresql/v12/temporal
setup "${vis_db}" postgresql/v12/visibility
