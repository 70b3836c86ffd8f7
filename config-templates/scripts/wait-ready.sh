# shellcheck shell=bash
# Wait until one of our containers is ready, on its host: `bash -s -- <container> <timeout s> <check command...>`
# with this text on stdin. The check runs inside the container every 0.2 s (Docker's own health interval would add
# a second per container). On failure it says why and prints the container's last log lines (our services never
# log a secret), so `pulumi up` fails with the cause instead of a bare timeout.
set -Eeuo pipefail
readonly CONTAINER=$1 TIMEOUT=$2
shift 2

fail() {
  echo "synaxic: container $CONTAINER $1. Its last log lines:" >&2
  docker logs --tail 40 "$CONTAINER" 2>&1 | sed 's/^/  | /' >&2
  exit 1
}

main() {
  local state
  while :; do
    state=$(docker inspect -f '{{.State.Status}}' "$CONTAINER" 2>/dev/null) || fail "does not exist"
    [ "$state" = running ] || fail "is not running (state: $state)"
    if docker exec "$CONTAINER" "$@" >/dev/null 2>&1; then
      echo "synaxic: $CONTAINER ready after ${SECONDS} s"
      return 0
    fi
    [ "$SECONDS" -lt "$TIMEOUT" ] || fail "did not become ready within $TIMEOUT s"
    sleep 0.2
  done
}

main "$@"
