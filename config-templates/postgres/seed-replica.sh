# shellcheck shell=bash
# Seed a standby's data volume with pg_basebackup, on the replica host. Run as `bash -s` with this text on
# stdin after the variables below (rendered by the program; passwords never reach a command line):
#   IMAGE VOLUME NETWORK IPV4 MASTER_HOST MASTER_PORT REPLICATION_USER SLOT APPLICATION_NAME
#   CA_PEM REPLICATION_PASSWORD LIB (the text of entrypoint-lib.sh)
# Does nothing when the volume already holds a cluster, so `pulumi up` never re-seeds a healthy replica.
set -Eeuo pipefail
eval "$LIB"
# Read by log() from the library evaluated above.
# shellcheck disable=SC2034
SYNAXIC_SERVICE=seed
readonly PGDATA=/var/lib/postgresql/data

# Inside a throw-away container of the PostgreSQL image, with the replica's volume mounted.
seed_in_container() {
  set -Eeuo pipefail
  require_user postgres
  add_postgres_bin_to_path
  if [ -s "$PGDATA/PG_VERSION" ]; then
    log "volume already holds a cluster (system identifier kept): not seeding"
    return 0
  fi
  chown postgres:postgres "$PGDATA"
  chmod 0700 "$PGDATA"
  local work
  work=$(mktemp -d)
  printf '%s\n' "$CA_PEM" >"$work/ca.crt"
  printf '%s:%s:*:%s:%s\n' "$MASTER_HOST" "$MASTER_PORT" "$REPLICATION_USER" "$REPLICATION_PASSWORD" >"$work/pgpass"
  chown -R postgres:postgres "$work"
  chmod 0600 "$work/pgpass"
  log "pg_basebackup from $MASTER_HOST:$MASTER_PORT through slot $SLOT"
  # -c fast: an immediate checkpoint (a spread one can stall for minutes); -X stream: WAL over a second link.
  if ! run_as postgres pg_basebackup -D "$PGDATA" -c fast -X stream -S "$SLOT" -w --no-password \
      -d "host=$MASTER_HOST port=$MASTER_PORT user=$REPLICATION_USER application_name=$APPLICATION_NAME sslmode=verify-full sslrootcert=$work/ca.crt passfile=$work/pgpass"; then
    rm -rf "$work"
    die "pg_basebackup failed: check that the master stack is up, that slot '$SLOT' exists there, and that its pg_hba allows this host's address"
  fi
  # The standby's connection settings live in its rendered postgresql.conf; this file only marks it a standby.
  run_as postgres touch "$PGDATA/standby.signal"
  rm -rf "$work"
  log "seeded: $(du -sh "$PGDATA" | cut -f1)"
}

network_args() {
  [ -n "$NETWORK" ] || return 0
  printf -- '--network\n%s\n' "$NETWORK"
  [ -z "$IPV4" ] || printf -- '--ip\n%s\n' "$IPV4"
}

# Checked on the host, or from a container without a network: the standby may hold the seed's fixed address now.
main() {
  local state
  state=$(volume_cluster "$VOLUME" "$IMAGE") || die "could not read volume $VOLUME (above): nothing was seeded"
  if [ "$state" != empty ]; then
    log "volume $VOLUME already holds a cluster (system identifier kept): not seeding"
    return 0
  fi
  local -a net
  mapfile -t net < <(network_args)
  {
    declare -p MASTER_HOST MASTER_PORT REPLICATION_USER SLOT APPLICATION_NAME CA_PEM REPLICATION_PASSWORD PGDATA
    declare -f log die require_user home_of run_as add_postgres_bin_to_path seed_in_container
    echo 'SYNAXIC_SERVICE=seed; seed_in_container'
  } | docker run -i --rm --name "seed-$VOLUME" "${net[@]}" \
        -v "$VOLUME:$PGDATA" --entrypoint bash "$IMAGE" -s
}

main
