#!/bin/bash
# Manage the physical replication slot of one replica on this primary (run inside the primary container).
#   synaxic-slot ensure <slot>   create it unless it exists
#   synaxic-slot drop <slot>     end its sender and drop it
#   synaxic-slot reset <slot>    drop and create it again (a slot lost to max_slot_wal_keep_size, before a re-seed)
set -Eeuo pipefail
# shellcheck source=../scripts/entrypoint-lib.sh
source /usr/local/lib/synaxic/entrypoint-lib.sh
SYNAXIC_SERVICE=slot
add_postgres_bin_to_path

run_sql() { # <file> <slot>
  psql -X -q -At -v ON_ERROR_STOP=1 -h /var/run/postgresql -U postgres -d postgres -v slot="$2" -f "$1"
}

main() {
  local action=${1:-} slot=${2:-}
  [[ "$slot" =~ ^[a-z0-9_]{1,63}$ ]] || die "slot name must be 1-63 of a-z, 0-9, _ (got '$slot')"
  wait_for_postgres
  case "$action" in
    ensure) run_sql /etc/synaxic/sql/ensure-slot.sql "$slot" ;;
    drop) run_sql /etc/synaxic/sql/drop-slot.sql "$slot" ;;
    reset)
      run_sql /etc/synaxic/sql/drop-slot.sql "$slot"
      run_sql /etc/synaxic/sql/ensure-slot.sql "$slot"
      ;;
    *) die "usage: synaxic-slot ensure|drop|reset <slot>" ;;
  esac
  log "slot $slot: $action done"
}

main "$@"
