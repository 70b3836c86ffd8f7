#!/bin/bash
# Redis entrypoint: install TLS files, users and passwords owned by redis, then run redis-server and stay beside it to
# remember whether it shut down cleanly; or run Redis Sentinel.
#   entrypoint.sh serve | sentinel | healthcheck
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

# Sentinel's own file, which it rewrites as it learns; and the rendering it was made from.
readonly SENTINEL_CONF=/data/sentinel.conf
readonly SENTINEL_RENDERED=/data/.synaxic-sentinel-rendered

# A Sentinel's TLS files, from its uploads (Sentinel cannot take new ones live: its container is replaced for them).
install_tls() {
  install_file 0644 redis "$UPLOADS/ca.crt" "$ETC/tls/ca.crt"
  install_file 0644 redis "$UPLOADS/redis.crt" "$ETC/tls/redis.crt"
  install_file 0600 redis "$UPLOADS/redis.key" "$ETC/tls/redis.key"
  if [ -f "$UPLOADS/client.crt" ]; then
    install_file 0644 redis "$UPLOADS/client.crt" "$ETC/tls/client.crt"
    install_file 0600 redis "$UPLOADS/client.key" "$ETC/tls/client.key"
  fi
}

# This host's admin password, for synaxic-redis-cli (the server and the Sentinel each have one).
install_admin() { install_file 0600 redis "$UPLOADS/admin.password" "$ETC/admin.password"; }

install_files() {
  install_file 0644 redis "$UPLOADS/redis.conf" "$ETC/redis.conf"
  install_file 0600 redis "$UPLOADS/users.acl" "$ETC/users.acl"
  install_file 0600 redis "$UPLOADS/secrets.conf" "$ETC/secrets.conf"
  install_admin
  # The TLS files, kept current by the program in the live folder (a change is taken with CONFIG SET, no restart).
  install_live_tls redis "$ETC/tls"
  record_applied_live_files
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

# PING over TLS as this host's admin; where the config wants the AOF, only once it is on.
healthcheck() {
  if [ -f "$UPLOADS/sentinel.conf" ]; then
    sentinel_cli -p 26380 PING | grep -qx PONG
    return
  fi
  cli PING | grep -qx PONG || return 1
  if aof_configured; then cli INFO persistence | grep -q '^aof_enabled:1'; fi
}

# With Sentinel on (uploads/sentinels: "name <master name>", "self <host> <port>", a "sentinel <host> <port>" line
# each), the Sentinels say who leads, not the rendered role: after a failover they decided, a restart must not bring
# the old roles back. Asked before the server starts, every Sentinel, and only the answer of a majority of them all
# counts (a Sentinel cut off during a failover still names the old master): the master (no replicaof) when they name
# this server, a replica of the one they name otherwise. None answering (a first deployment, before the Sentinels
# run): the rendered role. Answers without a majority: asked again for SENTINEL_MAJORITY_WAIT seconds, then the
# container stops and Docker starts it again, rather than choosing the role a minority names.
SENTINEL_MAJORITY_WAIT=${SENTINEL_MAJORITY_WAIT:-30}
role_from_sentinels() {
  local list=$UPLOADS/sentinels
  grep -q '^sentinel ' "$list" 2>/dev/null || return 0
  local name self total needed answers agreed heard host port waiting=false
  local deadline=$((SECONDS + SENTINEL_MAJORITY_WAIT))
  name=$(awk '$1 == "name" { print $2 }' "$list")
  self=$(awk '$1 == "self" { print $2, $3 }' "$list")
  total=$(grep -c '^sentinel ' "$list")
  needed=$((total / 2 + 1))
  while :; do
    answers=$(
      while read -r host port; do
        timeout 5 bash "$0" sentinel-cli -h "$host" -p "$port" --raw SENTINEL GET-MASTER-ADDR-BY-NAME "$name" \
          2>/dev/null | paste -sd' ' | grep -E '^[^ ]+ [0-9]+$' || echo
      done < <(awk '$1 == "sentinel" { print $2, $3 }' "$list")
    )
    agreed=$(agreed_answer "$needed" <<<"$answers")
    if [ "$agreed" = "$self" ]; then
      log "$needed or more of the $total Sentinels name this server the master"
      args+=(--replicaof no one)
      return 0
    elif [ -n "$agreed" ]; then
      log "$needed or more of the $total Sentinels name $agreed the master: starting as its replica"
      # shellcheck disable=SC2206
      args+=(--replicaof $agreed)
      return 0
    elif ! grep -q . <<<"$answers"; then
      log "no Sentinel answers: starting in the configured role"
      return 0
    fi
    heard=$(grep . <<<"$answers" | paste -sd, -)
    [ "$SECONDS" -lt "$deadline" ] \
      || die "no $needed of the $total Sentinels agree on who leads (answers: $heard): not starting in a role a minority names; the container tries again (each Sentinel's log: docker logs <its container>)"
    $waiting || log "no $needed of the $total Sentinels agree on who leads (answers: $heard): asking again for up to ${SENTINEL_MAJORITY_WAIT} s"
    waiting=true
    sleep 2
  done
}

# redis-cli over TLS with this container's certificate, against a Sentinel: a Redis server as its replica user (it may
# ask who leads), a Sentinel as the sentinel user (as it logs in to the others).
sentinel_cli() {
  local user
  if [ -f "$ETC/secrets.conf" ]; then
    user=$(sed -n 's/^masteruser //p' "$ETC/secrets.conf")
    REDISCLI_AUTH=$(sed -n 's/^masterauth //p' "$ETC/secrets.conf")
  else
    user=$(sed -n 's/^sentinel sentinel-user //p' "$UPLOADS/sentinel-secrets.conf")
    REDISCLI_AUTH=$(sed -n 's/^sentinel sentinel-pass //p' "$UPLOADS/sentinel-secrets.conf")
  fi
  export REDISCLI_AUTH
  redis-cli --no-auth-warning --user "$user" --tls --cacert "$ETC/tls/ca.crt" --cert "$ETC/tls/redis.crt" \
    --key "$ETC/tls/redis.key" "$@"
}

serve() {
  require_user redis
  install_files
  local -a args=("$ETC/redis.conf")
  role_from_sentinels
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

# Sentinel: its file written from the rendering on a first start or when the rendering changed (what it had learned
# starts over), kept as Sentinel rewrote it otherwise; 0600, it holds its users and its password.
sentinel() {
  require_user redis
  install_tls
  install_admin
  install -d -o redis -g redis -m 0750 /data
  local rendered
  rendered=$(cat "$UPLOADS/sentinel.conf" "$UPLOADS/sentinel-secrets.conf" | sha256sum | cut -d' ' -f1)
  if [ ! -s "$SENTINEL_CONF" ] || [ "$(cat "$SENTINEL_RENDERED" 2>/dev/null)" != "$rendered" ]; then
    install -o redis -g redis -m 0600 /dev/null "$SENTINEL_CONF"
    cat "$UPLOADS/sentinel.conf" "$UPLOADS/sentinel-secrets.conf" >"$SENTINEL_CONF"
    echo "$rendered" >"$SENTINEL_RENDERED"
    log "sentinel.conf written from the rendered settings"
  fi
  log "starting Redis Sentinel"
  # Sentinel rewrites its file (a new file renamed over it): with this umask the rewrite stays 0600 too.
  umask 0077
  exec_as redis redis-server "$SENTINEL_CONF" --sentinel
}

main() {
  case "${1:-}" in
    healthcheck) healthcheck ;;
    serve) serve ;;
    sentinel) sentinel ;;
    sentinel-cli) shift; sentinel_cli "$@" ;;
    *) die "usage: entrypoint.sh serve|sentinel|healthcheck" ;;
  esac
}

main "$@"
