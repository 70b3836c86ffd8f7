#!/bin/bash
# A stopped cluster handled by hand, as an operator might, in a throw-away container of the PostgreSQL image with its
# volume at PGDATA and no network (tests/e2e/split-brain.ts runs it): a server on a socket only, cut off from all.
#   by-hand.sh write <row> crash     a divergent row, WAL kept as the container's live.conf keeps it (wal_keep_size
#                                    64MB), stopped as a crash stops it: the rejoin finishes its recovery itself
#   by-hand.sh write <row> recycle   the same on the cluster's defaults, then checkpoints and a clean stop: the WAL
#                                    back to the fork is recycled and pg_rewind cannot rewind it
#   by-hand.sh count-divergent       how many divergent rows the cluster holds
set -Eeuo pipefail
readonly PGDATA=/var/lib/postgresql/data
PATH="$(echo /usr/lib/postgresql/*/bin):$PATH"

pg() { runuser -u postgres -- "$@"; }
sql() { pg psql -X -q -At -v ON_ERROR_STOP=1 -h /tmp -U postgres -d synaxic -c "$1"; }
start() { # [<more -c settings>]
  pg pg_ctl -D "$PGDATA" -w -l /tmp/pg.log \
    -o "-c listen_addresses='' -c unix_socket_directories=/tmp -c synchronous_standby_names='' -c archive_mode=off ${1:-}" \
    start >/dev/null
}

write() { # <row> crash|recycle
  case "$2" in
    crash)
      start "-c wal_keep_size=64MB"
      sql "INSERT INTO fault_writes (run, n) VALUES ('divergent', $1)"
      pg pg_ctl -D "$PGDATA" -m immediate -w stop >/dev/null
      ;;
    recycle)
      start
      sql "INSERT INTO fault_writes (run, n) VALUES ('divergent', $1)"
      sql "SELECT pg_switch_wal()" >/dev/null
      sql CHECKPOINT
      sql "SELECT pg_switch_wal()" >/dev/null
      sql CHECKPOINT
      pg pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
      ;;
    *) echo "usage: by-hand.sh write <row> crash|recycle" >&2; exit 2 ;;
  esac
}

case "${1:-}" in
  write) write "$2" "$3" ;;
  count-divergent)
    start
    sql "SELECT count(*) FROM fault_writes WHERE run = 'divergent'"
    ;;
  *) echo "usage: see the top of tests/e2e/by-hand.sh" >&2; exit 2 ;;
esac
