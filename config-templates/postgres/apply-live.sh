#!/bin/bash
# `synaxic-apply-live <hash>` (inside a PostgreSQL container): apply /etc/synaxic/live/postgresql.conf with a
# reload. Exit 0 when everything applied live, 3 when a changed setting needs a restart, 1 when the file is not the
# rendered one or the server refuses a value (the previous file is then put back and reloaded: a restart never meets
# the refused one).
set -Eeuo pipefail
# shellcheck source=../scripts/entrypoint-lib.sh
source /usr/local/lib/synaxic/entrypoint-lib.sh
SYNAXIC_SERVICE=live-settings
readonly FILE=/etc/synaxic/live/postgresql.conf
# The standbys a primary streams to, "<address> <port> <replication role>" lines (the entrypoint's peers).
readonly PEERS=/etc/synaxic/uploads/peers
# A standby must run with at least the primary's values of these: below them it stops replaying.
readonly STANDBY_AT_LEAST=(max_connections max_prepared_transactions max_locks_per_transaction max_worker_processes)

sql() { psql -X -At -h /var/run/postgresql -U postgres -d postgres -c "$1"; }

# A primary restarts to raise one of STANDBY_AT_LEAST only once each standby that answers runs at least the new value:
# PostgreSQL's order (the standby first). A standby that does not answer cannot be asked; the log says so.
refuse_before_the_standbys() { # <settings pending a restart, ", "-separated>
  [ -f "$PEERS" ] && [ "$(sql "SELECT pg_is_in_recovery()")" = f ] || return 0
  local name new host port user theirs
  for name in "${STANDBY_AT_LEAST[@]}"; do
    [[ ", $1, " == *", $name, "* ]] || continue
    new=$(sql "SELECT setting FROM pg_file_settings WHERE name = '$name' ORDER BY seqno DESC LIMIT 1")
    while read -r host port user; do
      [ -n "$host" ] || continue
      if ! theirs=$(ask_peer "$host" "$port" "$user" "SHOW $name"); then
        log "the standby at $host:$port does not answer: it must run $name $new or more before it replays again"
        continue
      fi
      [ "$theirs" -ge "$new" ] \
        || die "$name rises to $new here, but the standby at $host:$port runs $theirs: PostgreSQL requires the standby first (below the primary's value it stops replaying). Nothing restarted. Raise it on the replica stack and apply that first (pulumi config set --stack replica --path 'postgresParameters[N]' $name=$new && pulumi up --stack replica), then pulumi up here again (docs/configuration.md, Tuning)"
    done <"$PEERS"
  done
}

reload() {
  local before
  before=$(sql "SELECT pg_conf_load_time()")
  sql "SELECT pg_reload_conf()" >/dev/null
  for _ in $(seq 1 50); do
    [ "$(sql "SELECT pg_conf_load_time()")" != "$before" ] && break
    sleep 0.1
  done
}

# Lines the server refused. PostgreSQL says 'setting could not be applied' both for a value it refuses and for a
# change that waits for a restart: only the latter marks the setting pending_restart.
refused() {
  sql "SELECT string_agg(coalesce(f.name || ' = ' || f.setting, 'line ' || f.sourceline) || ': ' || f.error, '; ') FROM pg_file_settings f LEFT JOIN pg_settings s USING (name) WHERE f.error IS NOT NULL AND NOT coalesce(s.pending_restart, false)"
}

put_back_previous() {
  [ -f "$FILE.prev" ] || return 0
  mv "$FILE" "$FILE.refused"
  cp -p "$FILE.prev" "$FILE"
  reload
}

main() {
  local actual errors pending
  actual=$(sha256sum "$FILE" | cut -c1-12)
  [ "$actual" = "${1:-}" ] || die "$FILE is $actual, not the rendered ${1:-?}: it was written by something else"
  add_postgres_bin_to_path
  reload
  errors=$(refused)
  if [ -n "$errors" ]; then
    put_back_previous
    die "the server refused: $errors (its log says why). The previous settings were put back; fix the value in postgresParameters and run pulumi up again"
  fi
  pending=$(sql "SELECT string_agg(name, ', ') FROM pg_settings WHERE pending_restart")
  if [ -n "$pending" ]; then
    refuse_before_the_standbys "$pending"
    log "reloaded; a restart is needed for: $pending"
    exit 3
  fi
  log "reloaded: every setting applied live"
}

main "$@"
