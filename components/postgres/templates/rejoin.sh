# shellcheck shell=bash
# Rejoin a returning old primary as a standby of the host that leads now, on its host. Run as `bash -s` with this
# text on stdin after the variables below (rendered by the program; passwords never reach a command line):
#   IMAGE VOLUME CONTAINER NETWORK UPSTREAM_HOST UPSTREAM_PORT REWIND_USER REWIND_PASSWORD CA_PEM LIB
#   SEED (the rendered seed-replica.sh for this host: the fallback)
#   RESTART (yes: start the container again afterwards, where the up does not replace it)
# A volume that holds a standby already (a re-run, or a replica that never led) is left as it is, its container
# untouched. Otherwise the leader is asked first, as the rewind role: when it cannot be reached or refuses the role,
# the up fails and nothing here is changed (a link down is not a reason to re-seed). Then the old container is
# stopped (it must never serve as a primary again) and pg_rewind brings the cluster back to where the new primary's
# history forked. Only when that is impossible (another cluster, WAL gone) is a whole copy staged beside it with
# pg_basebackup, the old cluster kept in a volume of its own, and the copy moved into place: a failure half-way
# leaves the old cluster, or the whole copy the next run finishes moving. An empty volume (a removed one) is seeded.
set -Eeuo pipefail
eval "$LIB"
# Read by log() from the library evaluated above.
# shellcheck disable=SC2034
SYNAXIC_SERVICE=rejoin
readonly PGDATA=/var/lib/postgresql/data
# The in-container step's exit status when pg_rewind cannot do it (and the fallback applies).
readonly CANNOT_REWIND=3

# A primary that crashed must be shut down cleanly before pg_rewind reads it. pg_rewind would run the crash recovery
# itself, with the cluster's own postgresql.conf (no wal_keep_size): its end-of-recovery checkpoint then recycles the
# WAL back to the last checkpoint before the fork, which pg_rewind must read, and the rewind fails. Done here in the
# same single-user mode, keeping every segment.
finish_crash_recovery() {
  pg_controldata -D "$PGDATA" | grep -Eq '^Database cluster state: *in (production|crash recovery)' || return 0
  log "the old primary stopped without a clean shutdown: finishing its crash recovery, keeping its WAL"
  run_as postgres postgres --single -F -D "$PGDATA" -c wal_keep_size=1TB -c archive_mode=off template1 </dev/null >/dev/null
}

# Inside a throw-away container of the PostgreSQL image, with the volume mounted.
rewind_in_container() {
  set -Eeuo pipefail
  require_user postgres
  add_postgres_bin_to_path
  [ -s "$PGDATA/PG_VERSION" ] || return "$CANNOT_REWIND"
  if [ -f "$PGDATA/standby.signal" ]; then
    log "already a standby: nothing to rewind"
    return 0
  fi
  local work started
  work=$(mktemp -d)
  printf '%s\n' "$CA_PEM" >"$work/ca.crt"
  printf '%s:%s:*:%s:%s\n' "$(pgpass_field "$UPSTREAM_HOST")" "$UPSTREAM_PORT" "$(pgpass_field "$REWIND_USER")" \
    "$(pgpass_field "$REWIND_PASSWORD")" >"$work/pgpass"
  chown -R postgres:postgres "$work"
  chmod 0600 "$work/pgpass"
  started=$(date +%s%N)
  finish_crash_recovery
  log "pg_rewind from $UPSTREAM_HOST:$UPSTREAM_PORT as $REWIND_USER"
  if ! run_as postgres pg_rewind --target-pgdata="$PGDATA" --progress \
      --source-server="host=$UPSTREAM_HOST port=$UPSTREAM_PORT user=$REWIND_USER dbname=postgres sslmode=verify-full sslrootcert=$work/ca.crt passfile=$work/pgpass"; then
    rm -rf "$work"
    log "pg_rewind could not rewind this cluster (its message above)"
    return "$CANNOT_REWIND"
  fi
  rm -rf "$work"
  # The standby's connection settings live in its rendered postgresql.conf; this file only marks it a standby.
  run_as postgres touch "$PGDATA/standby.signal"
  log "rewound in $(awk -v ns=$(($(date +%s%N) - started)) 'BEGIN { printf "%.2f", ns / 1e9 }') s: starts as a standby of $UPSTREAM_HOST:$UPSTREAM_PORT"
}

# The leader as pg_rewind will see it: the rewind role logs in over TLS and finds a primary. Fails with the reason
# (no route, a refused password, a standby) and changes nothing.
probe_in_container() {
  set -Eeuo pipefail
  local work answer
  work=$(mktemp -d)
  printf '%s\n' "$CA_PEM" >"$work/ca.crt"
  printf '%s:%s:*:%s:%s\n' "$(pgpass_field "$UPSTREAM_HOST")" "$UPSTREAM_PORT" "$(pgpass_field "$REWIND_USER")" \
    "$(pgpass_field "$REWIND_PASSWORD")" >"$work/pgpass"
  chmod 0600 "$work/pgpass"
  add_postgres_bin_to_path
  answer=$(psql -X -At -w -c 'SELECT pg_is_in_recovery()' \
    "host=$UPSTREAM_HOST port=$UPSTREAM_PORT user=$REWIND_USER dbname=postgres connect_timeout=5 sslmode=verify-full sslrootcert=$work/ca.crt passfile=$work/pgpass" 2>&1) || {
    rm -rf "$work"
    echo "$answer"
    return 1
  }
  rm -rf "$work"
  [ "$answer" = f ] || { echo "it is not a primary (it is in recovery)"; return 1; }
}

# In a throw-away container on the network the rewind uses; the reason on stdout when the leader cannot be used.
upstream_answers() {
  {
    declare -p UPSTREAM_HOST UPSTREAM_PORT REWIND_USER REWIND_PASSWORD CA_PEM
    declare -f add_postgres_bin_to_path pgpass_field probe_in_container
    echo 'probe_in_container'
  } | docker run -i --rm --name "rejoin-probe-$VOLUME" "${net[@]}" --entrypoint bash "$IMAGE" -s
}

stop_old_container() {
  if [ "$(docker inspect -f '{{.State.Running}}' "$CONTAINER" 2>/dev/null)" = true ]; then
    log "stopping $CONTAINER: it must not serve while it rejoins"
    docker stop -t 120 "$CONTAINER" >/dev/null
  fi
}

# The replica's container is not replaced by the up that rejoins it: started again here, as a standby now.
start_again() {
  [ "$RESTART" = yes ] || return 0
  docker inspect "$CONTAINER" >/dev/null 2>&1 || return 0
  # Its restart policy back to the provider's (a switchover or fencing turned it off).
  docker update --restart=unless-stopped "$CONTAINER" >/dev/null
  docker start "$CONTAINER" >/dev/null
  log "$CONTAINER started again, as a standby"
}

# The cluster pg_rewind could not rewind: a whole copy staged beside it first (a failure leaves the volume as it
# was), then the old cluster kept whole in a volume of its own, then the copy moved into place.
reseed_keeping_old() {
  printf '%s\n' "$SEED" | SEED_BESIDE=yes bash -s \
    || die "the base backup that replaces the cluster pg_rewind could not rewind failed (above): the volume still holds the old cluster, unchanged; run pulumi up again once $UPSTREAM_HOST:$UPSTREAM_PORT serves"
  local aside
  aside="$VOLUME-diverged-$(date -u +%Y%m%dT%H%M%SZ)"
  docker volume create "$aside" >/dev/null
  docker run --rm --network none -v "$VOLUME:/from" -v "$aside:/to" --entrypoint bash "$IMAGE" \
    -c 'find /from -mindepth 1 -maxdepth 1 ! -name "$1" -exec cp -a -t /to {} + && chown --reference=/from /to && chmod --reference=/from /to' \
    bash "$SEED_STAGE"
  log "the old cluster is kept in volume $aside; the base backup replaces it in $VOLUME (a full copy, not a rewind)"
  install_stage "$VOLUME" "$IMAGE"
}

rewind() {
  {
    declare -p UPSTREAM_HOST UPSTREAM_PORT REWIND_USER REWIND_PASSWORD CA_PEM PGDATA CANNOT_REWIND
    declare -f log die require_user home_of run_as add_postgres_bin_to_path pgpass_field finish_crash_recovery rewind_in_container
    echo 'SYNAXIC_SERVICE=rejoin; rewind_in_container'
  } | docker run -i --rm --name "rejoin-$VOLUME" "${net[@]}" \
        -v "$VOLUME:$PGDATA" --entrypoint bash "$IMAGE" -s
}

main() {
  local state reason status=0
  state=$(volume_cluster "$VOLUME" "$IMAGE") || die "could not read volume $VOLUME (above): nothing was changed"
  net=()
  [ -z "$NETWORK" ] || net=(--network "$NETWORK")
  case "$state" in
    standby)
      log "volume $VOLUME holds a standby already: nothing to rewind"
      return 0
      ;;
    empty | installing)
      # No cluster (a removed volume), or a copy an earlier run was moving into place: seeded, or finished.
      stop_old_container
      printf '%s\n' "$SEED" | bash -s
      start_again
      return 0
      ;;
  esac
  if [ -z "$REWIND_PASSWORD" ]; then
    log "no rewind role is known (the master stack's outputs hold none): a base backup replaces this cluster"
    stop_old_container
    reseed_keeping_old
    start_again
    return 0
  fi
  reason=$(upstream_answers) \
    || die "the leader $UPSTREAM_HOST:$UPSTREAM_PORT cannot be used as $REWIND_USER: ${reason//$'\n'/ }. Nothing was changed on this host. Check that the hosts reach each other and that the stack there leads (promote: true, pulumi up), then run pulumi up here again"
  stop_old_container
  rewind || status=$?
  case "$status" in
    0) start_again ;;
    "$CANNOT_REWIND")
      reason=$(upstream_answers) \
        || die "the leader $UPSTREAM_HOST:$UPSTREAM_PORT stopped answering during pg_rewind ($reason): the container stays stopped; run pulumi up again once the hosts reach each other (pg_rewind runs again)"
      reseed_keeping_old
      start_again
      ;;
    *) die "the rejoin failed (above): the container stays stopped; fix the cause and run pulumi up again" ;;
  esac
}

main
