#!/bin/bash
# A stand-in for the docker CLI in unit tests of host-side scripts: it logs each call (one line, in FAKE_DOCKER_LOG),
# answers `volume inspect` with FAKE_MOUNTPOINT and `inspect` of a container as missing, and runs `run --entrypoint <program> <image> <args...>` here, with
# any argument naming the mounted volume's path inside the container replaced by FAKE_VOLUME_DIR (or refuses it, with
# FAKE_DOCKER_RUN_FAILS set).
set -Eeuo pipefail
printf '%s\n' "$*" >>"$FAKE_DOCKER_LOG"
case "${1:-}" in
  volume)
    [ "$2" = inspect ] && echo "$FAKE_MOUNTPOINT"
    ;;
  inspect)
    # No container of that name (FAKE_RUNNING: one that runs).
    [ -n "${FAKE_RUNNING:-}" ] || exit 1
    echo running
    ;;
  run)
    # FAKE_DOCKER_RUN_FAILS: the engine refuses (docker's own status for that).
    [ -z "${FAKE_DOCKER_RUN_FAILS:-}" ] || { echo "fake docker: run refused" >&2; exit 125; }
    shift
    target="" program=""
    while [ "$#" -gt 0 ]; do
      case "$1" in
        -v) target=$(cut -d: -f2 <<<"$2"); shift 2 ;;
        --entrypoint) program=$2; shift 2 ;;
        --name | --network) shift 2 ;;
        -*) shift ;;
        *) shift; break ;; # the image
      esac
    done
    args=()
    for a in "$@"; do
      if [ "$a" = "$target" ]; then args+=("$FAKE_VOLUME_DIR"); else args+=("$a"); fi
    done
    exec "$program" "${args[@]}"
    ;;
  *) echo "fake docker: $* is not faked" >&2; exit 2 ;;
esac
