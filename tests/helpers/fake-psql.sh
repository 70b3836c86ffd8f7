#!/bin/bash
# A stand-in for psql in unit tests of the scripts that drive a PostgreSQL server over its socket. Each call appends
# "<n> <user> <database>" to $FAKE_PSQL_DIR/calls, and what it was given (-c text, or its standard input) to
# $FAKE_PSQL_DIR/<n>.sql. Answers:
#   the superuser probe (rolsuper of current_user): t for the users listed in FAKE_PSQL_SUPERUSERS;
#   the list of databases: FAKE_PSQL_DATABASES (one a line), or a refused connection with FAKE_PSQL_DATABASES_FAIL;
#   a script containing FAKE_PSQL_STATE_MARK: FAKE_PSQL_STATE;
#   a script containing FAKE_PSQL_FAIL_MARK in database FAKE_PSQL_FAIL_DB (any, when empty): an error, status 3.
set -Eeuo pipefail
user="" command="" database=${PGDATABASE:-}
while [ "$#" -gt 0 ]; do
  case "$1" in
    -U) user=$2; shift 2 ;;
    -d) database=$2; shift 2 ;;
    -c) command=$2; shift 2 ;;
    -Atc) command=$2; shift 2 ;;
    -h | -F | -v | -f) shift 2 ;;
    *) shift ;;
  esac
done
n=$(($(wc -l <"$FAKE_PSQL_DIR/calls" 2>/dev/null || echo 0) + 1))
echo "$n $user $database" >>"$FAKE_PSQL_DIR/calls"
if [ -n "$command" ]; then
  printf '%s\n' "$command" >"$FAKE_PSQL_DIR/$n.sql"
else
  cat >"$FAKE_PSQL_DIR/$n.sql"
fi
sql=$(cat "$FAKE_PSQL_DIR/$n.sql")
case "$sql" in
  *"SELECT rolsuper FROM pg_roles WHERE rolname = current_user"*)
    if grep -qxF "$user" <<<"${FAKE_PSQL_SUPERUSERS:-}"; then echo t; else echo f; fi
    ;;
  *"SELECT datname FROM pg_database"*)
    if [ -n "${FAKE_PSQL_DATABASES_FAIL:-}" ]; then
      echo "psql: error: connection to server failed" >&2
      exit 2
    fi
    printf '%s\n' "${FAKE_PSQL_DATABASES:-}"
    ;;
  *)
    if [ -n "${FAKE_PSQL_FAIL_MARK:-}" ] && [[ "$sql" == *"$FAKE_PSQL_FAIL_MARK"* ]] \
      && { [ -z "${FAKE_PSQL_FAIL_DB:-}" ] || [ "$FAKE_PSQL_FAIL_DB" = "$database" ]; }; then
      echo "psql:<stdin>:1: ERROR:  failed as the test asked" >&2
      exit 3
    fi
    if [ -n "${FAKE_PSQL_STATE_MARK:-}" ] && [[ "$sql" == *"$FAKE_PSQL_STATE_MARK"* ]]; then
      echo "$FAKE_PSQL_STATE"
    fi
    ;;
esac
