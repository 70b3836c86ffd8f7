#!/bin/bash
# PostgreSQL entrypoint: fix ownership, initialise an empty primary volume once (or take over a cluster made
# elsewhere, once), then run postgres as PID 1.
#   entrypoint.sh primary [take-over] | standby | healthcheck
# An empty primary volume gets initdb, or with restoreFrom (restore.target uploaded) the repository's backup.
set -Eeuo pipefail
# shellcheck source=../scripts/entrypoint-lib.sh
source /usr/local/lib/synaxic/entrypoint-lib.sh
SYNAXIC_SERVICE=postgres

# Not readonly: a new primary is made in the volume's stage first (PGDATA=<stage> for the socket-only server).
PGDATA=${PGDATA:-/var/lib/postgresql/data}
readonly CONF=/etc/synaxic/postgres/postgresql.conf
readonly UPLOADS=/etc/synaxic/uploads
readonly SOCKET_DIR=/var/run/postgresql
# In PGDATA once a cluster made elsewhere has had its files brought to what the program expects, and once its roles
# have (synaxic-take-over-roles: the application role no superuser). A base backup copies both; the roles' state is
# read from the catalog, so the second only spares a server start that would find nothing left to change.
readonly TAKEN_OVER=synaxic-taken-over
readonly ROLES_TAKEN_OVER=synaxic-roles-taken-over

prepare_directories() {
  install -d -o postgres -g postgres -m 2775 "$SOCKET_DIR"
  chown postgres:postgres "$PGDATA"
  chmod 0700 "$PGDATA"
}

# Backups on: pgBackRest's configuration for archive-push (and archive-get during a restore's recovery).
install_pgbackrest() {
  # A standby always gets the file; without a [global] section backups are off.
  grep -qx '\[global\]' "$UPLOADS/pgbackrest.conf" 2>/dev/null || return 0
  command -v pgbackrest >/dev/null \
    || die "backups are on (backupDockerHost) but this image has no pgbackrest: use a PostgreSQL image with pgBackRest (docs/backups.md)"
  install_pgbackrest_conf "$UPLOADS/pgbackrest.conf"
}

# pgBackRest writes its manifest into the data directory before any file and removes it once the restore is whole: a
# directory that still holds it is a restore cut off half-way (the container killed, the repository unreachable),
# never a cluster to start.
restore_cut_off() { [ -f "$PGDATA/backup.manifest" ]; }
cluster_exists() { [ -s "$PGDATA/PG_VERSION" ] && ! restore_cut_off; }

# Roles and database of a new primary, with the SCRAM verifiers we were given (never a password).
bootstrap_roles() {
  {
    psql_set app_user "$UPLOADS/app.user"
    psql_set app_db "$UPLOADS/app.db"
    psql_set app_verifier "$UPLOADS/app.scram"
    psql_set replication_user "$UPLOADS/replication.user"
    psql_set replication_verifier "$UPLOADS/replication.scram"
    cat /etc/synaxic/sql/bootstrap-primary.sql
  } | run_as postgres psql -X -q -v ON_ERROR_STOP=1 -h "$SOCKET_DIR" -U postgres -d postgres -f -
}

# A server on the socket only, with no synchronous standby to wait for: nothing may connect or stream while the
# cluster is being prepared.
start_socket_server() { # [<seconds to wait> [<log file>]]
  local log=${2:-/tmp/bootstrap.log}
  run_as postgres pg_ctl -D "$PGDATA" -w -t "${1:-60}" -l "$log" \
    -o "-c config_file=$CONF -c listen_addresses='' -c synchronous_standby_names=''" start >/dev/null \
    || { tail -n 30 "$log" >&2; die "PostgreSQL did not start on its socket (log above)"; }
}

stop_socket_server() { run_as postgres pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null; }

# Made in the volume's stage and moved into place only once whole (roles and database created): a container killed
# half-way leaves a stage the next start removes and makes again, never a cluster without its roles.
initialise_primary() {
  log "empty data directory: initialising a new primary"
  local stage=$PGDATA/$SEED_STAGE
  rm -rf "$stage"
  install -d -o postgres -g postgres -m 0700 "$stage"
  # --no-sync and one syncfs of the volume: what PostgreSQL 17's --sync-method=syncfs does (PostgreSQL 15 has no
  # such option), instead of an fsync per file; the cluster is on disk before any server starts on it.
  run_as postgres initdb -D "$stage" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 --data-checksums --no-sync >/dev/null
  sync -f "$stage"
  PGDATA=$stage start_socket_server
  bootstrap_roles
  PGDATA=$stage stop_socket_server
  run_as postgres touch "$stage/$STAGE_WHOLE"
  move_stage_into_place "$PGDATA"
  log "primary initialised"
}

# The image must run the cluster's major version; upgrading is not something a start may do.
check_major_version() {
  local cluster image
  cluster=$(cat "$PGDATA/PG_VERSION")
  image=$(postgres --version | sed -E 's/^[^0-9]*([0-9]+).*/\1/')
  [ "$cluster" = "$image" ] \
    || die "the cluster in $PGDATA is PostgreSQL $cluster and this image runs $image: set postgresImage to a PostgreSQL $cluster image (upgrading is not done here)"
}

# Files made by another image's postgres user (another uid) cannot be read by this one.
own_cluster_files() {
  if find "$PGDATA" -xdev ! -user postgres -print -quit | grep -q .; then
    log "giving the cluster's files to this image's postgres user"
    chown -R postgres:postgres "$PGDATA"
  fi
}

# Settings made with ALTER SYSTEM would silently override the rendered configuration: kept aside, not applied.
set_aside_auto_conf() {
  local auto=$PGDATA/postgresql.auto.conf
  if [ -f "$auto" ] && grep -qv '^[[:space:]]*\(#\|$\)' "$auto"; then
    mv "$auto" "$auto.before-synaxic"
    log "settings made with ALTER SYSTEM set aside in $auto.before-synaxic (they would override the program's)"
  fi
}

# A cluster made elsewhere (the guide's docker compose): its data is kept; its files are made this image's, and
# settings made with ALTER SYSTEM are set aside. Its roles follow (take_over_roles).
take_over_primary() {
  log "taking over the cluster in $PGDATA (PostgreSQL $(cat "$PGDATA/PG_VERSION"))"
  check_major_version
  own_cluster_files
  set_aside_auto_conf
  rm -f "$PGDATA/standby.signal" "$PGDATA/recovery.signal"
  run_as postgres touch "$PGDATA/$TAKEN_OVER"
}

# A taken-over cluster about to serve writes whose roles are not known to be in shape: taken over just now, by an
# earlier version of the program (which left the application role a superuser), or cut off half-way. Only where this
# container knows the application role (the master stack's); a promoted copy elsewhere waits for it.
roles_to_take_over() {
  [ -f "$PGDATA/$TAKEN_OVER" ] && [ ! -f "$PGDATA/$ROLES_TAKEN_OVER" ] && [ -f "$UPLOADS/app.user" ] \
    && [ ! -f "$PGDATA/standby.signal" ] && [ ! -f "$PGDATA/recovery.signal" ]
}

# The postgres superuser for the program's scripts, the application role with no superuser (it keeps what it owns),
# the application database and the replication role; each step resumable (take-over-roles.sh). Passwords follow
# with synaxic-sync-roles.
take_over_roles() {
  start_socket_server
  synaxic-take-over-roles
  stop_socket_server
  run_as postgres touch "$PGDATA/$ROLES_TAKEN_OVER"
  log "cluster taken over"
}

# restoreFrom with an empty volume: the cluster comes from the repository instead of initdb (the disaster case, or
# going back in time after the volume was removed). The target is in the upload; the stanza is pgbackrest.conf's.
# pgBackRest takes the first repository that holds a backup for the target: the backup host's, else S3's.
restore_primary() {
  local target stanza
  target=$(cat "$UPLOADS/restore.target")
  stanza=$(sed -n 's/^\[\(.*\)\]$/\1/p' /etc/pgbackrest/pgbackrest.conf | grep -vx global | head -n 1)
  local -a options=()
  [ "$target" = latest ] || options=(--type=time "--target=$target" --target-action=promote)
  if restore_cut_off; then
    # --delta keeps what the cut-off run wrote whole and fetches the rest.
    log "a restore was cut off half-way in $PGDATA: resuming it (restoreFrom $target, stanza $stanza)"
    options+=(--delta)
  else
    log "empty data directory and restoreFrom $target: restoring stanza $stanza from the repository"
  fi
  run_as postgres pgbackrest --stanza="$stanza" restore "${options[@]}" \
    || die "the restore failed (pgbackrest's message above): the backup host, or the S3 repository when there is one, must hold a backup from before $target (docker exec <backupContainer> synaxic-backup info)"
  log "restored $(du -sh "$PGDATA" | cut -f1) of files; replaying the archive"
}

# A cluster restored from the repository (restoreFrom) replays the archive to its target and promotes before it
# serves: nothing connects to a primary that is still going back in time.
finish_recovery() {
  log "recovering from the archive (restoreFrom): replaying WAL to the target"
  # Reaching consistency may take long: an hour before pg_ctl gives up waiting.
  start_socket_server 3600 /tmp/recovery.log
  local waited=0
  until [ "$(run_as postgres psql -X -Atq -h "$SOCKET_DIR" -U postgres -d postgres -c 'SELECT pg_is_in_recovery()')" = f ]; do
    sleep 1
    waited=$((waited + 1))
    if ! run_as postgres pg_ctl -D "$PGDATA" status >/dev/null; then
      tail -n 30 /tmp/recovery.log >&2
      die "the recovery stopped (log above)"
    fi
    [ $((waited % 30)) -ne 0 ] || log "still recovering ($waited s)"
  done
  grep -E 'recovery stopping|archive recovery complete|selected new timeline|redo done' /tmp/recovery.log >&2 || true
  # A backup holds no replication slots: the replicas' come back before anything connects.
  local slot
  if [ -f "$LIVE_DIR/replication.slots" ]; then
    while read -r slot; do
      [ -z "$slot" ] || synaxic-slot ensure "$slot"
    done <"$LIVE_DIR/replication.slots"
  fi
  stop_socket_server
  log "recovered and promoted"
}

# A primary that another host has superseded must never take writes again. Each peer the master stack names (the
# live folder's peers: "<address> <port> <replication role>" lines) is asked IDENTIFY_SYSTEM as that role: the same
# cluster on a later timeline means a standby was promoted after this one last ran, so this one is an old primary
# that has not been rewound. A peer that does not answer proves nothing either way: fencing (docs/failover.md) covers
# that case.
refuse_if_superseded() {
  [ -f "$LIVE_DIR/peers" ] || return 0
  local control system timeline user host port answer peer_system peer_timeline
  control=$(run_as postgres pg_controldata -D "$PGDATA")
  system=$(sed -n 's/^Database system identifier: *//p' <<<"$control")
  timeline=$(sed -n "s/^Latest checkpoint's TimeLineID: *//p" <<<"$control")
  while read -r host port user; do
    [ -n "$host" ] || continue
    if ! answer=$(ask_peer "$host" "$port" "$user" IDENTIFY_SYSTEM); then
      log "peer $host:$port does not answer: cannot tell whether it was promoted (fencing covers that case)"
      continue
    fi
    read -r peer_system peer_timeline _ <<<"$answer"
    if [ "$peer_system" = "$system" ] && [ "$peer_timeline" -gt "$timeline" ]; then
      die "refusing to start as a primary: $host:$port leads this cluster on timeline $peer_timeline, later than this copy's $timeline (it was promoted after this host last ran). Starting here would make two writable primaries. Rejoin this host as its standby: pulumi config set followHost $host && pulumi up (docs/failover.md)"
    fi
  done <"$LIVE_DIR/peers"
}

# A volume that holds a standby, in a container that must lead (followHost removed): promoted, on a new timeline,
# before anything connects. Only while no peer's PostgreSQL answers: the host that led must be stopped first (the
# switchover command does it), or two primaries would exist.
promote_standby_copy() {
  local host port
  if [ -f "$LIVE_DIR/peers" ]; then
    while read -r host port _; do
      [ -n "$host" ] || continue
      if timeout 3 bash -c "exec 3<>/dev/tcp/$host/$port" 2>/dev/null; then
        die "this volume holds a standby and $host:$port still answers: promoting here would make two writable primaries. Stop that host's PostgreSQL first (npm run switchover does it in order), or set followHost back (docs/failover.md)"
      fi
    done <"$LIVE_DIR/peers"
  fi
  log "this volume holds a standby and this host leads now: promoting it"
  start_socket_server 3600 /tmp/promotion.log
  local sql='SELECT pg_promote(true, 60)'
  [ "$(run_as postgres psql -X -Atq -h "$SOCKET_DIR" -U postgres -d postgres -c "$sql")" = t ] \
    || { tail -n 30 /tmp/promotion.log >&2; die "the promotion did not finish within 60 s (log above)"; }
  # The end-of-recovery checkpoint before anything reads pg_control (pgBackRest, pg_rewind on the other host).
  run_as postgres psql -X -q -h "$SOCKET_DIR" -U postgres -d postgres -c CHECKPOINT
  stop_socket_server
  log "promoted: timeline $(run_as postgres pg_controldata -D "$PGDATA" | sed -n "s/^Latest checkpoint's TimeLineID: *//p")"
}

# A stage in the volume (a seed's, seed-replica.sh, or a new primary's): a whole copy half moved into place is
# finished here; a copy cut off before it was whole is only left-over bytes.
check_seed_stage() {
  [ -d "$PGDATA/$SEED_STAGE" ] || return 0
  if [ -f "$PGDATA/$SEED_STAGE/.moving" ]; then
    log "a whole cluster was being moved into place in $PGDATA when it was cut off: finishing that"
    move_stage_into_place "$PGDATA"
    return 0
  fi
  log "removing a copy that was cut off before it was whole ($PGDATA/$SEED_STAGE)"
  rm -rf "${PGDATA:?}/$SEED_STAGE"
}

healthcheck() {
  add_postgres_bin_to_path
  postgres_serves
}

main() {
  local role=${1:-} mode=${2:-}
  case "$role" in
    healthcheck) healthcheck; return ;;
    primary|standby) ;;
    *) die "usage: entrypoint.sh primary [take-over]|standby|healthcheck (got '$role')" ;;
  esac
  require_user postgres
  add_postgres_bin_to_path
  prepare_directories
  # pg_hba, the peers, the slots, the TLS files and the passfile: the program keeps them current in the live folder.
  install_postgres_live_files
  record_applied_live_files
  install_pgbackrest
  check_seed_stage
  if cluster_exists && [ ! -f "$PGDATA/recovery.signal" ]; then
    if [ ! -f "$PGDATA/standby.signal" ]; then
      # It would serve writes: a primary, or a standby promoted here (its container keeps the standby role).
      refuse_if_superseded
    elif [ "$role" = primary ]; then
      # The host leads again (followHost removed: a switchover back): this standby's copy is promoted.
      promote_standby_copy
    fi
  fi
  if ! cluster_exists; then
    if [ "$mode" = take-over ]; then
      die "the volume holds no PostgreSQL cluster: postgresDataVolume must name the volume of the database to take over (docker volume ls on the host)"
    fi
    if [ "$role" = standby ]; then
      die "no cluster in $PGDATA: this host's stack seeds a standby with pg_basebackup. Run pulumi up on the stack of this host (the replica stack for a replica, the master stack for a master that follows another host: followHost)"
    fi
    if [ -f "$UPLOADS/restore.target" ]; then
      restore_primary
      finish_recovery
    else
      initialise_primary
    fi
  elif [ "$mode" = take-over ] && [ ! -f "$PGDATA/$TAKEN_OVER" ]; then
    take_over_primary
  elif [ "$role" = primary ] && [ -f "$PGDATA/recovery.signal" ]; then
    finish_recovery
  fi
  if roles_to_take_over; then
    take_over_roles
  fi
  log "starting PostgreSQL ($role) from $PGDATA"
  exec_as postgres postgres -D "$PGDATA" -c config_file="$CONF"
}

main "$@"
