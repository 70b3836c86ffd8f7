# shellcheck shell=bash
# Seed a standby's data volume with pg_basebackup, on its host. Run as `bash -s` with this text on stdin after the
# variables below (rendered by the program; passwords never reach a command line):
#   IMAGE VOLUME NETWORK IPV4 MASTER_HOST MASTER_PORT REPLICATION_USER SLOT APPLICATION_NAME
#   CA_PEM REPLICATION_PASSWORD LIB (the text of entrypoint-lib.sh)
# Does nothing when the volume already holds a cluster, so `pulumi up` never re-seeds a healthy replica.
# The copy lands in a stage inside the volume (SEED_STAGE) and is moved into place only once it is whole, the marker
# last: a seed cut off half-way leaves a volume the next run seeds again, never a partial cluster a container starts.
# `SEED_BESIDE=yes` (the rejoin's fallback) stages the copy beside the cluster the volume holds and stops there.
set -Eeuo pipefail
eval "$LIB"
# Read by log() from the library evaluated above.
# shellcheck disable=SC2034
SYNAXIC_SERVICE=seed
readonly PGDATA=/var/lib/postgresql/data

# Inside a throw-away container of the PostgreSQL image, with the volume mounted: a whole copy in the stage (kept if
# an earlier run made one), marked complete by its standby.signal.
seed_in_container() {
  set -Eeuo pipefail
  require_user postgres
  add_postgres_bin_to_path
  local stage=$PGDATA/$SEED_STAGE
  if [ -f "$stage/standby.signal" ]; then
    log "a whole copy is staged already (an earlier run): not copying again"
    return 0
  fi
  chown postgres:postgres "$PGDATA"
  chmod 0700 "$PGDATA"
  rm -rf "$stage"
  install -d -o postgres -g postgres -m 0700 "$stage"
  local work
  work=$(mktemp -d)
  printf '%s\n' "$CA_PEM" >"$work/ca.crt"
  printf '%s:%s:*:%s:%s\n' "$(pgpass_field "$MASTER_HOST")" "$MASTER_PORT" "$(pgpass_field "$REPLICATION_USER")" \
    "$(pgpass_field "$REPLICATION_PASSWORD")" >"$work/pgpass"
  chown -R postgres:postgres "$work"
  chmod 0600 "$work/pgpass"
  log "pg_basebackup from $MASTER_HOST:$MASTER_PORT through slot $SLOT"
  # -c fast: an immediate checkpoint (a spread one can stall for minutes); -X stream: WAL over a second link.
  if ! run_as postgres pg_basebackup -D "$stage" -c fast -X stream -S "$SLOT" -w --no-password \
      -d "host=$MASTER_HOST port=$MASTER_PORT user=$REPLICATION_USER application_name=$APPLICATION_NAME sslmode=verify-full sslrootcert=$work/ca.crt passfile=$work/pgpass"; then
    rm -rf "$work" "$stage"
    die "pg_basebackup failed: check that the master stack is up, that slot '$SLOT' exists there, and that its pg_hba allows this host's address. Nothing in the volume was changed; pulumi up seeds again"
  fi
  # The standby's connection settings live in its rendered postgresql.conf; this file only marks it a standby, and
  # marks the stage whole.
  run_as postgres touch "$stage/standby.signal"
  rm -rf "$work"
  log "copied: $(du -sh "$stage" | cut -f1)"
}

network_args() {
  [ -n "$NETWORK" ] || return 0
  printf -- '--network\n%s\n' "$NETWORK"
  [ -z "$IPV4" ] || printf -- '--ip\n%s\n' "$IPV4"
}

# A copy into the volume's stage, in a container on the network the standby will use.
copy_into_stage() {
  local -a net
  mapfile -t net < <(network_args)
  {
    declare -p MASTER_HOST MASTER_PORT REPLICATION_USER SLOT APPLICATION_NAME CA_PEM REPLICATION_PASSWORD PGDATA SEED_STAGE
    declare -f log die require_user home_of run_as add_postgres_bin_to_path pgpass_field seed_in_container
    echo 'SYNAXIC_SERVICE=seed; seed_in_container'
  } | docker run -i --rm --name "seed-$VOLUME" "${net[@]}" \
        -v "$VOLUME:$PGDATA" --entrypoint bash "$IMAGE" -s
}

# Checked on the host, or from a container without a network: the standby may hold the seed's fixed address now.
main() {
  local state
  state=$(volume_cluster "$VOLUME" "$IMAGE") || die "could not read volume $VOLUME (above): nothing was seeded"
  case "$state" in
    installing)
      log "volume $VOLUME holds a whole copy that an earlier run was moving into place: finishing that"
      install_stage "$VOLUME" "$IMAGE"
      ;;
    empty)
      copy_into_stage
      install_stage "$VOLUME" "$IMAGE"
      log "seeded volume $VOLUME"
      ;;
    *)
      if [ "${SEED_BESIDE:-}" = yes ]; then
        copy_into_stage
      else
        log "volume $VOLUME already holds a cluster (system identifier kept): not seeding"
      fi
      ;;
  esac
}

main
