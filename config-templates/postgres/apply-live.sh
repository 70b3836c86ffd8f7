#!/bin/bash
# `synaxic-apply-live <hash>` (inside a PostgreSQL container): apply /etc/synaxic/live/postgresql.conf with a
# reload. Exit 0 when everything applied live, 3 when a changed setting needs a restart, 1 when the file is not the
# rendered one or the server refuses a value.
set -Eeuo pipefail
# shellcheck source=../scripts/entrypoint-lib.sh
source /usr/local/lib/synaxic/entrypoint-lib.sh
SYNAXIC_SERVICE=live-settings
readonly FILE=/etc/synaxic/live/postgresql.conf

sql() { psql -X -At -h /var/run/postgresql -U postgres -d postgres -c "$1"; }

main() {
  local actual before errors pending
  actual=$(sha256sum "$FILE" | cut -c1-12)
  [ "$actual" = "${1:-}" ] || die "$FILE is $actual, not the rendered ${1:-?}: it was written by something else"
  add_postgres_bin_to_path
  before=$(sql "SELECT pg_conf_load_time()")
  sql "SELECT pg_reload_conf()" >/dev/null
  for _ in $(seq 1 50); do
    [ "$(sql "SELECT pg_conf_load_time()")" != "$before" ] && break
    sleep 0.1
  done
  # A postmaster-context change reports 'setting could not be applied' until a restart: that is pending_restart.
  errors=$(sql "SELECT string_agg(name || ': ' || error, '; ') FROM pg_file_settings WHERE error IS NOT NULL AND error <> 'setting could not be applied'")
  [ -z "$errors" ] || die "the server refused: $errors"
  pending=$(sql "SELECT string_agg(name, ', ') FROM pg_settings WHERE pending_restart")
  if [ -n "$pending" ]; then
    log "reloaded; a restart is needed for: $pending"
    exit 3
  fi
  log "reloaded: every setting applied live"
}

main "$@"
