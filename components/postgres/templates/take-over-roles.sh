#!/bin/bash
# `synaxic-take-over-roles` (the entrypoint runs it, as root, while its server listens on the socket only): bring the
# roles of a cluster made elsewhere to what the program expects. The guide made the application role (dbUser) the
# bootstrap superuser, OID 10, which PostgreSQL keeps a superuser (ALTER ROLE ... NOSUPERUSER is refused from 16 on),
# whose objects REASSIGN OWNED refuses to give away, and which a session cannot rename while logged in as it. So:
#   1. take-over-primary.sql: the app database, pg_monitor, the replication role (and postgres, unless step 3 makes it);
#   2. app-role-helper.sql, as the app role: a helper superuser (an earlier take-over's postgres role, or a new one);
#   3. app-role-swap.sql, as the helper: OID 10 becomes postgres, a new role takes the app's name, password, settings,
#      memberships and shared objects;
#   4. app-role-objects.sql, in each database: what the app made passes from OID 10 to the new role;
#   5. app-role-helper-retire.sql, app-role-helper-objects.sql in each database: the helper gives back what it owns;
#   6. app-role-finish.sql: the helper goes; the app role keeps LOGIN and no attribute beyond it.
# Each step is one transaction per database and the state is read from the catalog, so a run cut off anywhere is
# finished by the next one; a superuser to connect as is always there (OID 10, named either the app's name or
# postgres). A cluster already in shape goes through steps 1 and 6 only, which change nothing.
set -Eeuo pipefail
# shellcheck source=../scripts/entrypoint-lib.sh
source /usr/local/lib/synaxic/entrypoint-lib.sh
SYNAXIC_SERVICE=postgres
readonly UPLOADS=/etc/synaxic/uploads
readonly SQL=/etc/synaxic/sql
readonly SOCKET_DIR=/var/run/postgresql
# The helper superuser while the application's objects move, and its name once they have all moved.
readonly HELPER=synaxic_takeover
readonly RETIRING=synaxic_takeover_retiring

APP_USER=$(cat "$UPLOADS/app.user")
readonly APP_USER

# <role> <database> <sql file> [<psql variable> <upload>]...: the file as <role>, over the socket, stopping at the
# first error; variables from uploads, then helper, retiring and app_user.
run_sql() {
  local role=$1 database=$2 file=$3
  shift 3
  {
    while [ "$#" -gt 0 ]; do
      psql_set "$1" "$UPLOADS/$2"
      shift 2
    done
    printf '\\set helper %s\n\\set retiring %s\n' "$HELPER" "$RETIRING"
    psql_set app_user "$UPLOADS/app.user"
    cat "$SQL/$file"
  } | PGDATABASE=$database PGOPTIONS='-c client_min_messages=warning' \
    run_as postgres psql -X -q -At -F ' ' -v ON_ERROR_STOP=1 -h "$SOCKET_DIR" -U "$role" -f -
}

# A superuser we can connect as over the socket: postgres, or the application role (the guide's POSTGRES_USER).
admin_role() {
  local role
  for role in postgres "$APP_USER"; do
    if run_as postgres psql -X -q -h "$SOCKET_DIR" -U "$role" -d postgres -Atc 'SELECT rolsuper FROM pg_roles WHERE rolname = current_user' 2>/dev/null | grep -qx t; then
      echo "$role"
      return 0
    fi
  done
  die "neither postgres nor $APP_USER is a superuser of this cluster: the cluster to take over must have one of them (the guide's POSTGRES_USER is dbUser)"
}

# Every database that takes connections (template0 does not), one name a line.
databases() {
  run_as postgres psql -X -q -At -h "$SOCKET_DIR" -U postgres -d postgres \
    -c 'SELECT datname FROM pg_database WHERE datallowconn ORDER BY oid'
}

# Read first, so a failed read stops the run instead of skipping every database.
in_each_database() { # <sql file>
  local list database
  list=$(databases)
  while IFS= read -r database; do
    run_sql postgres "$database" "$1" >/dev/null
  done <<<"$list"
}

swap_bootstrap_superuser() {
  log "the application role $APP_USER is the bootstrap superuser: renaming it postgres, and giving its name and objects to a new role without superuser"
  run_sql "$APP_USER" postgres app-role-helper.sql >/dev/null
  run_sql "$HELPER" postgres app-role-swap.sql app_db app.db app_verifier app.scram >/dev/null
}

main() {
  [ "$APP_USER" != postgres ] \
    || die "dbUser is postgres, the name of the program's own superuser: set another one (pulumi config set dbUser <name>) and keep the application's password (postgresPassword)"
  local admin state app helper
  log "bringing the roles of the cluster to what the program expects"
  admin=$(admin_role)
  run_sql "$admin" postgres take-over-primary.sql app_db app.db replication_user replication.user >/dev/null
  state=$(run_sql "$admin" postgres app-role-state.sql)
  read -r app helper <<<"$state"
  # The helper only retires once the swap is done: never beside an app role that is still the bootstrap superuser.
  [[ "$app $helper" =~ ^(bootstrap\ (swap|none)|role\ (swap|retiring|none))$ ]] \
    || die "the roles of this cluster are not as expected (app role $APP_USER: ${app:-?}, helper: ${helper:-?})"
  if [ "$app" = bootstrap ]; then
    swap_bootstrap_superuser
    helper=swap
  fi
  if [ "$helper" = swap ]; then
    log "moving what $APP_USER made from postgres to the new $APP_USER, database by database"
    in_each_database app-role-objects.sql
    run_sql postgres postgres app-role-helper-retire.sql >/dev/null
    helper=retiring
  fi
  if [ "$helper" = retiring ]; then
    in_each_database app-role-helper-objects.sql
  fi
  run_sql postgres postgres app-role-finish.sql >/dev/null
  log "roles in shape: postgres is the superuser (local socket only), $APP_USER has LOGIN and nothing more"
}

main "$@"
