#!/bin/bash
# Prepare a real Docker engine for the e2e tests and benchmarks: install it from Debian's packages if missing,
# start dockerd (overlay2) if it is not running, and build the test image from Debian packages (no registry
# exists here), cached under a tag derived from the hash of its recipe.
#   tests/e2e/engine.sh            prepare everything, print the image tag
#   tests/e2e/engine.sh stop       stop a dockerd this script started
set -Eeuo pipefail

readonly STATE_DIR=${SYNAXIC_E2E_STATE:-/var/tmp/synaxic-e2e}
readonly DOCKERD_PID=$STATE_DIR/dockerd.pid
# The recipe: Debian 12 gives PostgreSQL 15 and Redis 7.0 (TLS built in). One image serves both services.
readonly SUITE=bookworm
readonly PACKAGES=postgresql-15,postgresql-client-15,redis-server,redis-tools,openssl,ca-certificates
readonly RECIPE="v1 $SUITE $PACKAGES"

log() { printf '[engine] %s\n' "$*" >&2; }

debian_mirror() {
  local uri
  uri=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | grep -v security | head -n 1)
  echo "${uri:-http://deb.debian.org/debian}"
}

install_packages() {
  local missing=()
  command -v dockerd >/dev/null || missing+=(docker.io)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  command -v openssl >/dev/null || missing+=(openssl) # the e2e provider issues real certificates with it
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]} from Debian's packages"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

engine_up() { docker info >/dev/null 2>&1; }

start_dockerd() {
  engine_up && return 0
  mkdir -p "$STATE_DIR"
  log "starting dockerd (overlay2)"
  # No registry mirror and no outside DNS are needed: images are built locally.
  nohup dockerd --storage-driver=overlay2 --pidfile "$DOCKERD_PID.engine" >"$STATE_DIR/dockerd.log" 2>&1 &
  echo $! >"$DOCKERD_PID"
  local tries=60
  until engine_up; do
    tries=$((tries - 1))
    [ "$tries" -gt 0 ] || { tail -n 30 "$STATE_DIR/dockerd.log" >&2; log "dockerd did not start"; exit 1; }
    sleep 1
  done
}

image_tag() { echo "synaxic-test/debian-pg-redis:$(printf '%s' "$RECIPE" | sha256sum | cut -c1-12)"; }

build_image() {
  local tag root
  tag=$(image_tag)
  if docker image inspect "$tag" >/dev/null 2>&1; then
    log "image $tag cached"
  else
    root=$(mktemp -d /var/tmp/synaxic-rootfs.XXXXXX)
    log "building $tag with debootstrap ($PACKAGES)"
    debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$root" "$(debian_mirror)" >"$STATE_DIR/debootstrap.log" 2>&1 \
      || { tail -n 30 "$STATE_DIR/debootstrap.log" >&2; exit 1; }
    # Debian's package creates a 'main' cluster; our entrypoint makes its own in the data volume.
    rm -rf "$root/var/lib/postgresql/15" "$root/etc/postgresql/15" "$root/var/cache/apt/archives/"*.deb
    tar -C "$root" -c . | docker import --change 'ENV LANG=C.UTF-8' - "$tag" >/dev/null
    rm -rf "$root"
  fi
  docker tag "$tag" synaxic-test/postgres:15
  docker tag "$tag" synaxic-test/redis:7.0
  echo "$tag"
}

stop_dockerd() {
  [ -f "$DOCKERD_PID" ] || return 0
  log "stopping dockerd"
  kill "$(cat "$DOCKERD_PID")" 2>/dev/null || true
  rm -f "$DOCKERD_PID"
}

main() {
  case "${1:-up}" in
    up) mkdir -p "$STATE_DIR"; install_packages; start_dockerd; build_image ;;
    stop) stop_dockerd ;;
    *) echo "usage: engine.sh [up|stop]" >&2; exit 2 ;;
  esac
}

main "$@"
