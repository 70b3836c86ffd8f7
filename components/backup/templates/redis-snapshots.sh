#!/bin/bash
# Redis snapshots on the backup host: `redis-cli --rdb` pulls the master's RDB over TLS as REDIS_USER, a user that may
# only ask for it (the master forks as for a replica's sync and streams it; nothing is written on its disk), once when
# the container starts and then daily at BACKUP_TIME (UTC), keeping the newest KEEP. Runs in a container of the Redis
# image.
#   redis-snapshots.sh serve        the schedule (the container's command)
#   redis-snapshots.sh now          one snapshot now (docker exec <container> synaxic-redis-snapshot now)
#   redis-snapshots.sh list         the snapshots kept, newest first
#   redis-snapshots.sh healthcheck  the last snapshot attempt succeeded
set -Eeuo pipefail
# shellcheck source=../scripts/entrypoint-lib.sh
source /usr/local/lib/synaxic/entrypoint-lib.sh
SYNAXIC_SERVICE=redis-snapshots

readonly UPLOADS=/etc/synaxic/uploads
readonly TLS=/etc/synaxic/tls
readonly DIR=/snapshots
readonly FAILED=/tmp/synaxic-snapshot-failed
# shellcheck source=/dev/null
source "$UPLOADS/redis-snapshots.env"

install_files() {
  install_file 0644 redis "$UPLOADS/ca.crt" "$TLS/ca.crt"
  install_file 0644 redis "$UPLOADS/server.crt" "$TLS/client.crt"
  install_file 0600 redis "$UPLOADS/server.key" "$TLS/client.key"
  install_file 0600 redis "$UPLOADS/redis.password" "$TLS/redis.password"
  chown redis:redis "$DIR"
  chmod 0700 "$DIR"
}

as_redis() { if [ "$(id -u)" = 0 ]; then run_as redis "$@"; else "$@"; fi; }

# One snapshot: written under a temporary name, renamed when whole, then the oldest beyond KEEP removed.
snapshot() {
  local name partial
  name=dump-$(date -u +%Y%m%dT%H%M%SZ).rdb
  partial=$DIR/.partial-$name
  if ! REDISCLI_AUTH=$(cat "$TLS/redis.password") as_redis redis-cli --no-auth-warning --user "$REDIS_USER" --tls \
      --cacert "$TLS/ca.crt" --cert "$TLS/client.crt" --key "$TLS/client.key" \
      -h "$MASTER_HOST" -p "$MASTER_PORT" --rdb "$partial" >/dev/null; then
    rm -f "$partial"
    touch "$FAILED"
    log "error: the snapshot from $MASTER_HOST:$MASTER_PORT failed (redis-cli's message above)"
    return 1
  fi
  as_redis mv "$partial" "$DIR/$name"
  rm -f "$FAILED"
  log "snapshot $name: $(stat -c %s "$DIR/$name") bytes"
  # Names sort by time: everything after the newest KEEP goes.
  find "$DIR" -maxdepth 1 -name 'dump-*.rdb' | sort -r | tail -n +"$((KEEP + 1))" | xargs -r rm -f
}

serve() {
  install_files
  snapshot || true
  every_day_at "$BACKUP_TIME" snapshot
}

main() {
  case "${1:-}" in
    serve) require_user redis; serve ;;
    now) snapshot ;;
    list) find "$DIR" -maxdepth 1 -name 'dump-*.rdb' -printf '%f %s\n' | sort -r ;;
    healthcheck) [ ! -f "$FAILED" ] && [ -n "$(find "$DIR" -maxdepth 1 -name 'dump-*.rdb' -print -quit)" ] ;;
    *) die "usage: redis-snapshots.sh serve|now|list|healthcheck (got '${1:-}')" ;;
  esac
}

main "$@"
