#!/bin/bash
# `synaxic-apply-live <name>=<hash>,...` (inside a PostgreSQL container): apply the live folder the host wrote
# (scripts/write-live.sh) with a reload: the settings (postgresql.conf) and pg_hba.conf where they are, the TLS files
# and the passfile copied where the server reads them, owned by postgres; the peers and the slots are read where they
# are. Exit 0 when everything applied live, 3 when a changed setting needs a restart, 1 when a file is not the
# rendered one or the server refuses one (the files it ran with are then put back and reloaded: a restart never meets
# the refused ones).
set -Eeuo pipefail
# shellcheck source=../scripts/entrypoint-lib.sh
source /usr/local/lib/synaxic/entrypoint-lib.sh
SYNAXIC_SERVICE=live-settings
# The standbys a primary streams to, "<address> <port> <replication role>" lines (the entrypoint's peers).
readonly PEERS=$LIVE_DIR/peers
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
    # The files' last value (a change waiting for the restart reads 'could not be applied' there too); a setting taken
    # out of the files goes back to its built-in default at the restart.
    new=$(sql "SELECT coalesce((SELECT setting FROM pg_file_settings WHERE name = '$name' ORDER BY seqno DESC LIMIT 1), (SELECT boot_val FROM pg_settings WHERE name = '$name'))")
    [[ $new =~ ^[0-9]+$ ]] || die "$name: cannot read the value the restart would take (got '$new')"
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

# pg_hba.conf's lines the server would refuse: pg_hba_file_rules reads the file on disk, not the rules in force, so it
# judges the new file before a reload does (a reload that fails to read it keeps the old rules, and a start fails).
hba_refused() {
  sql "SELECT string_agg('line ' || line_number || ': ' || error, '; ') FROM pg_hba_file_rules WHERE error IS NOT NULL"
}

tls_changed() { grep -qE '[.](crt|key)$' <<<"$1"; }

# The files of this run back as the server ran with them, and in force again; then the up fails with <why>.
refuse() { # <why> <changed files, one a line>
  # shellcheck disable=SC2086 # names without spaces, one a line
  put_back_live_files $2
  install_postgres_live_files
  reload
  die "$1. The files the server ran with were put back"
}

main() {
  local changed errors pending
  require_rendered_live_files "${1:-}"
  add_postgres_bin_to_path
  changed=$(changed_live_files "$1")
  errors=$(hba_refused)
  [ -z "$errors" ] || refuse "the server refuses the new pg_hba.conf: $errors; fix what renders it (replicas, appCidrs) and run pulumi up again" "$changed"
  errors=$(tls_files_refused "$LIVE_DIR/ca.crt" "$LIVE_DIR/server.crt" "$LIVE_DIR/server.key")
  [ -z "$errors" ] || refuse "the new TLS files cannot serve: $errors" "$changed"
  install_postgres_live_files
  reload
  errors=$(refused)
  [ -z "$errors" ] || refuse "the server refused: $errors (its log says why); fix the value in postgresParameters and run pulumi up again" "$changed"
  if tls_changed "$changed" && ! serves_certificate 5432 postgres /etc/synaxic/tls/server.crt /etc/synaxic/tls/server.key; then
    refuse "the server did not take the new certificate (its log says why: SSL configuration was not reloaded)" "$changed"
  fi
  record_applied_live_files
  [ -z "$changed" ] || log "reloaded with the new $(tr '\n' ' ' <<<"$changed")"
  pending=$(sql "SELECT string_agg(name, ', ') FROM pg_settings WHERE pending_restart")
  if [ -n "$pending" ]; then
    refuse_before_the_standbys "$pending"
    log "reloaded; a restart is needed for: $pending"
    exit 3
  fi
  log "reloaded: every setting applied live"
}

main "$@"
