#!/bin/bash
# Redis entrypoint: install TLS files and passwords owned by redis, then run redis-server and stay beside it to
# remember whether it shut down cleanly.
#   entrypoint.sh serve | healthcheck
set -Eeuo pipefail
# shellcheck source=../scripts/entrypoint-lib.sh
source /usr/local/lib/synaxic/entrypoint-lib.sh
SYNAXIC_SERVICE=redis

readonly UPLOADS=/etc/synaxic/uploads
readonly ETC=/usr/local/etc/redis
readonly RDB=/data/dump.rdb
# Written when redis-server exited 0 after a stop: it had fsynced the append-only file and then saved dump.rdb, so
# that RDB holds every write. Holds the RDB's mtime and size, so a later RDB (a background save) does not match.
readonly CLEAN_MARK=/data/.synaxic-clean-shutdown

install_files() {
  install_file 0644 redis "$UPLOADS/redis.conf" "$ETC/redis.conf"
  install_file 0600 redis "$UPLOADS/secrets.conf" "$ETC/secrets.conf"
  install_file 0644 redis "$UPLOADS/ca.crt" "$ETC/tls/ca.crt"
  install_file 0644 redis "$UPLOADS/redis.crt" "$ETC/tls/redis.crt"
  install_file 0600 redis "$UPLOADS/redis.key" "$ETC/tls/redis.key"
  if [ -f "$UPLOADS/client.crt" ]; then
    install_file 0644 redis "$UPLOADS/client.crt" "$ETC/tls/client.crt"
    install_file 0600 redis "$UPLOADS/client.key" "$ETC/tls/client.key"
  fi
  install -d -o redis -g redis -m 0750 /data
  chown redis:redis /data
  # Data taken over from another image's redis user (another uid) must be readable by this one.
  if find /data -xdev ! -user redis -print -quit | grep -q .; then chown -R redis:redis /data; fi
}

cli() { /usr/local/bin/synaxic-redis-cli "$@"; }

# The last appendonly directive of our config wins (a replica's config turns it off).
aof_configured() { [ "$(sed -n 's/^appendonly //p' "$ETC/redis.conf" | tail -n 1)" = yes ]; }

rdb_stamp() { stat -c '%Y %s' "$RDB"; }

# A master with the append-only file that was stopped cleanly starts from its RDB instead: that keeps its
# replication ID and offset, so replicas resume with a partial resync (loading an AOF starts a new replication
# history and every replica full-resyncs). The AOF is turned back on as soon as the data is loaded.
clean_rdb_start() {
  aof_configured && [ -f "$CLEAN_MARK" ] && [ -f "$RDB" ] && [ "$(cat "$CLEAN_MARK")" = "$(rdb_stamp)" ]
}

aof_on_when_loaded() {
  local tries=3000
  until cli PING 2>/dev/null | grep -qx PONG; do
    tries=$((tries - 1))
    [ "$tries" -gt 0 ] || { log "error: Redis did not answer within 300 s; the append-only file stays off"; return 1; }
    sleep 0.1
  done
  cli CONFIG SET appendonly yes >/dev/null
  log "loaded the RDB of a clean shutdown (replication offset kept); append-only file on again"
}

# PING over TLS with the password from the secrets file; where the config wants the AOF, only once it is on.
healthcheck() {
  cli PING | grep -qx PONG || return 1
  if aof_configured; then cli INFO persistence | grep -q '^aof_enabled:1'; fi
}

serve() {
  require_user redis
  install_files
  local -a args=("$ETC/redis.conf")
  local from_rdb=false
  if clean_rdb_start; then
    from_rdb=true
    args+=(--appendonly no)
  fi
  rm -f "$CLEAN_MARK"
  log "starting Redis$($from_rdb && echo ' from the RDB of a clean shutdown')"
  HOME=$(home_of redis) setpriv --reuid redis --regid redis --init-groups redis-server "${args[@]}" &
  local pid=$! status=0
  trap 'kill -TERM "$pid" 2>/dev/null || true' TERM INT
  if $from_rdb; then aof_on_when_loaded & fi
  # wait returns early when the trap runs; bash keeps the exit status of the child for the last wait.
  wait "$pid" || true
  while kill -0 "$pid" 2>/dev/null; do wait "$pid" || true; done
  wait "$pid" || status=$?
  if [ "$status" -eq 0 ] && [ -f "$RDB" ]; then
    rdb_stamp >"$CLEAN_MARK"
    chown redis:redis "$CLEAN_MARK"
  fi
  exit "$status"
}

main() {
  case "${1:-}" in
    healthcheck) healthcheck ;;
    serve) serve ;;
    *) die "usage: entrypoint.sh serve|healthcheck" ;;
  esac
}

main "$@"
