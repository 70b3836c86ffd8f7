#!/bin/bash
# `synaxic-promote [status]` inside the standby's container: print primary or standby; or promote it (pg_promote,
# waiting until it accepts writes). Promoting a primary does nothing, so a re-run is safe.
set -Eeuo pipefail
# shellcheck source=../scripts/entrypoint-lib.sh
source /usr/local/lib/synaxic/entrypoint-lib.sh
SYNAXIC_SERVICE=promote
readonly PROMOTE_WAIT_SECONDS=300

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
      # pg_promote without its wait, then asked in short queries: a query waiting inside pg_promote holds a snapshot,
      # and replaying what is left of the WAL (after a crash, everything since the last restartpoint) cancels it on a
      # conflict with recovery. The request stands while the server runs, so a wait cut short loses nothing.
      [ "$(sql 'SELECT pg_promote(false)')" = t ] || die "pg_promote refused to signal the promotion"
      local deadline=$((SECONDS + PROMOTE_WAIT_SECONDS))
      until [ "$(state)" = primary ]; do
        [ "$SECONDS" -lt "$deadline" ] \
          || die "still replaying WAL ${PROMOTE_WAIT_SECONDS} s after the promotion was asked for (SELECT pg_last_wal_replay_lsn() shows its progress): it goes on, run 'pulumi up' on this stack again to finish"
        sleep 0.1
      done
      # The end-of-recovery checkpoint runs in the background: until it is done pg_control still holds the old
      # timeline, which pgBackRest refuses to back up and pg_rewind misreads. Done now.
      sql 'CHECKPOINT' >/dev/null
      log "promoted: timeline $(sql 'SELECT timeline_id FROM pg_control_checkpoint()'), accepting writes"
      ;;
    *) die "usage: synaxic-promote [status]" ;;
  esac
}

main "$@"
