#!/bin/bash
# `synaxic-backup` inside the repository container (docker exec <container> synaxic-backup ...):
#   init               create the stanza (idempotent), check archiving end to end, take a first full backup if none
#   run full|diff|incr take a backup now
#   info               the repository's backups and WAL, as pgbackrest prints them (--output=json with json)
set -Eeuo pipefail
# shellcheck source=../scripts/entrypoint-lib.sh
source /usr/local/lib/synaxic/entrypoint-lib.sh
SYNAXIC_SERVICE=backup
# shellcheck source=/dev/null
source /etc/synaxic/backup/schedule.env

pgbr() {
  if [ "$(id -u)" = 0 ]; then run_as postgres pgbackrest --stanza="$STANZA" "$@"; else pgbackrest --stanza="$STANZA" "$@"; fi
}

# The primary may still be starting, or its pgBackRest server not yet listening: a few tries, then its message.
create_stanza() {
  local tries=30 out
  until out=$(pgbr stanza-create 2>&1); do
    tries=$((tries - 1))
    [ "$tries" -gt 0 ] || { printf '%s\n' "$out" >&2; die "stanza $STANZA could not be created: the primary's pgBackRest server must be reachable (port backupPort on the master host)"; }
    sleep 2
  done
}

has_backup() { pgbr info --output=json | grep -q '"label"'; }

init() {
  create_stanza
  # A WAL switch archived and found in the repository: archiving works end to end.
  pgbr check
  if has_backup; then
    log "the repository holds backups already: none taken now"
  else
    log "first full backup"
    pgbr backup --type=full
  fi
}

main() {
  case "${1:-}" in
    init) init ;;
    run)
      case "${2:-}" in full|diff|incr) ;; *) die "usage: synaxic-backup run full|diff|incr" ;; esac
      pgbr backup --type="$2"
      ;;
    info) if [ "${2:-}" = json ]; then pgbr info --output=json; else pgbr info; fi ;;
    *) die "usage: synaxic-backup init | run full|diff|incr | info [json]" ;;
  esac
}

main "$@"
