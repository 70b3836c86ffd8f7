#!/bin/bash
# `docker exec <postgres container> check-replication-status`: what the old guide's script showed,
# from the same SQL the status command uses.
set -Eeuo pipefail
# shellcheck source=../scripts/entrypoint-lib.sh
source /usr/local/lib/synaxic/entrypoint-lib.sh
SYNAXIC_SERVICE=status
add_postgres_bin_to_path

psql_file() { psql -X -v ON_ERROR_STOP=1 -h /var/run/postgresql -U postgres -d postgres -x -f "$1"; }

if [ "$(psql -X -At -h /var/run/postgresql -U postgres -d postgres -c 'SELECT pg_is_in_recovery()')" = t ]; then
  echo "== standby"
  psql_file /etc/synaxic/sql/status-standby.sql
else
  echo "== primary: standbys"
  psql_file /etc/synaxic/sql/status-primary-replicas.sql
  echo "== primary: replication slots"
  psql_file /etc/synaxic/sql/status-primary-slots.sql
fi
