# shellcheck shell=bash
# Rejoin a returning old primary as a standby of the host that leads now, on its host. Run as `bash -s` with this
# text on stdin after the variables below (rendered by the program; passwords never reach a command line):
#   IMAGE VOLUME CONTAINER NETWORK UPSTREAM_HOST UPSTREAM_PORT REWIND_USER REWIND_PASSWORD CA_PEM LIB
#   SEED (the rendered seed-replica.sh for this host: the fallback)
#   RESTART (yes: start the container again afterwards, where the up does not replace it)
# A volume that holds a standby already (a re-run, or a replica that never led) is left as it is, its container
# untouched. Otherwise the old container is stopped first (it must never serve as a primary again). Otherwise pg_rewind brings it back to where the new primary's history forked, with
# the rewind role's file functions; only when that is impossible (another cluster, WAL gone) is the cluster moved to
# a volume of its own and the volume re-seeded with pg_basebackup, and the log says so.
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
  printf '%s:%s:*:%s:%s\n' "$UPSTREAM_HOST" "$UPSTREAM_PORT" "$REWIND_USER" "$REWIND_PASSWORD" >"$work/pgpass"
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

stop_old_container() {
  if [ "$(docker inspect -f '{{.State.Running}}' "$CONTAINER" 2>/dev/null)" = true ]; then
    log "stopping $CONTAINER: it must not serve while it rejoins"
    docker stop -t 120 "$CONTAINER" >/dev/null
  fi
}

# A standby already (or no cluster yet: the seed's business): nothing to do, nothing stopped. Read-only.
volume_needs_rewind() {
  local state
  state=$(volume_cluster "$VOLUME" "$IMAGE") || die "could not read volume $VOLUME (above): nothing was changed"
  [ "$state" = primary ]
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

# The cluster pg_rewind could not rewind, kept whole in a volume of its own before the re-seed.
keep_aside() {
  local aside
  aside="$VOLUME-diverged-$(date -u +%Y%m%dT%H%M%SZ)"
  docker volume create "$aside" >/dev/null
  docker run --rm -v "$VOLUME:/from" -v "$aside:/to" --entrypoint bash "$IMAGE" \
    -c 'cp -a /from/. /to/ && find /from -mindepth 1 -delete'
  log "the old cluster is kept in volume $aside; re-seeding $VOLUME with pg_basebackup (a full copy, not a rewind)"
}

main() {
  if ! volume_needs_rewind; then
    log "volume $VOLUME holds a standby (or nothing yet): nothing to rewind"
    return 0
  fi
  stop_old_container
  local status=0
  local -a net=()
  [ -z "$NETWORK" ] || net=(--network "$NETWORK")
  {
    declare -p UPSTREAM_HOST UPSTREAM_PORT REWIND_USER REWIND_PASSWORD CA_PEM PGDATA CANNOT_REWIND
    declare -f log die require_user home_of run_as add_postgres_bin_to_path finish_crash_recovery rewind_in_container
    echo 'SYNAXIC_SERVICE=rejoin; rewind_in_container'
  } | docker run -i --rm --name "rejoin-$VOLUME" "${net[@]}" \
        -v "$VOLUME:$PGDATA" --entrypoint bash "$IMAGE" -s || status=$?
  case "$status" in
    0) start_again ;;
    "$CANNOT_REWIND")
      keep_aside
      printf '%s\n' "$SEED" | bash -s
      start_again
      ;;
    *) die "the rejoin failed (above): the volume is as it was; fix the cause and run pulumi up again" ;;
  esac
}

main
