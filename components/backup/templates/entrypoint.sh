#!/bin/bash
# pgBackRest containers, from the PostgreSQL image (which carries pgBackRest):
#   entrypoint.sh db-server    the TLS server beside a primary: the repository reads the primary's files through it
#   entrypoint.sh repository   the repository: TLS server for the database hosts, and the backup schedule
#   entrypoint.sh healthcheck  the TLS server answers
set -Eeuo pipefail
# shellcheck source=../scripts/entrypoint-lib.sh
source /usr/local/lib/synaxic/entrypoint-lib.sh
SYNAXIC_SERVICE=pgbackrest

readonly UPLOADS=/etc/synaxic/uploads
readonly CONF=/etc/pgbackrest/pgbackrest.conf
readonly REPO=/var/lib/pgbackrest
readonly SCHEDULE=/etc/synaxic/backup/schedule.env

require_pgbackrest() {
  command -v pgbackrest >/dev/null \
    || die "this image has no pgbackrest: backups need a PostgreSQL image with pgBackRest installed (docs/backups.md), or no backupDockerHost"
}

install_files() {
  install_pgbackrest_conf "$UPLOADS/pgbackrest.conf"
  install_file 0644 postgres "$UPLOADS/ca.crt" /etc/synaxic/tls/ca.crt
  install_file 0644 postgres "$UPLOADS/server.crt" /etc/synaxic/tls/server.crt
  install_file 0600 postgres "$UPLOADS/server.key" /etc/synaxic/tls/server.key
  chmod 0750 /etc/synaxic/tls
  chown root:postgres /etc/synaxic/tls
}

# The backup of the day: full on FULL_DAY (or daily), differential otherwise.
backup_of_the_day() {
  local kind="diff"
  if [ "$FULL_DAY" = daily ] || [ "$(date -u +%a | tr '[:upper:]' '[:lower:]')" = "$FULL_DAY" ]; then kind="full"; fi
  synaxic-backup run "$kind"
}

run_schedule() {
  # shellcheck source=/dev/null
  source "$SCHEDULE"
  every_day_at "$BACKUP_TIME" backup_of_the_day
}

# The TLS server and the schedule side by side; either ending ends the container (its restart policy brings both back).
run_repository() {
  install -d -o postgres -g postgres -m 0750 "$REPO"
  chown postgres:postgres "$REPO"
  run_as postgres pgbackrest server &
  local server=$!
  run_schedule &
  local schedule=$!
  trap 'kill -TERM "$server" "$schedule" 2>/dev/null; wait "$server"; exit 0' TERM INT
  log "repository serving on port $(sed -n 's/^tls-server-port=//p' "$CONF"); backups at $(sed -n 's/^BACKUP_TIME=//p' "$SCHEDULE") UTC"
  wait -n "$server" "$schedule"
  die "the pgBackRest server or the schedule stopped"
}

readonly TEXTFILE_DIR=/var/lib/synaxic/textfile
readonly BACKUP_METRICS_SQL=/etc/synaxic/sql/backup-metrics.sql

# Beside a database host: every minute, the repositories' newest backups as a metric for the host exporter (a
# textfile in a volume both share). This host's certificate is a client the repository lets read the stanza. A
# failed attempt leaves the last file: its timestamps age until SynaxicBackupTooOld says so.
publish_backup_metrics() {
  local stanza info out
  stanza=$(sed -n 's/^\[\(.*\)\]$/\1/p' "$CONF" | grep -vx global | head -n 1)
  while true; do
    if info=$(run_as postgres pgbackrest --stanza="$stanza" --log-level-console=error info --output=json 2>/dev/null) \
      && out=$(run_as postgres psql -X -At -q -h /var/run/postgresql -U postgres -d postgres -v info="$info" \
        -f "$BACKUP_METRICS_SQL" 2>/dev/null); then
      {
        echo "# HELP synaxic_backup_newest_completion_timestamp_seconds When the repository's newest backup finished."
        echo "# TYPE synaxic_backup_newest_completion_timestamp_seconds gauge"
        echo "$out"
      } >"$TEXTFILE_DIR/backup.prom.tmp" && mv "$TEXTFILE_DIR/backup.prom.tmp" "$TEXTFILE_DIR/backup.prom"
    fi
    sleep 60
  done
}

healthcheck() { pgbackrest server-ping --tls-server-port="$(sed -n 's/^tls-server-port=//p' "$CONF")" 127.0.0.1 >/dev/null; }

main() {
  case "${1:-}" in
    healthcheck) healthcheck; return ;;
    db-server|repository) ;;
    *) die "usage: entrypoint.sh db-server|repository|healthcheck (got '${1:-}')" ;;
  esac
  require_user postgres
  require_pgbackrest
  install_files
  if [ "$1" = repository ]; then
    install_file 0644 postgres "$UPLOADS/schedule.env" "$SCHEDULE"
    run_repository
  fi
  if [ -d "$TEXTFILE_DIR" ]; then publish_backup_metrics & fi
  log "serving the primary's files to the repository"
  exec_as postgres pgbackrest server
}

main "$@"
