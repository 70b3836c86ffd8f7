#!/bin/bash
# `synaxic-promote [status]` inside the standby's container: print primary or standby; or promote it (pg_promote,
# waiting until it accepts writes). Promoting a primary does nothing, so a re-run is safe.
set -Eeuo pipefail
# shellcheck source=../scripts/entrypoint-lib.sh
source /usr/local/lib/synaxic/entrypoint-lib.sh
SYNAXIC_SERVICE=promote

sql() { psql -X -At -h /var/run/postgresql -U postgres -d postgres -c "$1"; }
state() { if [ "$(sql 'SELECT pg_is_in_recovery()')" = f ]; then echo primary; else echo standby; fi; }

main() {
  add_postgres_bin_to_path
  wait_for_postgres
  case "${1:-promote}" in
    status) state ;;
    promote)
      if [ "$(state)" = primary ]; then
        log "already the primary"
        return 0
      fi
      [ "$(sql 'SELECT pg_promote(true, 60)')" = t ] || die "pg_promote did not finish within 60 s"
      # The end-of-recovery checkpoint runs in the background: until it is done pg_control still holds the old
      # timeline, which pgBackRest refuses to back up and pg_rewind misreads. Done now.
      sql 'CHECKPOINT' >/dev/null
      log "promoted: timeline $(sql 'SELECT timeline_id FROM pg_control_checkpoint()'), accepting writes"
      ;;
    *) die "usage: synaxic-promote [status]" ;;
  esac
}

main "$@"
