# shellcheck shell=bash
# Apply a container's changed live settings, on its host, once it serves: `bash -s -- <hash> <container> <timeout s>
# <check...>` (the hash, then what wait_ready takes) with ready-lib.sh and then this text on stdin. The container's
# synaxic-apply-live applies what the server can take live and exits 3 when a setting needs a restart: the container
# is then restarted with its own stop signal and timeout (a clean shutdown) and waited for.
set -Eeuo pipefail
readonly HASH=$1 CONTAINER=$2 TIMEOUT=$3
shift 3

# A new container is waited for here, in this session, rather than after one of its own.
wait_ready "$CONTAINER" "$TIMEOUT" "$@" >/dev/null
status=0
docker exec "$CONTAINER" synaxic-apply-live "$HASH" || status=$?
case "$status" in
  0) ;;
  3)
    echo "synaxic: restarting $CONTAINER (a clean stop) for the settings that need it"
    docker restart "$CONTAINER" >/dev/null
    wait_ready "$CONTAINER" "$TIMEOUT" "$@"
    ;;
  *) echo "synaxic: applying the live settings of $CONTAINER failed (above)" >&2; exit 1 ;;
esac
