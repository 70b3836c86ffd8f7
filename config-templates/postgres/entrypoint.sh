#!/bin/bash
# PostgreSQL entrypoint: fix ownership, initialise an empty primary volume once, then run postgres as PID 1.
#   entrypoint.sh primary | standby | healthcheck
set -Eeuo pipefail
# shellcheck source=../scripts/entrypoint-lib.sh
source /usr/local/lib/synaxic/entrypoint-lib.sh
SYNAXIC_SERVICE=postgres

readonly PGDATA=${PGDATA:-/var/lib/postgresql/data}
readonly CONF=/etc/synaxic/postgres/postgresql.conf
readonly UPLOADS=/etc/synaxic/uploads
readonly SOCKET_DIR=/var/run/postgresql

prepare_directories() {
  install -d -o postgres -g postgres -m 2775 "$SOCKET_DIR"
  chown postgres:postgres "$PGDATA"
  chmod 0700 "$PGDATA"
}

install_tls() {
  install_file 0644 postgres "$UPLOADS/ca.crt" /etc/synaxic/tls/ca.crt
  install_file 0644 postgres "$UPLOADS/server.crt" /etc/synaxic/tls/server.crt
  install_file 0600 postgres "$UPLOADS/server.key" /etc/synaxic/tls/server.key
  chmod 0750 /etc/synaxic/tls
  chown root:postgres /etc/synaxic/tls
}

install_passfile() {
  [ -f "$UPLOADS/replication.pgpass" ] || return 0
  install_file 0600 postgres "$UPLOADS/replication.pgpass" /etc/synaxic/postgres/replication.pgpass
}

cluster_exists() { [ -s "$PGDATA/PG_VERSION" ]; }

# Roles and database of a new primary, with the SCRAM verifiers we were given (never a password).
bootstrap_roles() {
  {
    psql_set app_user "$UPLOADS/app.user"
    psql_set app_db "$UPLOADS/app.db"
    psql_set app_verifier "$UPLOADS/app.scram"
    psql_set replication_user "$UPLOADS/replication.user"
    psql_set replication_verifier "$UPLOADS/replication.scram"
    cat /etc/synaxic/sql/bootstrap-primary.sql
  } | run_as postgres psql -X -q -v ON_ERROR_STOP=1 -h "$SOCKET_DIR" -U postgres -d postgres -f -
}

initialise_primary() {
  log "empty data directory: initialising a new primary"
  run_as postgres initdb -D "$PGDATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 --data-checksums >/dev/null
  # Socket only, and no synchronous standby to wait for: nothing can stream from a cluster that is being created.
  run_as postgres pg_ctl -D "$PGDATA" -w -t 60 -l /tmp/bootstrap.log \
    -o "-c config_file=$CONF -c listen_addresses='' -c synchronous_standby_names=''" start >/dev/null
  bootstrap_roles
  run_as postgres pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  log "primary initialised"
}

# Over TCP: the socket-only server of the first-start bootstrap must not count as up.
healthcheck() {
  add_postgres_bin_to_path
  pg_isready -q -h 127.0.0.1 -p 5432 -U postgres -d postgres
}

main() {
  local role=${1:-}
  case "$role" in
    healthcheck) healthcheck; return ;;
    primary|standby) ;;
    *) die "usage: entrypoint.sh primary|standby|healthcheck (got '$role')" ;;
  esac
  require_user postgres
  add_postgres_bin_to_path
  prepare_directories
  install_tls
  install_passfile
  if ! cluster_exists; then
    if [ "$role" = standby ]; then
      die "no cluster in $PGDATA: a standby is seeded by pg_basebackup (run 'pulumi up' on the replica stack)"
    fi
    initialise_primary
  fi
  log "starting PostgreSQL ($role) from $PGDATA"
  exec_as postgres postgres -D "$PGDATA" -c config_file="$CONF"
}

main "$@"
