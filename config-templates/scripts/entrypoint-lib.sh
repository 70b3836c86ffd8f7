# shellcheck shell=bash
# Helpers shared by our container entrypoints and the replica seed. Sourced, never run.

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

# Until the local server accepts connections (60 s at most).
wait_for_postgres() {
  local tries=60
  until pg_isready -q -h /var/run/postgresql -U postgres -d postgres; do
    tries=$((tries - 1))
    [ "$tries" -gt 0 ] || die "PostgreSQL did not accept connections within 60 s"
    sleep 1
  done
}
