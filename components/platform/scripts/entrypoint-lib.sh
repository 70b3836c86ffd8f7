# shellcheck shell=bash
# Helpers shared by our container entrypoints and the host-side scripts (seed, rejoin, live settings). Sourced or
# evaluated, never run.

log() { printf '%s synaxic-%s: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "${SYNAXIC_SERVICE:-setup}" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# The image's own service user (uid differs between the official images and Debian's packages).
require_user() {
  getent passwd "$1" >/dev/null || die "the image has no '$1' user; use an image built for this service"
}

home_of() { getent passwd "$1" | cut -d: -f6; }

# Copy a file we uploaded (root-owned) to where the service reads it, owned by the service user.
install_file() { # <mode> <owner> <source> <destination>
  [ -f "$3" ] || die "missing $3: the container was created without its uploads"
  install -D -o "$2" -g "$2" -m "$1" "$3" "$4"
}

# The folder the program keeps current while a server runs (scripts/write-live.sh writes it on the host, the
# container's synaxic-apply-live applies it): the live settings and the files a server takes again without a restart
# (pg_hba, the peers, the passfile, TLS). LIVE_APPLIED holds the files as the running server last took them: copied
# at each start and after each apply that succeeded, so a refused file is put back from what the server runs with.
LIVE_DIR=/etc/synaxic/live
LIVE_APPLIED=$LIVE_DIR/.applied

# Fails unless each "<name>=<sha256 prefix>" of the comma-separated list names a file of LIVE_DIR with that content:
# the files the program rendered, not ones written by something else.
require_rendered_live_files() { # <name=hash,...>
  local entry actual
  [ -n "${1:-}" ] || die "no rendered files named (synaxic-apply-live <name>=<hash>,...)"
  for entry in ${1//,/ }; do
    actual=$(sha256sum "$LIVE_DIR/${entry%%=*}" 2>/dev/null | cut -c1-12) || true
    [ "$actual" = "${entry#*=}" ] \
      || die "$LIVE_DIR/${entry%%=*} is ${actual:-missing}, not the rendered ${entry#*=}: it was written by something else"
  done
}

# The names of the list whose file differs from what the server last took.
changed_live_files() { # <name=hash,...>
  local entry
  for entry in ${1//,/ }; do
    cmp -s "$LIVE_DIR/${entry%%=*}" "$LIVE_APPLIED/${entry%%=*}" || echo "${entry%%=*}"
  done
}

record_applied_live_files() {
  local f
  install -d -m 0700 "$LIVE_APPLIED"
  for f in "$LIVE_DIR"/*; do
    case "$f" in *.new | *.refused) continue ;; esac
    [ ! -f "$f" ] || cp -p "$f" "$LIVE_APPLIED/"
  done
}

# Each <name> back as the server last took it, the refused one kept as <name>.refused; renamed into place, so a start
# meanwhile finds one whole file or the other.
put_back_live_files() { # <name...>
  local name
  for name in "$@"; do
    [ -f "$LIVE_APPLIED/$name" ] || { log "no earlier $name to put back: left as written"; continue; }
    cp -p "$LIVE_DIR/$name" "$LIVE_DIR/$name.refused"
    cp -p "$LIVE_APPLIED/$name" "$LIVE_DIR/$name.new"
    mv "$LIVE_DIR/$name.new" "$LIVE_DIR/$name"
  done
}

# The live folder's TLS files where <user>'s server reads them, owned by that user: certificates 0644, keys 0600
# (PostgreSQL refuses a key others may read), in a folder only root and the service's group enter.
install_live_tls() { # <user> <folder>
  local f
  install -d "$2"
  chown root:"$1" "$2"
  chmod 0750 "$2"
  for f in "$LIVE_DIR"/*.crt "$LIVE_DIR"/*.key; do
    [ -f "$f" ] || continue
    case "$f" in
      *.key) install_file 0600 "$1" "$f" "$2/${f##*/}" ;;
      *) install_file 0644 "$1" "$f" "$2/${f##*/}" ;;
    esac
  done
}

# Why a server would refuse <cert> with <key>, or a client verifying against <ca> would refuse <cert>: one line, or
# nothing when they are good (or the image has no openssl to ask).
tls_files_refused() { # <ca> <cert> <key>
  command -v openssl >/dev/null || return 0
  if ! openssl x509 -noout -in "$2" 2>/dev/null; then
    echo "${2##*/} is not a PEM certificate"
  elif [ "$(openssl x509 -noout -pubkey -in "$2" | sha256sum)" != "$(openssl pkey -pubout -in "$3" 2>/dev/null | sha256sum)" ]; then
    echo "${3##*/} is not the key of ${2##*/}"
  elif ! openssl verify -CAfile "$1" "$2" >/dev/null 2>&1; then
    echo "${2##*/} is not signed by ${1##*/} (or not valid now)"
  fi
}

# Whether the local server on <port> presents <cert> now (`postgres`: after PostgreSQL's SSLRequest), asked as a client
# presenting <cert> and <key>; true when the image has no openssl to ask.
serves_certificate() { # <port> <postgres|-> <cert> <key>
  command -v openssl >/dev/null || return 0
  local -a starttls=()
  [ "$2" = - ] || starttls=(-starttls "$2")
  local want served
  want=$(openssl x509 -noout -fingerprint -sha256 -in "$3")
  served=$(timeout 10 openssl s_client -connect "127.0.0.1:$1" "${starttls[@]}" -cert "$3" -key "$4" </dev/null 2>/dev/null \
    | openssl x509 -noout -fingerprint -sha256 2>/dev/null) || true
  [ "$served" = "$want" ]
}

# Replace this shell with the service, as the service user. setpriv keeps HOME, so set it.
exec_as() { # <user> <command...>
  local user=$1; shift
  HOME=$(home_of "$user") exec setpriv --reuid "$user" --regid "$user" --init-groups "$@"
}

run_as() { # <user> <command...>
  local user=$1; shift
  HOME=$(home_of "$user") setpriv --reuid "$user" --regid "$user" --init-groups "$@"
}

# Official images put the PostgreSQL binaries on PATH; Debian's packages keep them in a versioned folder.
add_postgres_bin_to_path() {
  command -v pg_ctl >/dev/null 2>&1 && return 0
  local dir
  # Versioned folder names are plain digits, which ls lists safely.
  # shellcheck disable=SC2012
  # Without a match ls fails, and under pipefail so would the assignment, silently: the die below says why.
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  [ -n "$dir" ] || die "no PostgreSQL binaries in this image (pg_ctl not found)"
  PATH="$dir:$PATH"
  export PATH
}

# pgBackRest's configuration where pgbackrest looks by default, readable by postgres only, the S3 service's CA
# uploaded beside it, and its working folders.
install_pgbackrest_conf() {
  install -d -o root -g postgres -m 0750 /etc/pgbackrest
  install_file 0600 postgres "$1" /etc/pgbackrest/pgbackrest.conf
  local ca
  ca="$(dirname "$1")/pgbackrest-s3-ca.crt"
  if [ -f "$ca" ]; then install_file 0644 postgres "$ca" /etc/pgbackrest/s3-ca.crt; fi
  install -d -o postgres -g postgres -m 0750 /var/spool/pgbackrest /tmp/pgbackrest
}

# Run a command once a day at HH:MM (UTC), forever; a failure is logged and waits for the next day.
every_day_at() { # <HH:MM> <command...>
  local at=$1 done_on="" today
  shift
  while sleep 20; do
    [ "$(date -u +%H:%M)" = "$at" ] || continue
    today=$(date -u +%F)
    [ "$today" != "$done_on" ] || continue
    done_on=$today
    "$@" || log "the daily $* failed (its message above)"
  done
}

# A psql variable from a file, for a script piped to psql (names are validated identifiers; verifiers are base64).
psql_set() { printf '\\set %s %s\n' "$1" "'$(cat "$2")'"; }

# The local server serves: it accepts connections over TCP (a first start's bootstrap server, on its socket only,
# does not count). The healthcheck, which the host's waits ask every 0.1 s (ready-lib.sh): pg_isready (tens of
# milliseconds of CPU) only once the port is open, which bash checks without starting a process, so a wait costs
# little while initdb runs.
postgres_serves() {
  { : <>/dev/tcp/127.0.0.1/5432; } 2>/dev/null || return 1
  pg_isready -q -h 127.0.0.1 -p 5432 -U postgres -d "dbname=postgres sslmode=disable gssencmode=disable"
}

# A peer's answer to <command> over a replication connection as the replication role (TLS verify-full, the 0600
# passfile the primary and its standbys hold), on one line; fails when the peer does not answer in 3 s.
ask_peer() { # <host> <port> <user> <replication command>
  run_as postgres psql -X -At -F ' ' -w -c "$4" \
    "host=$1 port=$2 user=$3 replication=true connect_timeout=3 sslmode=verify-full sslrootcert=/etc/synaxic/tls/ca.crt passfile=/etc/synaxic/postgres/replication.pgpass" 2>/dev/null
}

# PostgreSQL's files of the live folder where it reads them, owned by postgres: the TLS files (outside PGDATA, so a
# base backup never copies the primary's identity) and the replication passfile, 0600.
install_postgres_live_files() {
  install_live_tls postgres /etc/synaxic/tls
  install_file 0600 postgres "$LIVE_DIR/replication.pgpass" /etc/synaxic/postgres/replication.pgpass
}

# Until the server on <data folder> has left recovery (replayed to its target and promoted), asked every 0.2 s as
# postgres on its socket folder and port; fails with <what to check> and the last lines of <log> after <seconds>, or at
# once when the server stops.
wait_until_promoted() { # <data folder> <socket folder> <port> <log> <seconds> <what to check>
  local deadline=$((SECONDS + $5)) sql='SELECT pg_is_in_recovery()'
  until [ "$(run_as postgres psql -X -Atq -h "$2" -p "$3" -U postgres -d postgres -c "$sql" 2>/dev/null)" = f ]; do
    if ! run_as postgres pg_ctl -D "$1" status >/dev/null 2>&1; then
      tail -n 20 "$4" >&2
      die "the server stopped before its recovery ended (its log above): $6"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      tail -n 20 "$4" >&2
      die "the recovery did not end within $5 s (its log above): $6"
    fi
    sleep 0.2
  done
}

# Until the local server accepts connections on its socket (the entrypoint's own socket-only server counts: a
# restore ensures its slots on one), every 0.1 s, for as long as a new container's first start may take. Commands
# the program runs from the host have waited for postgres_serves first (when-ready.sh).
wait_for_postgres() {
  local deadline=$((SECONDS + 300))
  until pg_isready -q -h /var/run/postgresql -U postgres -d postgres; do
    [ "$SECONDS" -lt "$deadline" ] || die "PostgreSQL did not accept connections within 300 s"
    sleep 0.1
  done
}

# Host side: the folder of a docker volume on this host, when this user may read (r) or write (w) it there: root over
# SSH, as on most VPS. Nothing otherwise (a rootless or remapped engine, an engine in a VM): the caller then goes
# through a throw-away container, which costs a container start.
volume_folder() { # <volume> <r|w>
  local folder
  folder=$(docker volume inspect -f '{{.Mountpoint}}' "$1") || return 1
  [ -d "$folder" ] && [ -x "$folder" ] || return 1
  case "$2" in
    r) [ -r "$folder" ] ;;
    w) [ -w "$folder" ] ;;
  esac && echo "$folder"
}

# Where a seed copies a cluster inside the data volume before moving it into place (seed-replica.sh): a copy cut
# off half-way is never taken for a cluster.
SEED_STAGE=.synaxic-seed

# What a PostgreSQL data folder holds: empty, standby (a cluster marked a standby), primary (any other cluster), or
# installing (a whole seeded copy that was being moved into place: the seed finishes it).
cluster_in() { # <folder>
  if [ -f "$1/$SEED_STAGE/.moving" ]; then
    echo installing
  elif [ ! -s "$1/PG_VERSION" ]; then
    echo empty
  elif [ -f "$1/standby.signal" ]; then
    echo standby
  else
    echo primary
  fi
}

# What marks a staged copy whole where no standby.signal does: a new primary's cluster (the entrypoint's initdb).
STAGE_WHOLE=.whole

# Moves the whole copy in <folder>'s stage into place: what else the folder held is removed first (an empty volume's
# nothing, or a cluster the caller has kept aside), then every file, the standby.signal marker last. Resumable: once
# .moving is there, nothing outside the stage is removed again.
move_stage_into_place() { # <folder>
  local stage=$1/$SEED_STAGE
  [ -f "$stage/standby.signal" ] || [ -f "$stage/$STAGE_WHOLE" ] || [ -f "$stage/.moving" ] \
    || { echo "no whole copy staged in $stage" >&2; return 1; }
  if [ ! -f "$stage/.moving" ]; then
    find "$1" -mindepth 1 -maxdepth 1 ! -name "$SEED_STAGE" -exec rm -rf {} +
    touch "$stage/.moving"
  fi
  find "$stage" -mindepth 1 -maxdepth 1 ! -name standby.signal ! -name .moving ! -name "$STAGE_WHOLE" \
    -exec mv -t "$1" {} +
  [ ! -f "$stage/standby.signal" ] || mv "$stage/standby.signal" "$1/"
  rm -f "$stage/$STAGE_WHOLE" "$stage/.moving"
  rmdir "$stage"
}

# Host side: `<function> <folder>` for a data volume, in its folder where this user may read (r) or write (w) it, else
# in a throw-away container of <image> without network (the volume read-only for r). <function> sees SEED_STAGE.
on_volume() { # <volume> <image> <r|w> <function>
  local folder mount=/v:ro
  if folder=$(volume_folder "$1" "$3"); then
    "$4" "$folder"
    return
  fi
  [ "$3" = r ] || mount=/v
  docker run --rm --network none -v "$1:$mount" --entrypoint bash "$2" \
    -c "SEED_STAGE=$SEED_STAGE; STAGE_WHOLE=$STAGE_WHOLE; $(declare -f "$4")"'; "$1" "$2"' bash "$4" /v
}

# Host side: move_stage_into_place for a data volume.
install_stage() { on_volume "$1" "$2" w move_stage_into_place; } # <volume> <image>

# One field of a pgpass line: ':' and '\' escaped as libpq reads them (an IPv6 address holds colons).
# The answer at least <needed> of the answers on stdin (a line each, blank for none) agree on; nothing otherwise.
agreed_answer() { # <needed>
  { grep -v '^$' || true; } | sort | uniq -c | awk -v needed="$1" '$1 >= needed { $1 = ""; sub(/^ /, ""); print; exit }'
}

pgpass_field() { # <text>
  local text=${1//\\/\\\\}
  printf '%s' "${text//:/\\:}"
}

# Host side: cluster_in for a data volume; fails when it cannot be read.
volume_cluster() { on_volume "$1" "$2" r cluster_in; } # <volume> <image>
