#!/bin/bash
# `synaxic-sync-roles` (inside the primary container): set the application and replication roles' passwords to
# the configured ones, from uploaded SCRAM verifiers (the primary never sees a password). Does nothing on a standby.
set -Eeuo pipefail
# shellcheck source=../scripts/entrypoint-lib.sh
source /usr/local/lib/synaxic/entrypoint-lib.sh
SYNAXIC_SERVICE=roles
readonly UPLOADS=/etc/synaxic/uploads
add_postgres_bin_to_path
wait_for_postgres
if [ "$(psql -X -At -h /var/run/postgresql -U postgres -d postgres -c 'SELECT pg_is_in_recovery()')" = t ]; then
  log "standby: roles come from the primary"
  exit 0
fi
{
  psql_set app_user "$UPLOADS/app.user"
  psql_set app_verifier "$UPLOADS/app.scram"
  psql_set replication_user "$UPLOADS/replication.user"
  psql_set replication_verifier "$UPLOADS/replication.scram"
  cat /etc/synaxic/sql/sync-role-passwords.sql
  # Monitoring on: the exporters' role.
  if [ -f "$UPLOADS/monitor.scram" ]; then
    psql_set monitor_user "$UPLOADS/monitor.user"
    psql_set monitor_verifier "$UPLOADS/monitor.scram"
    cat /etc/synaxic/sql/sync-monitor-role.sql
  fi
  # The role a returning old primary rewinds as (pg_rewind), on whichever host leads later.
  if [ -f "$UPLOADS/rewind.scram" ]; then
    psql_set rewind_user "$UPLOADS/rewind.user"
    psql_set rewind_verifier "$UPLOADS/rewind.scram"
    cat /etc/synaxic/sql/sync-rewind-role.sql
  fi
} | psql -X -q -v ON_ERROR_STOP=1 -h /var/run/postgresql -U postgres -d postgres -f -
log "role passwords in sync with the configuration"
